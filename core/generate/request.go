package generate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/walk"
)

// Request is one generation as a front end asks for it. Zero values mean
// the defaults: the model's sample_steps and length, one sample, batches of
// up to DefaultBatch, the reference's walk, the automatic backend.
type Request struct {
	Steps    int    `json:"steps"`
	Length   int    `json:"length"` // characters, tokens of a split text model, or an image's positions
	Samples  int    `json:"samples"`
	Batch    int    `json:"batch,omitempty"` // samples per network call; never changes the text
	Seed     uint64 `json:"seed"`
	Prompt   string `json:"prompt"`
	Template string `json:"template"` // walk.Blank ('_') for each position to generate
	// Raw takes Prompt and Template verbatim; by default they are first
	// normalised to the model's alphabet (text8: lowercase letters and
	// spaces, digits spelt out, other characters become spaces).
	Raw     bool   `json:"raw,omitempty"`
	Rule    string `json:"rule,omitempty"` // walk.RuleEuler (default) or walk.RuleExact
	Backend Choice `json:"backend,omitempty"`
}

// DefaultBatch is the most samples per network call unless a request says:
// enough to keep the matrix kernels busy and amortise each call, small
// enough that the first step shows up quickly and the text8 model's
// activations stay small.
const DefaultBatch = 8

// Limits are a front end's bounds on a request (the command line allows
// long runs; a browser tab must not lock for minutes) and its names for the
// request's fields, so that one set of checks speaks each front end's
// language.
type Limits struct {
	Steps, Samples, Batch int
	Names                 Names
}

// Names are how a front end calls a request's fields in messages ("the
// prompt" on the page, "--prompt" on the command line).
type Names struct {
	Steps, Length, Samples, Batch, Prompt, Template, Rule, Backend string
}

// PlainNames are the fields' names in prose, as the page and the widget
// show them.
var PlainNames = Names{Steps: "steps", Length: "the length", Samples: "samples", Batch: "the batch",
	Prompt: "the prompt", Template: "the template", Rule: "the step rule", Backend: "the backend"}

// RequestError is a request refused for what it asks (not for what failed
// while running it): a front end shows it as the user's to fix.
type RequestError struct{ msg string }

func (e *RequestError) Error() string { return e.msg }

// IsRequestError says whether err (or what it wraps) is a RequestError.
func IsRequestError(err error) bool {
	var r *RequestError
	return errors.As(err, &r)
}

func refuse(format string, args ...any) error {
	return &RequestError{msg: fmt.Sprintf(format, args...)}
}

// bound names the constant behind a limit when it is the core's own, so
// that a message says where the number comes from.
func bound(limit, own int, name string) string {
	if limit == own {
		return fmt.Sprintf("%d (%s)", limit, name)
	}
	return fmt.Sprint(limit)
}

// Check refuses what no model could run, before any model is read or
// anything allocated: sizes beyond the limits, a prompt and a template at
// once, unknown rules and backends.
func (r Request) Check(lim Limits) error {
	n := lim.Names
	switch {
	case r.Steps < 0:
		return refuse("%s must be >= 1, got %d", n.Steps, r.Steps)
	case r.Steps > lim.Steps:
		return refuse("%s must be at most %s, got %d", n.Steps, bound(lim.Steps, walk.MaxSteps, "walk.MaxSteps"), r.Steps)
	case r.Samples < 0:
		return refuse("%s must be >= 1, got %d", n.Samples, r.Samples)
	case r.Samples > lim.Samples:
		return refuse("%s must be at most %d, got %d", n.Samples, lim.Samples, r.Samples)
	case r.Batch < 0:
		return refuse("%s must be >= 1, got %d", n.Batch, r.Batch)
	case r.Batch > lim.Batch:
		return refuse("%s must be at most %s, got %d", n.Batch, bound(lim.Batch, model.MaxBatch, "model.MaxBatch"), r.Batch)
	case r.Length < 0:
		return refuse("%s must be >= 1, got %d", n.Length, r.Length)
	case r.Prompt != "" && r.Template != "":
		return refuse("give %s or %s, not both", n.Prompt, n.Template)
	case r.Rule != "" && r.Rule != walk.RuleEuler && r.Rule != walk.RuleExact:
		return refuse("%s is %s or %s, not %q", n.Rule, walk.RuleEuler, walk.RuleExact, r.Rule)
	case r.Backend != "" && r.Backend != Auto && r.Backend != WebGPU && r.Backend != CPU:
		return refuse("%s is %s, %s or %s, not %q", n.Backend, Auto, WebGPU, CPU, r.Backend)
	}
	return nil
}

// Plan is a checked request for one model: the walk's shape, the hold
// pattern, the batching and the backend asked for. Make it with
// Model.Plan; a Runner runs it.
type Plan struct {
	Model   *Model
	Steps   int // walk steps; an autoregressive model's passes, one per position
	Length  int // the request's length: characters, tokens or positions
	Samples int
	Batch   int
	Seed    uint64
	// Positions is the walk's length: Length times a split model's digits
	// per token.
	Positions int
	Hold      []int  // (Positions) nil: every position is generated
	HoldText  string // the prompt or template as the model sees it
	Rule      string
	Backend   Choice
}

// Plan checks r against m and lim and settles the defaults. Every front end
// plans through it, so that a request means the same, and is refused with
// the same message, on the command line, the page and the widget.
func (m *Model) Plan(r Request, lim Limits) (*Plan, error) {
	if err := r.Check(lim); err != nil {
		return nil, err
	}
	n := lim.Names
	p := &Plan{Model: m, Steps: r.Steps, Length: r.Length, Samples: max(r.Samples, 1), Seed: r.Seed,
		Rule: r.Rule, Backend: r.Backend}
	if p.Steps == 0 {
		p.Steps = m.cfg.Process.SampleSteps
	}
	if p.Rule == "" {
		p.Rule = walk.RuleEuler
	}
	if m.isBaseline() && p.Rule != walk.RuleEuler {
		// The rule shapes RDLM's walk; ignoring it would hide a mistake.
		return nil, refuse("%s %s is for RDLM's walk; the %q baseline has its own sampler", n.Rule, p.Rule, m.Family())
	}
	if p.Backend == "" {
		p.Backend = Auto
	}
	p.Batch = min(p.Samples, DefaultBatch)
	if r.Batch > 0 {
		p.Batch = min(p.Samples, r.Batch)
	}
	conditioned := r.Prompt != "" || r.Template != ""
	switch m.kind {
	case Images:
		// An image is sampled whole: a shorter sequence would be a partial
		// picture, and text conditioning means nothing for pixels.
		switch {
		case conditioned:
			return nil, refuse("prompts and templates are for text models; this is an image model")
		case r.Length != 0 && r.Length != m.MaxLength():
			return nil, refuse("%s: an image model samples whole images of %d positions, not %d", n.Length, m.MaxLength(), r.Length)
		}
	case Tokens:
		if conditioned {
			return nil, refuse("%s and %s are not supported yet for models with a tokenizer (%s)", n.Prompt, n.Template, m.cfg.Process.Tokenizer)
		}
	case Characters:
		if err := m.settleHold(p, r, n); err != nil {
			return nil, err
		}
	}
	if p.Length == 0 {
		p.Length = m.MaxLength()
	}
	if p.Length > m.MaxLength() {
		return nil, refuse("length %d is longer than the model's %d %s", p.Length, m.MaxLength(), m.unit())
	}
	if p.Steps < 1 || p.Steps > lim.Steps {
		return nil, fmt.Errorf("the model's sample_steps %d lies outside [1, %d]", p.Steps, lim.Steps)
	}
	p.Positions = p.Length * m.positionsPerUnit()
	if m.cfg.Process.IsAR() {
		p.Steps = p.Positions // one network pass per position
	}
	return p, nil
}

// settleHold turns a prompt or template into the hold pattern: a template
// sets the length, a prompt must fit in it.
func (m *Model) settleHold(p *Plan, r Request, n Names) error {
	prepare := func(s string, norm func(string) string) string {
		if r.Raw {
			return s
		}
		return norm(s)
	}
	switch {
	case r.Template != "":
		// A template with nothing to fill would come back unchanged: surely
		// not what was meant, so it is refused.
		if !strings.ContainsRune(r.Template, walk.Blank) {
			return refuse("a template needs at least one %c to fill in", walk.Blank)
		}
		p.HoldText = prepare(r.Template, m.chars.normalizeTemplate)
		hold, err := walk.Template(m.chars.Vocab, p.HoldText)
		if err != nil {
			return refuse("%s: %s", n.Template, strings.TrimPrefix(err.Error(), "walk: "))
		}
		if r.Length != 0 && r.Length != len(hold) {
			return refuse("%s %d disagrees with the template's %d characters (%q); a template sets the length",
				n.Length, r.Length, len(hold), p.HoldText)
		}
		if len(hold) > m.MaxLength() { // before the pattern is kept
			return refuse("length %d is longer than the model's %d %s", len(hold), m.MaxLength(), m.unit())
		}
		p.Length, p.Hold = len(hold), hold
	case r.Prompt != "":
		if p.Length == 0 {
			p.Length = m.MaxLength()
		}
		if p.Length > m.MaxLength() {
			return refuse("length %d is longer than the model's %d %s", p.Length, m.MaxLength(), m.unit())
		}
		p.HoldText = prepare(r.Prompt, m.chars.normalize)
		// A prompt of only characters the model lacks (CJK, emoji) would run
		// as a lone space, in effect no prompt at all, silently.
		if !r.Raw && strings.TrimSpace(p.HoldText) == "" {
			return refuse("%s has no character the model reads (a-z, digits, spaces), so nothing would be held: %s",
				n.Prompt, strings.Join(unknownChars(r.Prompt, false), " "))
		}
		ids, err := m.chars.Encode(p.HoldText)
		if err != nil {
			return refuse("%s: %v", n.Prompt, err)
		}
		if len(ids) > p.Length {
			return refuse("%s has %d characters (%q after normalising) but the length is %d", n.Prompt, len(ids), p.HoldText, p.Length)
		}
		if p.Hold, err = walk.Prompt(ids, p.Length); err != nil {
			return err
		}
	}
	return nil
}

// walkConfig is the walk of p.
func (p *Plan) walkConfig() walk.Config {
	return walk.Config{Batch: p.Batch, Length: p.Positions, Vocab: p.Model.cfg.Model.Vocab, Steps: p.Steps,
		Schedule: p.Model.sched, Mixture: p.Model.mix, Rule: p.Rule}
}
