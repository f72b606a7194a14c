// Package refimport converts the reference implementation's training
// checkpoints (github.com/harryjo97/RDLM, checkpoint.pth) into our
// checkpoint: the EMA weights under the same state-dict names, the
// architecture from the tensors' shapes (checked against the embedded
// config), and the diffusion settings from the embedded hydra config.
//
// The reference saves {model: state_dict, ema: {decay, num_updates,
// shadow_params: [tensors in model.parameters() order]}, optimizer, step,
// config: the OmegaConf DictConfig of the run}. Model keys carry an
// "_orig_mod." prefix when the model was saved after torch.compile.
// Settings are never filled from defaults: the reference's own sampler
// silently falls back to step_thr = 0 in one case (rdlm-math.md section 11),
// so a missing setting is an error unless the caller supplies it.
package refimport

import (
	"fmt"
	"math"
	"strings"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/torchckpt"
)

// Options are the caller's answers to what a checkpoint may lack. A value
// given here for a setting the checkpoint does record must agree with it.
type Options struct {
	StepThr  *float64 // sde.step_thr
	RhoScale *float64 // sde.rho_scale
	// Weights picks "ema" (the default: what the reference samples and
	// evaluates with) or "model" (the raw training weights).
	Weights string
}

// Report says what was taken from where, for the user.
type Report struct {
	Weights   string   // "ema" or "model"
	Prefix    string   // stripped key prefix, e.g. "_orig_mod."
	Params    int      // parameters converted
	Ignored   []string // top-level entries not used (optimizer, ...)
	FromFlags []string // settings taken from Options because the config lacks them
}

// Convert builds our checkpoint from an opened reference checkpoint.
func Convert(f *torchckpt.File, opt Options) (*ckpt.Checkpoint, *Report, error) {
	root, ok := f.Root.(*torchckpt.Dict)
	if !ok {
		return nil, nil, fmt.Errorf("the checkpoint holds a %T, want the reference's dict of model, ema, step and config", f.Root)
	}
	rep := &Report{Weights: opt.Weights}
	if rep.Weights == "" {
		rep.Weights = "ema"
	}
	if rep.Weights != "ema" && rep.Weights != "model" {
		return nil, nil, fmt.Errorf("weights must be \"ema\" or \"model\", got %q", rep.Weights)
	}
	for _, k := range root.Keys {
		if s, _ := k.(string); s != "model" && s != "ema" && s != "step" && s != "config" {
			rep.Ignored = append(rep.Ignored, fmt.Sprint(k))
		}
	}
	state, err := modelState(root, rep)
	if err != nil {
		return nil, nil, err
	}
	cfgv, ok := root.Get("config")
	if !ok {
		return nil, nil, fmt.Errorf("the checkpoint has no 'config' entry (the training configuration): the diffusion settings cannot be known; this converter needs a checkpoint saved with its config")
	}
	plain, err := torchckpt.Plain(cfgv)
	if err != nil {
		return nil, nil, fmt.Errorf("config: %v", err)
	}
	pm, ok := plain.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("config is a %T, want a mapping", plain)
	}
	cfg := torchckpt.Config{Root: pm}

	mc, split, err := architecture(state, cfg)
	if err != nil {
		return nil, nil, err
	}
	proc, err := process(cfg, opt, rep)
	if err != nil {
		return nil, nil, err
	}
	proc.Split = split
	if split != nil {
		proc.Tokenizer, err = tokenizerFor(proc.Vocab)
		if err != nil {
			return nil, nil, err
		}
	}
	tensors, err := weights(root, state, rep.Weights)
	if err != nil {
		return nil, nil, err
	}
	params := model.NewParams[float32](mc)
	for _, spec := range mc.Specs() {
		t := tensors[spec.Name]
		vals, err := f.Float32(t)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %v", rep.Weights, spec.Name, err)
		}
		for i, v := range vals {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, nil, fmt.Errorf("%s %s: element %d is %v", rep.Weights, spec.Name, i, v)
			}
		}
		copy(params.View(spec.Name), vals)
	}
	rep.Params = len(params.Flat)

	stepV, ok := root.Get("step")
	if !ok {
		return nil, nil, fmt.Errorf("the checkpoint has no 'step' entry")
	}
	step, ok := stepV.(int64)
	if !ok || step < 0 {
		return nil, nil, fmt.Errorf("step is %v, want a non-negative integer", stepV)
	}
	c := &ckpt.Checkpoint{Params: params, Config: ckpt.Config{
		Format: ckpt.FormatVersion, Model: mc, Process: proc, Step: step, DType: ckpt.DTypeF32,
		Training: training(cfg),
	}}
	return c, rep, nil
}

// namedTensor is one entry of the model state dict.
type namedTensor struct {
	name string // without the compile/DDP prefix
	t    *torchckpt.Tensor
}

// modelState reads root["model"], strips the "_orig_mod." (torch.compile)
// or "module." (DDP) prefix that every key carries, and keeps the order.
func modelState(root *torchckpt.Dict, rep *Report) ([]namedTensor, error) {
	mv, ok := root.Get("model")
	if !ok {
		return nil, fmt.Errorf("the checkpoint has no 'model' entry (the model's state dict); top-level keys: %v", root.Keys)
	}
	md, ok := mv.(*torchckpt.Dict)
	if !ok || len(md.Keys) == 0 {
		return nil, fmt.Errorf("'model' is a %T, want a non-empty state dict", mv)
	}
	first, _ := md.Keys[0].(string)
	for _, p := range []string{"_orig_mod.", "module._orig_mod.", "module."} {
		if strings.HasPrefix(first, p) {
			rep.Prefix = p
			break
		}
	}
	out := make([]namedTensor, len(md.Keys))
	for i, k := range md.Keys {
		name, _ := k.(string)
		if !strings.HasPrefix(name, rep.Prefix) {
			return nil, fmt.Errorf("model key %q lacks the prefix %q its first key has", name, rep.Prefix)
		}
		t, ok := md.Values[i].(*torchckpt.Tensor)
		if !ok {
			return nil, fmt.Errorf("model %s is a %T, want a tensor", name, md.Values[i])
		}
		out[i] = namedTensor{strings.TrimPrefix(name, rep.Prefix), t}
	}
	return out, nil
}

// rotaryBuffer is the one non-parameter entry of the reference DiT's state
// dict: the rotary inverse frequencies, (head dim / 2).
const rotaryBuffer = "rotary_emb.inv_freq"

// weights maps each parameter name to the tensor to convert: the model's
// own, or the EMA shadow at the same position of model.parameters() order
// (the state dict's order without buffers).
func weights(root *torchckpt.Dict, state []namedTensor, which string) (map[string]*torchckpt.Tensor, error) {
	var params []namedTensor
	for _, nt := range state {
		if nt.name != rotaryBuffer {
			params = append(params, nt)
		}
	}
	out := make(map[string]*torchckpt.Tensor, len(params))
	if which == "model" {
		for _, nt := range params {
			out[nt.name] = nt.t
		}
		return out, nil
	}
	ev, ok := root.Get("ema")
	if !ok {
		return nil, fmt.Errorf("the checkpoint has no 'ema' entry; convert the raw weights with weights=model if that is what you want")
	}
	ed, ok := ev.(*torchckpt.Dict)
	if !ok {
		return nil, fmt.Errorf("'ema' is a %T, want the EMA state dict", ev)
	}
	sv, ok := ed.Get("shadow_params")
	if !ok {
		return nil, fmt.Errorf("'ema' has no shadow_params")
	}
	sl, ok := sv.(*torchckpt.List)
	if !ok {
		return nil, fmt.Errorf("ema shadow_params is a %T, want a list of tensors", sv)
	}
	if len(sl.Items) != len(params) {
		return nil, fmt.Errorf("ema has %d shadow tensors but the model has %d parameters", len(sl.Items), len(params))
	}
	for i, nt := range params {
		t, ok := sl.Items[i].(*torchckpt.Tensor)
		if !ok {
			return nil, fmt.Errorf("ema shadow_params[%d] is a %T", i, sl.Items[i])
		}
		if !equalShape(t.Shape, nt.t.Shape) {
			return nil, fmt.Errorf("ema shadow_params[%d] has shape %v but parameter %d (%s) has %v: the EMA does not follow the model's parameter order", i, t.Shape, i, nt.name, nt.t.Shape)
		}
		out[nt.name] = t
	}
	return out, nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
