package ckpt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/safetensors"
)

// ReadConfig reads and validates dir/config.json. Unknown fields are errors:
// a misspelt setting must not silently fall back to its default.
func ReadConfig(dir string) (Config, error) {
	var cfg Config
	if st, err := os.Stat(dir); err != nil {
		return cfg, fmt.Errorf("checkpoint %s: %v", dir, err)
	} else if !st.IsDir() {
		return cfg, fmt.Errorf("checkpoint %s: not a folder (a checkpoint is a folder holding %s and %s)", dir, ConfigFile, WeightsFile)
	}
	path := filepath.Join(dir, ConfigFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("%s: not a valid checkpoint config: %v", path, err)
	}
	if dec.More() {
		return cfg, fmt.Errorf("%s: trailing data after the JSON object", path)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%s: %v", path, err)
	}
	return cfg, nil
}

// Load reads and checks a checkpoint folder. The checks run from the most
// specific to the most general so that the error names the place at fault:
// the config; the weights file's structure (byte ranges, via safetensors);
// each expected tensor in the reference's order (present, float dtype,
// shape, finite values); no unexpected tensors; and last the checksum, which
// catches damage the structure cannot see (a flipped bit in a weight).
func Load(dir string) (*Checkpoint, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, WeightsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	f, err := safetensors.Read(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	params := model.NewParams[float32](cfg.Model)
	if err := decodeParams(cfg.Model, f, params); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != cfg.WeightsSHA256 {
		return nil, fmt.Errorf("%s: sha256 %s does not match %s (weights_sha256 %s): the file is damaged or belongs to another config",
			path, got, ConfigFile, cfg.WeightsSHA256)
	}
	return &Checkpoint{Config: cfg, Params: params}, nil
}

// decodeParams fills params from f, reporting the first tensor at fault.
func decodeParams(mc model.Config, f *safetensors.File, params *model.Params[float32]) error {
	specs := mc.Specs()
	expected := make(map[string]bool, len(specs))
	for _, s := range specs {
		expected[s.Name] = true
		t, ok := f.Tensors[s.Name]
		if !ok {
			return fmt.Errorf("missing tensor %q (shape %v)", s.Name, s.Shape)
		}
		switch t.DType {
		case safetensors.F32, safetensors.F16, safetensors.BF16:
		default:
			return fmt.Errorf("tensor %q has dtype %s; weights must be F32, F16 or BF16", s.Name, t.DType)
		}
		if !slices.Equal(t.Shape, s.Shape) {
			return fmt.Errorf("tensor %q has shape %v, the config needs %v", s.Name, t.Shape, s.Shape)
		}
		dst := params.View(s.Name)
		if err := t.DecodeInto(dst); err != nil {
			return err
		}
		for i, x := range dst {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("tensor %q element %d is %g", s.Name, i, x)
			}
		}
	}
	var stray []string
	for name := range f.Tensors {
		if !expected[name] {
			stray = append(stray, name)
		}
	}
	if len(stray) > 0 {
		sort.Strings(stray)
		return fmt.Errorf("unexpected tensor %q (%d not in the model config)", stray[0], len(stray))
	}
	return nil
}
