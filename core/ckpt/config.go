// Package ckpt reads and writes checkpoints: a folder holding config.json
// (the architecture, the diffusion process settings, the training step, the
// storage dtype and the sha256 of the weights) and model.safetensors (the
// parameters under the reference implementation's state-dict names and
// PyTorch [out, in] shapes, so that published checkpoints convert one to one).
//
// Saving never leaves a user with a broken checkpoint: both files are written
// under temporary names and renamed into place, the weights first and the
// config last, and the config carries the weights' checksum, so a config can
// never silently describe weights other than its own. Loading checks
// everything a damaged or mismatched folder could get wrong and reports the
// first problem by the name of the field, tensor or byte range at fault.
package ckpt

import (
	"encoding/hex"
	"fmt"
	"github.com/rdlm-go/rdlm/core/process"
	"math"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/split"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/rdlm-go/rdlm/core/text"
	"github.com/rdlm-go/rdlm/core/walk"
)

// FormatVersion is the layout of config.json written by this package.
const FormatVersion = 1

// The files of a checkpoint folder.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
)

// Storage dtypes of the weights file. BF16 is read (converted checkpoints)
// but not written.
const (
	DTypeF32  = "f32"
	DTypeF16  = "f16"
	DTypeBF16 = "bf16"
)

// Process holds the settings of the diffusion that a model was trained
// with. Sampling and evaluation must take them from here, never from
// defaults (rdlm-math.md section 11).
type Process struct {
	Vocab       string         `json:"vocab"`        // vocabulary name, e.g. "text8"
	StepThr     float64        `json:"step_thr"`     // t below it starts at the uniform point; 0 = pure masked
	RhoFormula  tables.Formula `json:"rho_formula"`  // the x_t tables' rho formula (rdlm-math.md section 4)
	RhoScale    float64        `json:"rho_scale"`    // multiplies rho after the root search
	Schedule    string         `json:"schedule"`     // geometric | linear | cosine
	Beta0       float64        `json:"beta0"`        // beta at t = 0
	Beta1       float64        `json:"beta1"`        // beta at t = 1
	SampleSteps int            `json:"sample_steps"` // default number of sampling steps
	// Family is the kind of diffusion: FamilyRDLM (empty means RDLM, so
	// configs written before the field existed read as before) or
	// FamilyMDLM, the masked discrete diffusion baseline trained on the
	// same network, whose sphere settings above are then unused.
	Family string `json:"family,omitempty"`
	// Split is set for models trained with dimension splitting
	// (rdlm-math.md section 9): each token id is Split.Digits positions of
	// base-Split.Base digits, and the model's vocab is the base.
	Split *Split `json:"split,omitempty"`
	// Tokenizer names how token ids (after undoing Split) become text when
	// they are not characters of Vocab, e.g. TokenizerBERT; empty for the
	// character vocabularies.
	Tokenizer string `json:"tokenizer,omitempty"`
	// Image is set for image models: a sequence is one image, its values
	// (256 levels, channels interleaved, raster order) one position each,
	// or Split.Digits positions each when Split is set.
	Image *pixels.Image `json:"image,omitempty"`
}

// ImageLayout is how an image model spells its samples: its Image shape,
// and its Split when each value is spelt in digits. A layout that cannot
// describe 8-bit images is an error.
func (p Process) ImageLayout() (pixels.Layout, error) {
	if p.Image == nil {
		return pixels.Layout{}, fmt.Errorf("not an image model (process.image is not set; vocabulary %q)", p.Vocab)
	}
	l := pixels.Layout{Image: *p.Image, Base: pixels.BaseDirect, Digits: 1}
	if p.Split != nil {
		l.Base, l.Digits = p.Split.Base, p.Split.Digits
	}
	return l, l.Check()
}

// PositionsPerValue is how many sequence positions encode one token (for an
// image, one pixel value): a split's Digits, else 1. Bits per position times
// this is bits per value, the image literature's bits per dimension.
func (p Process) PositionsPerValue() int {
	if p.Split != nil {
		return p.Split.Digits
	}
	return 1
}

// Split records dimension splitting: ids of a Vocab-word vocabulary written
// as Digits base-Base digits, least significant first, token-major.
type Split struct {
	Vocab  int `json:"vocab"`  // K0, the token ids' vocabulary size
	Base   int `json:"base"`   // K, digit values: the model's vocab
	Digits int `json:"digits"` // m, positions per token
}

// TokenizerBERT is bert-base-uncased's WordPiece vocabulary (the
// reference's LM1B models); its vocab.txt is needed to print text.
const TokenizerBERT = "bert-base-uncased"

// Model families (Process.Family).
const (
	FamilyRDLM = "rdlm"
	FamilyMDLM = "mdlm"
	// FamilyAR is the autoregressive baseline: the same network with causal
	// attention, reading the previous token at each position; its
	// likelihood is exact.
	FamilyAR = "ar"
)

// IsMDLM says whether the model is the masked-diffusion baseline.
func (p Process) IsMDLM() bool { return p.Family == FamilyMDLM }

// IsAR says whether the model is the autoregressive baseline.
func (p Process) IsAR() bool { return p.Family == FamilyAR }

// Training records how a checkpoint was trained: what evaluation and a
// reader of the run need beyond the process (the objective, the time
// sampling, the data). It is informative; resuming reads the trainer's own
// state file.
type Training struct {
	Objective      string     `json:"objective"`                 // ce | elbo | mdlm
	Times          string     `json:"times"`                     // importance | uniform
	Window         [2]float64 `json:"window,omitempty"`          // importance window (left, right)
	Data           string     `json:"data"`                      // the --data value
	Batch          int        `json:"batch"`                     // sequences per step
	Seed           uint64     `json:"seed"`                      // seed of the run
	TableParticles int        `json:"table_particles,omitempty"` // particles of the x_t tables (RDLM)
}

// DefaultProcess is the published text8 setting with the exact rho formula,
// the default for new models.
func DefaultProcess() Process {
	return Process{
		Vocab: "text8", StepThr: 0.35, RhoFormula: tables.Exact, RhoScale: 1,
		Schedule: "geometric", Beta0: schedule.DefaultBeta0, Beta1: schedule.DefaultBeta1, SampleSteps: 256,
	}
}

// Validate reports the first setting out of range, by its JSON name.
func (p Process) Validate() error {
	switch {
	case p.Vocab == "":
		return fmt.Errorf("process.vocab is empty")
	case !(p.StepThr >= 0 && p.StepThr < 1):
		return fmt.Errorf("process.step_thr must lie in [0, 1), got %g", p.StepThr)
	case p.RhoFormula.Check() != nil:
		return fmt.Errorf("process.rho_formula %v", p.RhoFormula.Check())
	case !(p.RhoScale > 0) || math.IsInf(p.RhoScale, 0):
		return fmt.Errorf("process.rho_scale must be finite and > 0, got %g", p.RhoScale)
	case p.SampleSteps < 1:
		return fmt.Errorf("process.sample_steps must be >= 1, got %d", p.SampleSteps)
	case p.SampleSteps > walk.MaxSteps:
		return fmt.Errorf("process.sample_steps %d is beyond the limit of %d (walk.MaxSteps)", p.SampleSteps, walk.MaxSteps)
	case p.Family != "" && p.Family != FamilyRDLM && p.Family != FamilyMDLM && p.Family != FamilyAR:
		return fmt.Errorf("process.family must be %q, %q or %q, got %q", FamilyRDLM, FamilyMDLM, FamilyAR, p.Family)
	}
	if _, err := schedule.ByName(p.Schedule, p.Beta0, p.Beta1); err != nil {
		return fmt.Errorf("process.schedule/beta0/beta1: %v", err)
	}
	return nil
}

// Config is the content of config.json.
type Config struct {
	Format        int          `json:"format"`
	Model         model.Config `json:"model"`
	Process       Process      `json:"process"`
	Step          int64        `json:"step"`               // training steps taken
	DType         string       `json:"dtype"`              // storage dtype of the weights
	WeightsSHA256 string       `json:"weights_sha256"`     // of model.safetensors, lowercase hex
	Training      *Training    `json:"training,omitempty"` // how it was trained; nil for an untrained model
}

// Validate checks every field except the checksum's agreement with the
// weights, which needs the file.
func (c Config) Validate() error {
	if c.Format != FormatVersion {
		return fmt.Errorf("format %d is not supported (this build reads format %d)", c.Format, FormatVersion)
	}
	if err := c.Model.Validate(); err != nil {
		return err // already names the model field
	}
	if err := c.Model.CheckLimits(); err != nil {
		return err // before anything is sized from the config
	}
	if err := c.Process.Validate(); err != nil {
		return err
	}
	if c.Model.Causal != c.Process.IsAR() {
		return fmt.Errorf("model.causal is %v but process.family is %q: causal attention is the autoregressive model's, and only its", c.Model.Causal, c.Process.Family)
	}
	if c.Process.Vocab == "text8" && c.Model.Vocab != text.Text8().Size() {
		return fmt.Errorf("model.vocab is %d but process.vocab %q has %d tokens", c.Model.Vocab, c.Process.Vocab, text.Text8().Size())
	}
	if sp := c.Process.Split; sp != nil {
		if sp.Base != c.Model.Vocab {
			return fmt.Errorf("process.split.base is %d but model.vocab is %d (the model sees digits)", sp.Base, c.Model.Vocab)
		}
		if m, err := split.Digits(sp.Vocab, sp.Base); err != nil || m != sp.Digits {
			return fmt.Errorf("process.split: %d ids in base %d need %d digits, not %d (%v)", sp.Vocab, sp.Base, m, sp.Digits, err)
		}
		if c.Model.Length%sp.Digits != 0 {
			return fmt.Errorf("model.length %d is not a whole number of %d-digit tokens", c.Model.Length, sp.Digits)
		}
	}
	if im := c.Process.Image; im != nil {
		digits := 1
		if sp := c.Process.Split; sp != nil {
			digits = sp.Digits
		}
		if err := im.Check(); err != nil {
			return fmt.Errorf("process.image: %v", err)
		}
		switch {
		case im.Height > model.MaxLength || im.Width > model.MaxLength: // so that Values cannot overflow
			return fmt.Errorf("process.image: %dx%d: a side is beyond the limit of %d (model.MaxLength)", im.Height, im.Width, model.MaxLength)
		case im.Values()*digits != c.Model.Length:
			return fmt.Errorf("process.image: %dx%dx%d values of %d position(s) each are %d positions, but model.length is %d",
				im.Height, im.Width, im.Channels, digits, im.Values()*digits, c.Model.Length)
		}
	}
	if c.Step < 0 {
		return fmt.Errorf("step must be >= 0, got %d", c.Step)
	}
	switch c.DType {
	case DTypeF32, DTypeF16, DTypeBF16:
	default:
		return fmt.Errorf("dtype must be %q, %q or %q, got %q", DTypeF32, DTypeF16, DTypeBF16, c.DType)
	}
	if b, err := hex.DecodeString(c.WeightsSHA256); err != nil || len(b) != 32 {
		return fmt.Errorf("weights_sha256 must be 64 hex digits, got %q", c.WeightsSHA256)
	}
	return nil
}

// NoiseSchedule is the schedule the model was trained with.
func (p Process) NoiseSchedule() (schedule.Schedule, error) {
	return schedule.ByName(p.Schedule, p.Beta0, p.Beta1)
}

// Mixture is the model's mixture path: a checkpoint records only step_thr,
// so it is the published step mixture with that threshold.
func (p Process) Mixture() (process.Mixture, error) { return process.StepMixture(p.StepThr) }

// Walk returns what generation needs from the model's own settings (never
// from defaults, rdlm-math.md section 11): its schedule, and its mixture,
// which says where the walk starts (u when step_thr > 0, else the mask
// vertex).
func (p Process) Walk() (schedule.Schedule, process.Mixture, error) {
	sched, err := p.NoiseSchedule()
	if err != nil {
		return nil, process.Mixture{}, err
	}
	mix, err := p.Mixture()
	if err != nil {
		return nil, process.Mixture{}, err
	}
	return sched, mix, nil
}
