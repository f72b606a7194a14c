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
	"slices"
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
		return nil, nil, fmt.Errorf("the checkpoint holds %s, want the reference's dict of model, ema, step and config", torchckpt.Describe(f.Root))
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
			if len(rep.Ignored) == maxIgnored {
				rep.Ignored = append(rep.Ignored, fmt.Sprintf("... (%d entries in all)", len(root.Keys)))
				break
			}
			rep.Ignored = append(rep.Ignored, label(k))
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
		return nil, nil, fmt.Errorf("config is %s, want a mapping", torchckpt.Describe(plain))
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
	if err := backed(mc, tensors, rep.Weights); err != nil {
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
		return nil, nil, fmt.Errorf("step is %s, want a non-negative integer", torchckpt.Describe(stepV))
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
		return nil, fmt.Errorf("the checkpoint has no 'model' entry (the model's state dict); it holds %s", torchckpt.Describe(root))
	}
	md, ok := mv.(*torchckpt.Dict)
	if !ok || len(md.Keys) == 0 {
		return nil, fmt.Errorf("'model' is %s, want a non-empty state dict", torchckpt.Describe(mv))
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
			return nil, fmt.Errorf("model key %s lacks the prefix %q its first key has", label(k), rep.Prefix)
		}
		t, ok := md.Values[i].(*torchckpt.Tensor)
		if !ok {
			return nil, fmt.Errorf("model %s is %s, want a tensor", label(k), torchckpt.Describe(md.Values[i]))
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
		return nil, fmt.Errorf("'ema' is %s, want the EMA state dict", torchckpt.Describe(ev))
	}
	sv, ok := ed.Get("shadow_params")
	if !ok {
		return nil, fmt.Errorf("'ema' has no shadow_params")
	}
	sl, ok := sv.(*torchckpt.List)
	if !ok {
		return nil, fmt.Errorf("ema shadow_params is %s, want a list of tensors", torchckpt.Describe(sv))
	}
	if len(sl.Items) != len(params) {
		return nil, fmt.Errorf("ema has %d shadow tensors but the model has %d parameters", len(sl.Items), len(params))
	}
	for i, nt := range params {
		t, ok := sl.Items[i].(*torchckpt.Tensor)
		if !ok {
			return nil, fmt.Errorf("ema shadow_params[%d] is %s, want a tensor", i, torchckpt.Describe(sl.Items[i]))
		}
		if !slices.Equal(t.Shape, nt.t.Shape) {
			return nil, fmt.Errorf("ema shadow_params[%d] has shape %s but parameter %d (%s) has %v: the EMA does not follow the model's parameter order", i, shape(t.Shape), i, nt.name, nt.t.Shape)
		}
		out[nt.name] = t
	}
	return out, nil
}

// backed checks that the weights to convert are all in the file before
// the model is allocated: the shapes alone could describe any size, and a
// broadcast view (stride 0) or many views of one storage could describe
// more weights than the file holds. The reference stores each weight in a
// storage of its own, so its storages hold at least as many elements as
// its parameters.
func backed(mc model.Config, tensors map[string]*torchckpt.Tensor, which string) error {
	var want, held int64
	seen := map[*torchckpt.Storage]bool{}
	for _, spec := range mc.Specs() {
		t := tensors[spec.Name]
		n := int64(t.Numel()) // the unpickler bounds each view's count by 2^56
		if want > math.MaxInt64-n {
			return fmt.Errorf("the %s weights describe more than 2^63 parameters", which)
		}
		want += n
		if st := t.Storage; st != nil && !seen[st] {
			seen[st] = true
			held += min(st.Numel, math.MaxInt64-held) // saturates: held only needs to reach want
		}
	}
	if want > held {
		return fmt.Errorf("the %s weights describe %d parameters but their storages hold %d elements: not a checkpoint that stores its weights", which, want, held)
	}
	return nil
}

// maxIgnored bounds the top-level entries a report lists.
const maxIgnored = 16

// label formats a key from the file for a message: a short string as it
// is, anything else as torchckpt.Describe bounds it.
func label(k any) string {
	if s, ok := k.(string); ok && len(s) <= 80 && !strings.ContainsAny(s, "\n\r\"") {
		return s
	}
	return torchckpt.Describe(k)
}

// shape formats a shape from the file for a message (its rank may be 64).
func shape(s []int) string {
	if len(s) > 8 {
		return fmt.Sprintf("of rank %d", len(s))
	}
	return fmt.Sprint(s)
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
