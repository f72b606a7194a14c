// Package text holds the character vocabularies and the normaliser that turns
// any English text into the text8 alphabet.
//
// The text8 vocabulary is the reference's: 'a'..'z' are ids 0..25 and the
// space is id 26 (K = 27). The sphere adds a 28th, mask, coordinate.
package text

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Vocab maps characters to token ids and back.
type Vocab struct {
	Name  string
	chars []rune
	ids   map[rune]int
}

// NewVocab builds a vocabulary from its characters in id order.
func NewVocab(name string, chars string) (*Vocab, error) {
	v := &Vocab{Name: name, ids: map[rune]int{}}
	for _, r := range chars {
		if _, dup := v.ids[r]; dup {
			return nil, fmt.Errorf("vocabulary %q: character %q appears twice", name, r)
		}
		v.ids[r] = len(v.chars)
		v.chars = append(v.chars, r)
	}
	if len(v.chars) < 2 {
		return nil, fmt.Errorf("vocabulary %q: needs at least 2 characters, has %d", name, len(v.chars))
	}
	return v, nil
}

// Text8Chars is the text8 alphabet in id order.
const Text8Chars = "abcdefghijklmnopqrstuvwxyz "

// Text8 is the vocabulary of text8 models.
func Text8() *Vocab {
	v, err := NewVocab("text8", Text8Chars)
	if err != nil {
		panic(err)
	}
	return v
}

// Size is the number of token categories K.
func (v *Vocab) Size() int { return len(v.chars) }

// Chars returns the characters in id order.
func (v *Vocab) Chars() string { return string(v.chars) }

// Encode maps text to ids, reporting the first character outside the vocabulary.
func (v *Vocab) Encode(s string) ([]int, error) {
	ids := make([]int, 0, utf8.RuneCountInString(s))
	for i, r := range s {
		id, ok := v.ids[r]
		if !ok {
			return nil, fmt.Errorf("character %q at byte %d is not in the %s vocabulary", r, i, v.Name)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Decode maps ids to text, reporting the first id out of range.
func (v *Vocab) Decode(ids []int) (string, error) {
	var b strings.Builder
	b.Grow(len(ids))
	for i, id := range ids {
		if id < 0 || id >= len(v.chars) {
			return "", fmt.Errorf("token id %d at position %d is outside the %s vocabulary (0..%d)", id, i, v.Name, len(v.chars)-1)
		}
		b.WriteRune(v.chars[id])
	}
	return b.String(), nil
}

var digitWords = [10]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// NormalizeText8 turns any text into the text8 alphabet: letters lowercased
// (accents and other scripts count as non-letters), every digit spelled out as
// its own word ("1998" -> "one nine nine eight"), everything else a space, and
// runs of spaces squeezed to one. Leading and trailing spaces are kept as one
// space each, as text8 itself begins with a space.
func NormalizeText8(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pending := false // a separator was seen since the last letter
	flush := func() {
		if pending {
			b.WriteByte(' ')
			pending = false
		}
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			flush()
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			flush()
			b.WriteRune(r - 'A' + 'a')
		case r >= '0' && r <= '9':
			pending = b.Len() > 0 || pending
			flush()
			b.WriteString(digitWords[r-'0'])
			pending = true
		default:
			pending = true
		}
	}
	flush()
	return b.String()
}
