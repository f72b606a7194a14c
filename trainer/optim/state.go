package optim

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/rdlm-go/rdlm/core/safetensors"
)

// stateFormat names the layout of an optimiser state file so that a future
// change is detected instead of misread.
const stateFormat = "rdlm-optim-1"

// StateFile is the conventional name of the state file inside a checkpoint
// folder, beside model.safetensors.
const StateFile = "optim.safetensors"

// The tensors of a state file, each F32 of shape [n].
const (
	tensorParams = "params"
	tensorM      = "adamw.m"
	tensorV      = "adamw.v"
	tensorShadow = "ema.shadow"
)

var stateTensors = []string{tensorParams, tensorM, tensorV, tensorShadow}

// SaveState writes what --resume needs to continue training exactly to path
// as safetensors, atomically (an existing file is replaced only by a complete
// one): the raw training weights (the checkpoint's model.safetensors holds
// the weights used for sampling, possibly EMA and possibly f16), the AdamW
// moments and step, and the EMA average and its update count, all in f32.
// The hyperparameters go into the metadata for the record; LoadState does not
// restore them, so a resumed run may change, say, the learning rate.
func SaveState(path string, params []float32, opt *AdamW, ema *EMA) error {
	if opt == nil || ema == nil {
		return fmt.Errorf("optim state: both the optimiser and the EMA are needed")
	}
	n := len(opt.M)
	if len(params) != n || len(opt.V) != n || len(ema.Shadow) != n {
		return fmt.Errorf("optim state: %d weights, but the optimiser holds %d/%d moments and the EMA %d weights", len(params), len(opt.M), len(opt.V), len(ema.Shadow))
	}
	var tensors []safetensors.Tensor
	for _, b := range []struct {
		name string
		v    []float32
	}{{tensorParams, params}, {tensorM, opt.M}, {tensorV, opt.V}, {tensorShadow, ema.Shadow}} {
		t, err := safetensors.FromFloat32(b.name, safetensors.F32, []int{n}, b.v)
		if err != nil {
			return err
		}
		tensors = append(tensors, t)
	}
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	c := opt.Config
	meta := map[string]string{
		"format":      stateFormat,
		"params":      strconv.Itoa(n),
		"adamw_step":  strconv.Itoa(opt.Step),
		"ema_updates": strconv.Itoa(ema.Updates),
		"ema_decay":   g(ema.Decay),
		"lr":          g(c.LR), "beta1": g(c.Beta1), "beta2": g(c.Beta2), "eps": g(c.Eps),
		"weight_decay": g(c.WeightDecay), "warmup": strconv.Itoa(c.Warmup),
	}
	return safetensors.WriteFile(path, tensors, meta)
}

// LoadState restores the state saved by SaveState into params, opt and ema,
// which must be sized for the same number of parameters. On any error all
// three are left as they were.
func LoadState(path string, params []float32, opt *AdamW, ema *EMA) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("optim state: %w", err)
	}
	if got := f.Metadata["format"]; got != stateFormat {
		return fmt.Errorf("optim state %s: format %q, expected %q", path, got, stateFormat)
	}
	n := len(opt.M)
	if len(params) != n || len(ema.Shadow) != n {
		return fmt.Errorf("optim state: %d weights, but the optimiser holds %d and the EMA %d", len(params), n, len(ema.Shadow))
	}
	intMeta := func(key string) (int, error) {
		v, err := strconv.Atoi(f.Metadata[key])
		if err != nil || v < 0 {
			return 0, fmt.Errorf("optim state %s: metadata %q = %q is not a count", path, key, f.Metadata[key])
		}
		return v, nil
	}
	step, err := intMeta("adamw_step")
	if err != nil {
		return err
	}
	updates, err := intMeta("ema_updates")
	if err != nil {
		return err
	}
	bufs := make([][]float32, len(stateTensors))
	for i, name := range stateTensors {
		t, err := f.Get(name)
		if err != nil {
			return fmt.Errorf("optim state %s: %w", path, err)
		}
		if len(t.Shape) != 1 || t.Shape[0] != n {
			return fmt.Errorf("optim state %s: tensor %q has shape %v, the model has %d parameters", path, name, t.Shape, n)
		}
		if bufs[i], err = t.Float32(); err != nil {
			return fmt.Errorf("optim state %s: %w", path, err)
		}
		for j, x := range bufs[i] {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) || (name == tensorV && x < 0) {
				return fmt.Errorf("optim state %s: tensor %q element %d is %g", path, name, j, x)
			}
		}
	}
	if len(f.Tensors) != len(stateTensors) {
		for name := range f.Tensors {
			if !slices.Contains(stateTensors, name) {
				return fmt.Errorf("optim state %s: unexpected tensor %q", path, name)
			}
		}
	}
	copy(params, bufs[0])
	copy(opt.M, bufs[1])
	copy(opt.V, bufs[2])
	copy(ema.Shadow, bufs[3])
	opt.Step, ema.Updates = step, updates
	return nil
}
