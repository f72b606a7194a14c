package main

import (
	"github.com/rdlm-go/rdlm/core/generate"
)

// Limits on a request. They keep one click from locking a tab for minutes;
// the page's inputs carry the same bounds.
const (
	maxSteps   = 4096
	maxSamples = 32
	// batchCap is the most sequences per network call: enough to amortise
	// each call, small enough that the first step shows up quickly.
	batchCap = generate.DefaultBatch
)

// pageLimits are the page's and the widget's bounds, with the fields named
// in prose.
var pageLimits = generate.Limits{Steps: maxSteps, Samples: maxSamples, Batch: batchCap, Names: generate.PlainNames}

// Request is one generation as the page asks for it (core/generate's):
// zero Steps and Length mean the model's defaults, a template sets the
// length itself, and Backend chooses auto (the default), webgpu or cpu.
type Request = generate.Request

// plan checks r against the model and settles the defaults, as rdlm sample
// does: prompts and templates are normalised to the text8 alphabet.
func (m *Model) plan(r Request) (*generate.Plan, error) { return m.gen.Plan(r, pageLimits) }

// Preview is a checked request as the model will run it, for the page to
// show before (and while) it runs: the settled sizes, the prompt or template
// after normalising, and what normalising changed, in words.
type Preview struct {
	Steps   int      `json:"steps"`
	Length  int      `json:"length"`
	Samples int      `json:"samples"`
	Hold    string   `json:"hold,omitempty"`    // the prompt or template as the model sees it
	Changes []string `json:"changes,omitempty"` // nil when the text is used as typed
}

// Preview checks r as Generate would and describes the result; the error
// is Generate's for the same request. The page and the widget validate
// through it, so that the engine is the one owner of the rules.
func (m *Model) Preview(r Request) (Preview, error) {
	p, err := m.plan(r)
	if err != nil {
		return Preview{}, err
	}
	return Preview{Steps: p.Steps, Length: p.Length, Samples: p.Samples, Hold: p.HoldText, Changes: m.gen.Changes(r)}, nil
}
