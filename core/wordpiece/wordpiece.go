// Package wordpiece decodes token ids of a WordPiece vocabulary (BERT's
// vocab.txt: one token per line, the line number is the id) back to text.
// The reference's LM1B models speak bert-base-uncased ids.
//
// Decoding follows the usual BERT rules: a token starting with "##"
// continues the previous word, other tokens are separated by spaces, and
// the spaces that word-level tokenisation put before punctuation and
// English contractions are removed afterwards.
package wordpiece

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Vocab is a WordPiece vocabulary.
type Vocab struct {
	tokens []string
	ids    map[string]int
}

// maxTokenBytes bounds one line of a vocabulary file.
const maxTokenBytes = 1 << 10

// Load reads a vocab.txt. Blank lines are tokens too (ids must not shift),
// but a vocabulary must not repeat a token, and must have [UNK].
func Load(r io.Reader) (*Vocab, error) {
	v := &Vocab{ids: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxTokenBytes)
	for sc.Scan() {
		tok := strings.TrimRight(sc.Text(), "\r")
		if !utf8.ValidString(tok) {
			return nil, fmt.Errorf("wordpiece: line %d is not valid UTF-8", len(v.tokens)+1)
		}
		if prev, dup := v.ids[tok]; dup && tok != "" {
			return nil, fmt.Errorf("wordpiece: token %q on line %d repeats line %d", tok, len(v.tokens)+1, prev+1)
		}
		v.ids[tok] = len(v.tokens)
		v.tokens = append(v.tokens, tok)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("wordpiece: line %d: %v", len(v.tokens)+1, err)
	}
	if _, ok := v.ids[Unknown]; !ok {
		return nil, fmt.Errorf("wordpiece: the vocabulary (%d tokens) has no %s token: not a WordPiece vocab.txt", len(v.tokens), Unknown)
	}
	return v, nil
}

// The special tokens of BERT vocabularies.
const (
	Unknown = "[UNK]"
	Pad     = "[PAD]"
	CLS     = "[CLS]"
	SEP     = "[SEP]"
	Mask    = "[MASK]"
)

// Size is the number of ids.
func (v *Vocab) Size() int { return len(v.tokens) }

// ID returns a token's id.
func (v *Vocab) ID(tok string) (int, bool) {
	id, ok := v.ids[tok]
	return id, ok
}

// Token returns the token of an id.
func (v *Vocab) Token(id int) (string, error) {
	if id < 0 || id >= len(v.tokens) {
		return "", fmt.Errorf("wordpiece: id %d outside the vocabulary [0, %d)", id, len(v.tokens))
	}
	return v.tokens[id], nil
}

// Decode turns ids into text. With skipSpecial, [PAD], [CLS], [SEP] and
// [MASK] are left out ([UNK] stays: it marks something the model said).
func (v *Vocab) Decode(ids []int, skipSpecial bool) (string, error) {
	var b strings.Builder
	for _, id := range ids {
		tok, err := v.Token(id)
		if err != nil {
			return "", err
		}
		if skipSpecial && (tok == Pad || tok == CLS || tok == SEP || tok == Mask) {
			continue
		}
		if rest, ok := strings.CutPrefix(tok, "##"); ok && b.Len() > 0 {
			b.WriteString(rest)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	return cleanUp(b.String()), nil
}

// spacedPunctuation are the joins BERT-style decoding undoes: word-level
// tokenisation split these off the preceding word.
var spacedPunctuation = strings.NewReplacer(
	" .", ".", " ?", "?", " !", "!", " ,", ",", " ' ", "'",
	" n't", "n't", " 'm", "'m", " 's", "'s", " 've", "'ve", " 're", "'re",
)

func cleanUp(s string) string { return spacedPunctuation.Replace(s) }
