package data

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/rdlm-go/rdlm/core/text"
)

// CharVocab builds the vocabulary of a text's own characters, sorted by code
// point, so that the same text always gives the same ids. source names the
// text in errors (usually its file).
func CharVocab(source string, s []byte) (*text.Vocab, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("%s is empty: no characters to build a vocabulary from", source)
	}
	seen := map[rune]bool{}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return nil, fmt.Errorf("%s is not valid UTF-8: bad byte 0x%02x at offset %d", source, s[i], i)
		}
		seen[r] = true
		i += size
	}
	if len(seen) > MaxVocab {
		return nil, fmt.Errorf("%s has %d distinct characters; a character vocabulary holds at most %d", source, len(seen), MaxVocab)
	}
	chars := make([]rune, 0, len(seen))
	for r := range seen {
		chars = append(chars, r)
	}
	slices.Sort(chars)
	v, err := text.NewVocab("char", string(chars))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return v, nil
}

// encode turns text into one-byte token ids. When every character of the
// vocabulary is ASCII (text8 is), each byte is one token and the ids overwrite
// s in place, so a 100 MB corpus never needs a second 100 MB buffer; otherwise
// a new slice is returned. The error names source and the first character's
// offset that is not in the vocabulary.
func encode(source string, v *text.Vocab, s []byte) ([]uint8, error) {
	chars := []rune(v.Chars())
	if len(chars) > MaxVocab {
		return nil, fmt.Errorf("%s: vocabulary %q has %d characters; at most %d fit one-byte ids", source, v.Name, len(chars), MaxVocab)
	}
	ascii := true
	for _, r := range chars {
		ascii = ascii && r < utf8.RuneSelf
	}
	if ascii {
		var table [256]int16 // byte -> id, -1 when the byte is no token
		for i := range table {
			table[i] = -1
		}
		for id, r := range chars {
			table[r] = int16(id)
		}
		for i, b := range s {
			id := table[b]
			if id < 0 {
				return nil, notInVocab(source, v, s, i)
			}
			s[i] = uint8(id)
		}
		return s, nil
	}
	ids := make(map[rune]uint8, len(chars))
	for id, r := range chars {
		ids[r] = uint8(id)
	}
	out := make([]uint8, 0, utf8.RuneCount(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		id, ok := ids[r]
		if !ok || (r == utf8.RuneError && size <= 1) {
			return nil, notInVocab(source, v, s, i)
		}
		out = append(out, id)
		i += size
	}
	return out, nil
}

func notInVocab(source string, v *text.Vocab, s []byte, i int) error {
	r, _ := utf8.DecodeRune(s[i:])
	return fmt.Errorf("%s: character %q at byte %d is not in the %s vocabulary", source, r, i, v.Name)
}
