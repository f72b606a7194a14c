package main

import (
	"fmt"
	"github.com/rdlm-go/rdlm/core/walk"
	"strings"
	"unicode"

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
		// A template with nothing to fill would come back unchanged: surely
		// not what was meant, so it is refused (the page and the widget alike).
		if !strings.ContainsRune(r.Template, walk.Blank) {
			return fmt.Errorf("a template needs at least one %c to fill in", walk.Blank)
		}
		p.holdText = walk.NormalizeTemplateText8(r.Template)
		hold, err := walk.Template(m.vocab, p.holdText)
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
		// A prompt of only characters the model lacks (CJK, emoji) would run
		// as a lone space, in effect no prompt at all, silently.
		if strings.TrimSpace(p.holdText) == "" {
			return fmt.Errorf("the prompt has no character the model reads (a-z, digits, spaces), so nothing would be held: %s",
				strings.Join(unknownChars(r.Prompt, false), " "))
		}
		ids, err := m.vocab.Encode(p.holdText)
		if err != nil {
			return fmt.Errorf("prompt: %v", err)
		}
		if len(ids) > p.length {
			return fmt.Errorf("the prompt has %d characters (%q after normalising) but the length is %d", len(ids), p.holdText, p.length)
		}
		p.hold, err = walk.Prompt(ids, p.length)
		return err
	}
	if p.length == 0 {
		p.length = m.info.Length
	}
	return nil
}

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
	p, err := m.check(r)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{Steps: p.steps, Length: p.length, Samples: p.samples, Hold: p.holdText}
	switch {
	case r.Template != "":
		pv.Changes = text8Changes(r.Template, true)
	case r.Prompt != "":
		pv.Changes = text8Changes(r.Prompt, false)
	}
	return pv, nil
}

// maxListed bounds how many distinct unknown characters a notice names.
const maxListed = 12

// text8Changes says, for people, what text.NormalizeText8 does to raw (a
// template keeps its blanks): capitals lowered, digits spelt out, and the
// characters outside the alphabet, each read as a word break (a space
// between words, nothing at either end).
func text8Changes(raw string, template bool) []string {
	var capitals, digits bool
	for _, r := range raw {
		capitals = capitals || (r >= 'A' && r <= 'Z')
		digits = digits || (r >= '0' && r <= '9')
	}
	var out []string
	if capitals {
		out = append(out, "capitals lowered")
	}
	if digits {
		out = append(out, "digits spelt out")
	}
	if unknown := unknownChars(raw, template); len(unknown) > 0 {
		out = append(out, "not in the model's alphabet, so read as spaces or dropped: "+strings.Join(unknown, " "))
	}
	if len(out) == 0 && strings.Join(strings.Fields(raw), " ") != raw {
		out = append(out, "spaces collapsed")
	}
	return out
}

// unknownChars lists, once each and in order, the characters of raw that
// NormalizeText8 does not keep as themselves or as letters and digits
// (a plain space is kept; in a template so is a blank): each printable one
// in quotes, the others by name or code point.
func unknownChars(raw string, template bool) []string {
	seen := map[string]bool{}
	var out []string
	extra := 0
	for _, r := range raw {
		known := r == ' ' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
			(template && r == walk.Blank)
		if known {
			continue
		}
		var name string
		switch {
		case r == '\n' || r == '\r':
			name = "line breaks"
		case r == '\t':
			name = "tabs"
		case unicode.IsSpace(r) || !unicode.IsPrint(r):
			name = fmt.Sprintf("U+%04X", r)
		default:
			// Quoted, so that punctuation (a comma, a colon) reads as a
			// character of the list, not as part of the sentence.
			name = "“" + string(r) + "”"
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		if len(out) == maxListed {
			extra++
			continue
		}
		out = append(out, name)
	}
	if extra > 0 {
		out = append(out, fmt.Sprintf("and %d more", extra))
	}
	return out
}
