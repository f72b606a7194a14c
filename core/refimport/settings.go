package refimport

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/split"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/rdlm-go/rdlm/core/torchckpt"
)

// referenceNetworks are the names the reference's network has had in a
// run config's model._target_: model/ddit.py's DDit, renamed model/dit.py's
// DiT; the two are the same network with the same state dict.
var referenceNetworks = map[string]bool{"model.dit.DiT": true, "model.ddit.DDit": true}

// maxLength bounds model.length, the positions per sequence: far above the
// reference's 256, far below where lengths times digits overflow.
const maxLength = 1 << 24

// architecture reads the network's sizes from the tensors' shapes and checks
// them against the config's model section; the positions per sequence and
// the dimension splitting come from the config.
func architecture(state []namedTensor, cfg torchckpt.Config) (model.Config, *ckpt.Split, error) {
	shapes := map[string][]int{}
	blocks := 0
	for _, nt := range state {
		shapes[nt.name] = nt.t.Shape
		if rest, ok := strings.CutPrefix(nt.name, "blocks."); ok {
			i, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '.'), 0)])
			if err != nil {
				return model.Config{}, nil, fmt.Errorf("model key %s: block index is not a number", label(nt.name))
			}
			// Each block has entries of its own, so an index beyond the
			// number of entries is a hole; refusing it here keeps a crafted
			// index from sizing the model.
			if i < 0 || i >= len(state) {
				return model.Config{}, nil, fmt.Errorf("model key %s: block %d of a state dict of %d entries", label(nt.name), i, len(state))
			}
			blocks = max(blocks, i+1)
		}
	}
	dim := func(name string, axis, rank int) (int, error) {
		s, ok := shapes[name]
		if !ok || len(s) != rank {
			return 0, fmt.Errorf("model state has no %s of rank %d (got shape %s): not the reference DiT", name, rank, shape(s))
		}
		return s[axis], nil
	}
	var mc model.Config
	var err error
	if mc.Hidden, err = dim("vocab_embed.embedding.weight", 0, 2); err != nil {
		return mc, nil, err
	}
	if mc.Vocab, err = dim("vocab_embed.embedding.weight", 1, 2); err != nil {
		return mc, nil, err
	}
	if mc.Cond, err = dim("sigma_map.mlp.0.weight", 0, 2); err != nil {
		return mc, nil, err
	}
	if tf, _ := dim("sigma_map.mlp.0.weight", 1, 2); tf != model.TimeFeatures {
		return mc, nil, fmt.Errorf("sigma_map.mlp.0.weight takes %d time features, want %d", tf, model.TimeFeatures)
	}
	mc.Blocks = blocks

	if target, err := cfg.String("model._target_"); err != nil {
		return mc, nil, err
	} else if !referenceNetworks[target] {
		return mc, nil, fmt.Errorf("config model._target_ is %s; only the reference DiT (model.dit.DiT, formerly model.ddit.DDit) converts", torchckpt.Describe(target))
	}
	heads, err := cfg.Int("model.n_heads")
	if err != nil {
		return mc, nil, err
	}
	if heads < 1 || heads > int64(mc.Hidden) {
		return mc, nil, fmt.Errorf("config model.n_heads is %d, want 1 to the hidden size %d", heads, mc.Hidden)
	}
	mc.Heads = int(heads)
	// The rotary buffer holds head_dim/2 frequencies: a second witness.
	if half, err := dim(rotaryBuffer, 0, 1); err == nil && half*2*mc.Heads != mc.Hidden {
		return mc, nil, fmt.Errorf("config model.n_heads %d disagrees with %s (%d frequencies, hidden %d)", mc.Heads, rotaryBuffer, half, mc.Hidden)
	}
	for _, c := range []struct {
		path string
		got  int
	}{{"model.hidden_size", mc.Hidden}, {"model.n_blocks", mc.Blocks}, {"model.cond_dim", mc.Cond},
		{"model.input_dim", mc.Vocab}, {"model.output_dim", mc.Vocab}, {"tokens", mc.Vocab}} {
		v, err := cfg.Int(c.path)
		if err != nil {
			return mc, nil, err
		}
		if int(v) != c.got {
			return mc, nil, fmt.Errorf("config %s is %d but the weights have %d", c.path, v, c.got)
		}
	}

	tokens, err := cfg.Int("model.length")
	if err != nil {
		return mc, nil, err
	}
	if tokens < 1 || tokens > maxLength {
		return mc, nil, fmt.Errorf("config model.length is %d, want 1 to %d", tokens, maxLength)
	}
	k0, err := cfg.Int("original_tokens")
	if err != nil {
		return mc, nil, err
	}
	var sp *ckpt.Split
	mc.Length = int(tokens)
	if int(k0) != mc.Vocab {
		m, err := split.Digits(int(k0), mc.Vocab)
		if err != nil {
			return mc, nil, err
		}
		// The reference computes ceil(ln K0 / ln K) in floating point; where
		// that disagrees with the exact count the model was trained on a
		// layout split cannot describe.
		if ref := int(math.Ceil(math.Log(float64(k0)) / math.Log(float64(mc.Vocab)))); ref != m {
			return mc, nil, fmt.Errorf("the reference lays %d ids out in %d base-%d digits, not the %d needed: not supported", k0, ref, mc.Vocab, m)
		}
		sp = &ckpt.Split{Vocab: int(k0), Base: mc.Vocab, Digits: m}
		mc.Length *= m
	}
	if err := mc.Validate(); err != nil {
		return mc, nil, err
	}
	if err := mc.CheckLimits(); err != nil { // before Specs lists the blocks a config claims
		return mc, nil, err
	}
	// Every parameter of the inferred architecture, and nothing else but the
	// rotary buffer, must be in the state dict with its shape.
	want := map[string]bool{}
	for _, s := range mc.Specs() {
		want[s.Name] = true
		got, ok := shapes[s.Name]
		if !ok {
			return mc, nil, fmt.Errorf("model state lacks %s", s.Name)
		}
		if !slices.Equal(got, s.Shape) {
			return mc, nil, fmt.Errorf("model %s has shape %s, want %v", s.Name, shape(got), s.Shape)
		}
	}
	for _, nt := range state {
		if !want[nt.name] && nt.name != rotaryBuffer {
			return mc, nil, fmt.Errorf("model state has %s, which the reference DiT does not", label(nt.name))
		}
	}
	return mc, sp, nil
}

// process reads the diffusion settings. Only the reference's mixture path
// with a step threshold (the published models) maps onto our process.
func process(cfg torchckpt.Config, opt Options, rep *Report) (ckpt.Process, error) {
	p := ckpt.Process{RhoFormula: tables.Reference, Family: ckpt.FamilyRDLM}
	target, err := cfg.String("sde._target_")
	if err != nil {
		return p, err
	}
	if !strings.HasSuffix(target, "LogBridge_Mixture") {
		return p, fmt.Errorf("config sde._target_ is %s; only the mixture path (sde.LogBridge_Mixture) converts", torchckpt.Describe(target))
	}
	if mix, err := cfg.String("sde.mix_type"); err != nil {
		return p, err
	} else if !strings.Contains(mix, "step") {
		return p, fmt.Errorf("config sde.mix_type is %s; only the step mixture converts", torchckpt.Describe(mix))
	}
	if mask, err := cfg.Get("sde.prior_dist.add_mask_token"); err != nil {
		return p, err
	} else if mask != true {
		return p, fmt.Errorf("config sde.prior_dist.add_mask_token is %s; our process always has the mask coordinate", torchckpt.Describe(mask))
	}
	if p.StepThr, err = setting(cfg, "sde.step_thr", "--step-thr", opt.StepThr, rep); err != nil {
		return p, err
	}
	if p.RhoScale, err = setting(cfg, "sde.rho_scale", "--rho-scale", opt.RhoScale, rep); err != nil {
		return p, err
	}
	sched, err := cfg.String("scheduler._target_")
	if err != nil {
		return p, err
	}
	if !strings.HasSuffix(sched, "Geometric") {
		return p, fmt.Errorf("config scheduler._target_ is %s; only the geometric schedule converts", torchckpt.Describe(sched))
	}
	p.Schedule = "geometric"
	if p.Beta0, err = cfg.Float("scheduler.beta_0"); err != nil {
		return p, err
	}
	if p.Beta1, err = cfg.Float("scheduler.beta_f"); err != nil {
		return p, err
	}
	steps, err := cfg.Int("sampling.steps")
	if err != nil {
		return p, err
	}
	p.SampleSteps = int(steps)
	data, err := cfg.String("data.train")
	if err != nil {
		return p, err
	}
	switch data {
	case "text8", "lm1b":
		p.Vocab = data
	default:
		return p, fmt.Errorf("config data.train is %s; the reference's text8 and lm1b models convert", torchckpt.Describe(data))
	}
	return p, p.Validate()
}

// setting takes a number from the config, or from the caller when the
// config lacks it; both present must agree.
func setting(cfg torchckpt.Config, path, flag string, given *float64, rep *Report) (float64, error) {
	v, err := cfg.Float(path)
	switch {
	case err == nil && given != nil && *given != v:
		return 0, fmt.Errorf("%s %g disagrees with the checkpoint's config %s = %g", flag, *given, path, v)
	case err == nil:
		return v, nil
	case errors.Is(err, torchckpt.ErrMissing) && given != nil:
		rep.FromFlags = append(rep.FromFlags, fmt.Sprintf("%s = %g (%s)", path, *given, flag))
		return *given, nil
	case errors.Is(err, torchckpt.ErrMissing):
		return 0, fmt.Errorf("%v: the checkpoint does not record it; give it with %s (a default would silently change the model)", err, flag)
	}
	return 0, err
}

func tokenizerFor(vocab string) (string, error) {
	if vocab == "lm1b" {
		return ckpt.TokenizerBERT, nil // the reference's data.get_tokenizer
	}
	return "", fmt.Errorf("data %q with dimension splitting: no known tokenizer", vocab)
}

// training records what the config says about the run; fields it lacks
// stay empty (the record is informative).
func training(cfg torchckpt.Config) *ckpt.Training {
	t := &ckpt.Training{}
	t.Objective, _ = cfg.String("training.loss_type")
	t.Data, _ = cfg.String("data.train")
	if b, err := cfg.Int("training.batch_size"); err == nil {
		t.Batch = int(b)
	}
	if s, err := cfg.Int("seed"); err == nil && s >= 0 {
		t.Seed = uint64(s)
	}
	if w, _ := cfg.String("scheduler.weight_type"); w == "step" {
		t.Times = "importance"
		t.Window[0], _ = cfg.Float("scheduler.left")
		t.Window[1], _ = cfg.Float("scheduler.right")
	} else {
		t.Times = w
	}
	return t
}
