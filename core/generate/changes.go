package generate

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/rdlm-go/rdlm/core/walk"
)

// Changes says, for people, what normalising does to r's prompt or
// template (nil when the text is used as typed, or r is Raw): capitals
// lowered, digits spelt out, and the characters outside the alphabet, each
// read as a word break (a space between words, nothing at either end). A
// front end shows it beside the text as the model will see it
// (Plan.HoldText).
func (m *Model) Changes(r Request) []string {
	if r.Raw || m.kind != Characters {
		return nil
	}
	switch {
	case r.Template != "":
		return text8Changes(r.Template, true)
	case r.Prompt != "":
		return text8Changes(r.Prompt, false)
	}
	return nil
}

// maxListed bounds how many distinct unknown characters a notice names.
const maxListed = 12

// text8Changes is Changes for text.NormalizeText8 (a template keeps its
// blanks).
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
