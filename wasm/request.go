package main

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/text"
)

// Limits on a request. They keep one click from locking a tab for minutes;
// the page's inputs carry the same bounds.
const (
	maxSteps   = 4096
	maxSamples = 32
	// batchCap is the most sequences per network call: enough to amortise
	// each call, small enough that the first step shows up quickly.
	batchCap = 8
)

// Request is one generation as the page asks for it. Zero Steps and Length
// mean the model's defaults; a template sets the length itself.
type Request struct {
	Steps    int    `json:"steps"`
	Length   int    `json:"length"`
	Samples  int    `json:"samples"`
	Seed     uint64 `json:"seed"`
	Prompt   string `json:"prompt"`
	Template string `json:"template"`
}

// plan is a checked request: the walk's shape and the hold pattern.
type plan struct {
	steps, length, samples, batch int
	seed                          uint64
	hold                          []int // nil: every position is generated
	holdText                      string
}

// check validates r against the model and settles the defaults. Prompts and
// templates are normalised to the text8 alphabet, as rdlm sample does.
func (m *Model) check(r Request) (*plan, error) {
	p := &plan{steps: r.Steps, length: r.Length, samples: r.Samples, seed: r.Seed}
	if p.steps == 0 {
		p.steps = m.info.SampleSteps
	}
	if p.samples == 0 {
		p.samples = 1
	}
	switch {
	case p.steps < 1 || p.steps > maxSteps:
		return nil, fmt.Errorf("steps must be between 1 and %d, got %d", maxSteps, r.Steps)
	case p.samples < 1 || p.samples > maxSamples:
		return nil, fmt.Errorf("samples must be between 1 and %d, got %d", maxSamples, r.Samples)
	case r.Length < 0:
		return nil, fmt.Errorf("length must be positive, got %d", r.Length)
	case r.Prompt != "" && r.Template != "":
		return nil, fmt.Errorf("give a prompt or a template, not both")
	}
	if m.IsImage() {
		// An image is sampled whole: a shorter sequence would be a partial
		// picture, and text conditioning means nothing for pixels.
		switch {
		case r.Prompt != "" || r.Template != "":
			return nil, fmt.Errorf("prompts and templates are for text models; this is an image model")
		case r.Length != 0 && r.Length != m.info.Length:
			return nil, fmt.Errorf("an image model samples whole images of %d positions, not %d", m.info.Length, r.Length)
		}
		p.length = m.info.Length
	} else if err := m.settleHold(p, r); err != nil {
		return nil, err
	}
	if p.length > m.info.Length {
		return nil, fmt.Errorf("length %d is longer than the model's %d positions", p.length, m.info.Length)
	}
	p.batch = min(p.samples, batchCap)
	return p, nil
}

func (m *Model) settleHold(p *plan, r Request) error {
	switch {
	case r.Template != "":
		p.holdText = sampler.NormalizeTemplateText8(r.Template)
		hold, err := sampler.Template(m.vocab, p.holdText)
		if err != nil {
			return fmt.Errorf("template: %v", err)
		}
		if r.Length != 0 && r.Length != len(hold) {
			return fmt.Errorf("the template has %d characters (%q after normalising) but the length is %d; a template sets the length",
				len(hold), p.holdText, r.Length)
		}
		p.length, p.hold = len(hold), hold
		return nil
	case r.Prompt != "":
		if p.length == 0 {
			p.length = m.info.Length
		}
		p.holdText = text.NormalizeText8(r.Prompt)
		ids, err := m.vocab.Encode(p.holdText)
		if err != nil {
			return fmt.Errorf("prompt: %v", err)
		}
		if len(ids) > p.length {
			return fmt.Errorf("the prompt has %d characters (%q after normalising) but the length is %d", len(ids), p.holdText, p.length)
		}
		p.hold, err = sampler.Prompt(ids, p.length)
		return err
	}
	if p.length == 0 {
		p.length = m.info.Length
	}
	return nil
}
