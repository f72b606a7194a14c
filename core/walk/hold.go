package walk

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/sphere"
	"github.com/rdlm-go/rdlm/core/text"
)

// Free marks a position of a hold pattern that the walk generates.
const Free = -1

// Blank is the template character for a position to generate.
const Blank = '_'

// Prompt returns the hold pattern of length positions that fixes the prefix
// ids and leaves the rest Free.
func Prompt(ids []int, length int) ([]int, error) {
	if len(ids) > length {
		return nil, fmt.Errorf("walk: prompt of %d tokens does not fit in a length of %d", len(ids), length)
	}
	hold := make([]int, length)
	for i := range hold {
		hold[i] = Free
	}
	copy(hold, ids)
	return hold, nil
}

// Template returns the hold pattern of a template: every Blank is Free, every
// other character is held at its token. Its length is the template's length
// in characters. A character outside v is an error naming it.
func Template(v *text.Vocab, tmpl string) ([]int, error) {
	hold := make([]int, 0, utf8.RuneCountInString(tmpl))
	for _, piece := range splitBlanks(tmpl) {
		if piece[0] == Blank {
			for range piece {
				hold = append(hold, Free)
			}
			continue
		}
		ids, err := v.Encode(piece)
		if err != nil {
			return nil, fmt.Errorf("walk: template %q: %v", tmpl, err)
		}
		hold = append(hold, ids...)
	}
	if len(hold) == 0 {
		return nil, fmt.Errorf("walk: empty template")
	}
	return hold, nil
}

// NormalizeTemplateText8 applies text.NormalizeText8 to the text between
// blanks and keeps the blanks, which the normaliser alone would turn into
// spaces: "To be, or ___" -> "to be or ___".
func NormalizeTemplateText8(tmpl string) string {
	var b strings.Builder
	for _, piece := range splitBlanks(tmpl) {
		if piece[0] == Blank {
			b.WriteString(piece)
		} else {
			b.WriteString(text.NormalizeText8(piece))
		}
	}
	return b.String()
}

// splitBlanks cuts s into maximal runs of blanks and of other characters.
func splitBlanks(s string) []string {
	var out []string
	for len(s) > 0 {
		blank := s[0] == Blank
		n := strings.IndexFunc(s, func(r rune) bool { return (r == Blank) != blank })
		if n < 0 {
			n = len(s)
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

// SetHold checks a hold pattern against a walk's length (len(dst)) and
// vocabulary and copies it into dst; nil frees every position. Every
// sampler checks its patterns here, so that a pattern means the same to each.
func SetHold(dst, hold []int, vocab int) error {
	if hold == nil {
		for i := range dst {
			dst[i] = Free
		}
		return nil
	}
	if len(hold) != len(dst) {
		return fmt.Errorf("walk: hold pattern has %d positions, the walk %d", len(hold), len(dst))
	}
	for l, k := range hold {
		if k != Free && (k < 0 || k >= vocab) {
			return fmt.Errorf("walk: hold pattern position %d holds token %d, outside 0..%d", l, k, vocab-1)
		}
	}
	copy(dst, hold)
	return nil
}

// StartPoints writes the walk's first points into x (rows, V), rows a
// whole number of sequences of len(hold) positions: a held position at its
// vertex, a free one at start.
func StartPoints(x []float32, v int, hold []int, start process.Start) error {
	L := len(hold)
	for r := 0; r < len(x)/v; r++ {
		row := x[r*v : (r+1)*v]
		if k := hold[r%L]; k != Free {
			sphere.Vertex(row, k)
		} else if err := process.StartPoint(row, start); err != nil {
			return err
		}
	}
	return nil
}
