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

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/safetensors"
	"github.com/rdlm-go/rdlm/internal/userfile"
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
	b, err := userfile.Read(path, userfile.Config)
	if err != nil {
		return cfg, fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	cfg, err = decodeConfig(b)
	if err != nil {
		return cfg, fmt.Errorf("%s: %v", path, err)
	}
	return cfg, nil
}

// decodeConfig is the one parser of config.json's bytes: strict JSON, one
// object, then every field validated (sizes within the model's limits
// included, so that nothing is ever sized from an absurd value).
func decodeConfig(b []byte) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("not a valid checkpoint config: %v", err)
	}
	if dec.More() {
		return cfg, fmt.Errorf("trailing data after the JSON object")
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Load reads and checks a checkpoint folder. The checks run from the most
// specific to the most general so that the error names the place at fault:
// the config; the weights file's structure (byte ranges, via safetensors);
// each expected tensor in the reference's order (present, float dtype,
// shape); no unexpected tensors; the config the weights were saved with;
// then, with the parameters allocated (as many as the file holds), finite
// values; and last the checksum, which catches damage the structure cannot
// see (a flipped bit in a weight).
func Load(dir string) (*Checkpoint, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, WeightsFile)
	b, err := userfile.Read(path, userfile.Tensors)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	c, err := fromWeights(cfg, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

// fromWeights checks the weights file's bytes against a validated config
// and decodes them; errors name no file, the caller does.
func fromWeights(cfg Config, b []byte) (*Checkpoint, error) {
	f, err := safetensors.Read(b)
	if err != nil {
		return nil, err
	}
	if err := checkTensors(cfg.Model, f); err != nil {
		return nil, err
	}
	if err := checkSavedConfig(cfg, f); err != nil {
		return nil, err
	}
	// Every tensor has the shape the config gives it and nothing else is
	// in the file: the parameters are no more than the file's bytes.
	params := model.NewParams[float32](cfg.Model)
	if err := decodeParams(cfg.Model, f, params); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != cfg.WeightsSHA256 {
		return nil, fmt.Errorf("sha256 %s does not match %s (weights_sha256 %s): the file is damaged or belongs to another config",
			got, ConfigFile, cfg.WeightsSHA256)
	}
	return &Checkpoint{Config: cfg, Params: params}, nil
}

// checkTensors compares the file's header with the tensors the config
// implies, allocating nothing the size of a tensor: names, dtypes and shapes
// of every expected tensor, and no others.
func checkTensors(mc model.Config, f *safetensors.File) error {
	// Every block has tensors of its own: more blocks than tensors is
	// refused before the specs of a thousand blocks are listed.
	if mc.Blocks > len(f.Tensors) {
		return fmt.Errorf("the config's model.blocks is %d, but the file holds %d tensors in all", mc.Blocks, len(f.Tensors))
	}
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
	}
	var stray []string
	for _, name := range f.Order {
		if !expected[name] {
			stray = append(stray, name)
		}
	}
	if len(stray) > 0 {
		return fmt.Errorf("unexpected tensor %q (%d not in the model config)", slices.Min(stray), len(stray))
	}
	return nil
}

// decodeParams fills params from f, whose tensors checkTensors has passed,
// reporting the first non-finite weight.
func decodeParams(mc model.Config, f *safetensors.File, params *model.Params[float32]) error {
	for _, s := range mc.Specs() {
		dst := params.View(s.Name)
		if err := f.Tensors[s.Name].DecodeInto(dst); err != nil {
			return err
		}
		for i, x := range dst {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("tensor %q element %d is %g", s.Name, i, x)
			}
		}
	}
	return nil
}
