package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"sort"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/rdlm-go/rdlm/internal/userfile"
	"github.com/rdlm-go/rdlm/trainer/objective"
)

// Config is everything a training run is made of. It is read from a preset
// or a JSON file (LoadConfig), adjusted by command-line flags, and saved in
// every checkpoint so that --resume continues with exactly the same settings.
type Config struct {
	Preset string       `json:"preset,omitempty"` // model preset the architecture came from, for the record
	Model  model.Config `json:"model"`            // architecture; Length is the training sequence length

	Objective      string         `json:"objective"`       // ce | elbo | mdlm
	Times          string         `json:"times"`           // importance | uniform (mdlm: uniform)
	Window         [2]float64     `json:"window"`          // importance window (left, right)
	StepThr        float64        `json:"step_thr"`        // RDLM mixture threshold
	RhoFormula     tables.Formula `json:"rho_formula"`     // reference | exact (x_t tables)
	RhoScale       float64        `json:"rho_scale"`       // multiplies the tables' rho
	TableParticles int            `json:"table_particles"` // Monte Carlo particles of the x_t tables

	Data      string `json:"data"`       // shakespeare, text8 or a path (data.Open)
	CharVocab bool   `json:"char_vocab"` // a text file keeps its own characters instead of text8's
	// PixelBase writes image values (256 levels) as one position of 256
	// categories (0 or 256, the direct form) or as two base-16 digits (16,
	// dimension splitting). Image data only; the model's vocab and length
	// follow from it.
	PixelBase int `json:"pixel_base,omitempty"`

	Batch       int     `json:"batch"`        // sequences per step
	Steps       int     `json:"steps"`        // total optimiser steps of the run
	LR          float64 `json:"lr"`           // peak learning rate
	Warmup      int     `json:"warmup"`       // linear warm-up steps
	Clip        float64 `json:"clip"`         // global gradient norm bound; 0: none
	EMA         float64 `json:"ema"`          // EMA decay (warmed up as in the reference)
	WeightDecay float64 `json:"weight_decay"` // AdamW's decoupled decay
	Seed        uint64  `json:"seed"`         // initial weights, data order and every draw of the objective

	CkptEvery       int `json:"ckpt_every"`        // steps between checkpoints (one is always written at the end)
	EvalEvery       int `json:"eval_every"`        // steps between validation BPC estimates; 0: only at the end
	LogEvery        int `json:"log_every"`         // steps between metrics lines
	EvalSequences   int `json:"eval_sequences"`    // validation sequences per estimate; 0: the whole split
	EvalBridgeSteps int `json:"eval_bridge_steps"` // steps of the evaluator's simulated bridge (RDLM)
	// EvalTimes selects the validation estimator: 0 or 1, the reference's
	// (one uniform time per sequence, a bridge of EvalBridgeSteps steps);
	// more, the precise one with that many stratified times per sequence
	// (eval.Precise: late-weighted times, graded bridges).
	EvalTimes int `json:"eval_times,omitempty"`
}

// presets are named starting points. "text8" is the published setting
// (rdlm-math.md section 6, the reference's README command: window 0.3-0.6,
// step_thr 0.35, the reference rho formula so that its numbers can be
// reproduced); "small" trains on a 2-core CPU; "tiny" is for tests and
// smoke runs.
var presets = map[string]Config{
	"text8": {
		Preset: "text8", Objective: objective.CE, Times: objective.TimesImportance, Window: [2]float64{0.3, 0.6},
		StepThr: 0.35, RhoFormula: tables.Reference, RhoScale: 1, TableParticles: tables.DefaultParticles,
		Data: "text8", Batch: 512, Steps: 1_000_000, LR: 3e-4, Warmup: 2500, Clip: 1, EMA: 0.9999,
		Seed: 0, CkptEvery: 5000, EvalEvery: 10000, LogEvery: 100, EvalSequences: 2048, EvalBridgeSteps: 500,
	},
	"small": {
		Preset: "small", Objective: objective.CE, Times: objective.TimesImportance, Window: [2]float64{0.3, 0.6},
		StepThr: 0.35, RhoFormula: tables.Exact, RhoScale: 1, TableParticles: tables.DefaultParticles,
		Data: "shakespeare", Batch: 16, Steps: 20000, LR: 1e-3, Warmup: 500, Clip: 1, EMA: 0.999,
		CkptEvery: 1000, EvalEvery: 1000, LogEvery: 50, EvalSequences: 128, EvalBridgeSteps: 500, EvalTimes: 4,
	},
	"tiny": {
		Preset: "tiny", Objective: objective.CE, Times: objective.TimesImportance, Window: [2]float64{0.3, 0.6},
		StepThr: 0.35, RhoFormula: tables.Exact, RhoScale: 1, TableParticles: 1024,
		Data: "shakespeare", Batch: 8, Steps: 200, LR: 1e-3, Warmup: 20, Clip: 1, EMA: 0.99,
		CkptEvery: 50, EvalEvery: 50, LogEvery: 10, EvalSequences: 32, EvalBridgeSteps: 100,
	},
}

// Preset returns a named configuration (see PresetNames).
func Preset(name string) (Config, error) {
	c, ok := presets[name]
	if !ok {
		return Config{}, fmt.Errorf("train: unknown config %q: not a preset (%v) and no such file", name, PresetNames())
	}
	if c.Model.Hidden != 0 { // an image preset carries its own architecture
		return c, nil
	}
	mc, err := model.Preset(c.Preset)
	if err != nil {
		return Config{}, err
	}
	c.Model = mc
	return c, nil
}

// PresetNames lists the presets in sorted order.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LoadConfig resolves --config: a preset name, or the path of a JSON file.
// A file starts from the preset named by its "base" field ("small" when
// absent) and overrides the fields it sets; "preset" without "model" takes
// that model preset's architecture. Unknown fields are errors, so that a
// misspelt setting does not silently keep its default.
func LoadConfig(nameOrPath string) (Config, error) {
	b, err := userfile.Read(nameOrPath, userfile.Config)
	if errors.Is(err, fs.ErrNotExist) {
		return Preset(nameOrPath)
	}
	if err != nil {
		return Config{}, err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return Config{}, fmt.Errorf("%s: not a JSON object: %v", nameOrPath, err)
	}
	base := "small"
	if raw, ok := keys["base"]; ok {
		if err := json.Unmarshal(raw, &base); err != nil {
			return Config{}, fmt.Errorf("%s: base: %v", nameOrPath, err)
		}
		delete(keys, "base")
	}
	c, err := Preset(base)
	if err != nil {
		return Config{}, fmt.Errorf("%s: base: %v", nameOrPath, err)
	}
	if raw, ok := keys["preset"]; ok {
		if _, hasModel := keys["model"]; !hasModel {
			var name string
			if err := json.Unmarshal(raw, &name); err != nil {
				return Config{}, fmt.Errorf("%s: preset: %v", nameOrPath, err)
			}
			if c.Model, err = model.Preset(name); err != nil {
				return Config{}, fmt.Errorf("%s: %v", nameOrPath, err)
			}
		}
	}
	rest, _ := json.Marshal(keys)
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%s: %v", nameOrPath, err)
	}
	return c, c.Validate()
}

// SetObjective switches the objective; MDLM has no importance window, so it
// also switches the time sampling to uniform.
func (c *Config) SetObjective(kind string) {
	c.Objective = kind
	if kind == objective.MDLM || kind == objective.AR {
		c.Times = objective.TimesUniform
	}
	c.Model.Causal = kind == objective.AR
}

// Family is the model family the objective trains: ckpt.FamilyMDLM,
// ckpt.FamilyAR or ckpt.FamilyRDLM.
func (c Config) Family() string {
	switch c.Objective {
	case objective.MDLM:
		return ckpt.FamilyMDLM
	case objective.AR:
		return ckpt.FamilyAR
	}
	return ckpt.FamilyRDLM
}

func (c Config) objective() objective.Config {
	return objective.Config{Kind: c.Objective, Times: c.Times, Window: c.Window, StepThr: c.StepThr}
}

// Validate reports the first setting out of range, by its JSON name.
func (c Config) Validate() error {
	if err := c.Model.Validate(); err != nil {
		return err
	}
	if err := c.checkSizes(); err != nil { // before anything is sized from the config
		return err
	}
	if err := c.objective().Validate(); err != nil {
		return err
	}
	if c.Model.Causal != (c.Objective == objective.AR) {
		return fmt.Errorf("model.causal is %v but the objective is %q: causal attention is the autoregressive model's, and only its", c.Model.Causal, c.Objective)
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case c.RhoFormula.Check() != nil:
		return fmt.Errorf("rho_formula %v", c.RhoFormula.Check())
	case !(c.RhoScale > 0) || !finite(c.RhoScale):
		return fmt.Errorf("rho_scale must be finite and > 0, got %g", c.RhoScale)
	case c.TableParticles < 1:
		return fmt.Errorf("table_particles must be >= 1, got %d", c.TableParticles)
	case c.PixelBase != 0 && c.PixelBase != 16 && c.PixelBase != 256:
		return fmt.Errorf("pixel_base must be 0 or 256 (one position per value) or 16 (two digits per value), got %d", c.PixelBase)
	case c.Data == "":
		return fmt.Errorf("data is empty: give shakespeare, text8 or a file")
	case c.Batch < 1:
		return fmt.Errorf("batch must be >= 1, got %d", c.Batch)
	case c.Steps < 1:
		return fmt.Errorf("steps must be >= 1, got %d", c.Steps)
	case !(c.LR >= 0) || !finite(c.LR):
		return fmt.Errorf("lr must be finite and >= 0, got %g", c.LR)
	case c.Warmup < 0:
		return fmt.Errorf("warmup must be >= 0, got %d", c.Warmup)
	case !(c.Clip >= 0) || !finite(c.Clip):
		return fmt.Errorf("clip must be finite and >= 0 (0: no clipping), got %g", c.Clip)
	case !(c.EMA >= 0 && c.EMA <= 1):
		return fmt.Errorf("ema must lie in [0, 1], got %g", c.EMA)
	case !(c.WeightDecay >= 0) || !finite(c.WeightDecay):
		return fmt.Errorf("weight_decay must be finite and >= 0, got %g", c.WeightDecay)
	case c.CkptEvery < 1:
		return fmt.Errorf("ckpt_every must be >= 1, got %d", c.CkptEvery)
	case c.EvalEvery < 0:
		return fmt.Errorf("eval_every must be >= 0 (0: only at the end), got %d", c.EvalEvery)
	case c.LogEvery < 1:
		return fmt.Errorf("log_every must be >= 1, got %d", c.LogEvery)
	case c.EvalSequences < 0:
		return fmt.Errorf("eval_sequences must be >= 0 (0: the whole split), got %d", c.EvalSequences)
	case c.EvalBridgeSteps < 1:
		return fmt.Errorf("eval_bridge_steps must be >= 1, got %d", c.EvalBridgeSteps)
	case c.EvalTimes < 0 || c.EvalTimes > 64:
		return fmt.Errorf("eval_times must lie in [0, 64] (0 or 1: the reference estimator), got %d", c.EvalTimes)
	}
	return nil
}

// resumable lists the settings a resumed run may change: how long it runs,
// how often it reports, where the data lives, and the learning rate (the
// optimiser state does not depend on it). Everything else would silently
// make the continuation a different run.
func (c Config) checkResumable(saved Config) error {
	a, b := c, saved
	a.Steps, b.Steps = 0, 0
	a.CkptEvery, b.CkptEvery = 0, 0
	a.EvalEvery, b.EvalEvery = 0, 0
	a.LogEvery, b.LogEvery = 0, 0
	a.EvalSequences, b.EvalSequences = 0, 0
	a.EvalBridgeSteps, b.EvalBridgeSteps = 0, 0
	a.EvalTimes, b.EvalTimes = 0, 0
	a.Data, b.Data = "", ""
	a.LR, b.LR = 0, 0
	if a == b {
		return nil
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var ma, mb map[string]any
	_ = json.Unmarshal(ja, &ma)
	_ = json.Unmarshal(jb, &mb)
	var diff []string
	for k := range ma {
		if fmt.Sprint(ma[k]) != fmt.Sprint(mb[k]) {
			diff = append(diff, fmt.Sprintf("%s (checkpoint %v, now %v)", k, mb[k], ma[k]))
		}
	}
	sort.Strings(diff)
	return fmt.Errorf("cannot resume with changed settings: %v; only steps, the intervals, data's location and lr may change", diff)
}
