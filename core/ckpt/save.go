package ckpt

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/safetensors"
)

// Checkpoint is a model's configuration and its parameters.
type Checkpoint struct {
	Config Config
	Params *model.Params[float32]
}

// maxF16 is the largest finite float16; larger weights would be stored as
// infinity.
const maxF16 = 65504

// Save writes c into dir, creating the folder if needed. Config.DType picks
// the storage ("f32", the default when empty, or "f16"); Save sets
// Config.Format and Config.WeightsSHA256. Everything is checked before the
// first byte is written (the config, the parameter count, every weight
// finite and representable), so a refused save leaves dir as it was.
func Save(dir string, c *Checkpoint) error {
	cfg := c.Config
	cfg.Format = FormatVersion
	if cfg.DType == "" {
		cfg.DType = DTypeF32
	}
	cfg.WeightsSHA256 = strings.Repeat("0", 64) // placeholder until the weights are written
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("checkpoint %s: config: %v", dir, err)
	}
	var dtype safetensors.DType
	switch cfg.DType {
	case DTypeF32:
		dtype = safetensors.F32
	case DTypeF16:
		dtype = safetensors.F16
	default:
		return fmt.Errorf("checkpoint %s: cannot write dtype %q (only %q or %q)", dir, cfg.DType, DTypeF32, DTypeF16)
	}
	if c.Params == nil {
		return fmt.Errorf("checkpoint %s: no parameters", dir)
	}
	if n := cfg.Model.NumParams(); len(c.Params.Flat) != n {
		return fmt.Errorf("checkpoint %s: %d parameters given, the model config needs %d", dir, len(c.Params.Flat), n)
	}
	tensors, err := encodeParams(cfg.Model, c.Params, dtype)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	// Weights first, config last: until the new config is in place, the old
	// config's checksum disowns the new weights, so a crash in between is
	// reported by Load instead of pairing a config with weights it did not
	// describe.
	meta, err := savedConfigMetadata(cfg)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	h := sha256.New()
	err = atomicfile.Write(filepath.Join(dir, WeightsFile), func(w io.Writer) error {
		return safetensors.Encode(io.MultiWriter(w, h), tensors, meta)
	})
	if err != nil {
		return fmt.Errorf("checkpoint %s: writing %s: %v", dir, WeightsFile, err)
	}
	cfg.WeightsSHA256 = hex.EncodeToString(h.Sum(nil))
	js, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, ConfigFile), append(js, '\n')); err != nil {
		return fmt.Errorf("checkpoint %s: writing %s: %v", dir, ConfigFile, err)
	}
	c.Config = cfg
	return nil
}

// encodeParams turns the parameters into tensors in the reference's order,
// refusing any weight that would not survive the trip.
func encodeParams(mc model.Config, p *model.Params[float32], dtype safetensors.DType) ([]safetensors.Tensor, error) {
	specs := mc.Specs()
	tensors := make([]safetensors.Tensor, 0, len(specs))
	for _, s := range specs {
		v := p.View(s.Name)
		for i, x := range v {
			f := float64(x)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("tensor %q element %d is %g: refusing to save a non-finite weight", s.Name, i, x)
			}
			if dtype == safetensors.F16 && math.Abs(f) > maxF16 {
				return nil, fmt.Errorf("tensor %q element %d is %g, beyond the float16 range (%d): save as f32", s.Name, i, x, maxF16)
			}
		}
		t, err := safetensors.FromFloat32(s.Name, dtype, s.Shape, v)
		if err != nil {
			return nil, err
		}
		tensors = append(tensors, t)
	}
	return tensors, nil
}
