package data

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/core/text"
)

// Corpus is a data set cut into its three splits, as token ids of Vocab.
type Corpus struct {
	Name  string      // what Open resolved: "shakespeare", "text8" or the file's path
	Vocab *text.Vocab // the vocabulary the ids index
	Train Split
	Valid Split
	Test  Split
	// Image is set for image data: every sequence of Image.Positions()
	// tokens is one image. Nil for text.
	Image *pixels.Layout
}

// Split is one contiguous part of a corpus.
type Split struct {
	Name string // "train", "valid" or "test"
	ids  []uint8
}

// Len is the number of tokens in the split.
func (s Split) Len() int { return len(s.ids) }

// Tokens returns the split's token ids. The slice is shared: do not modify it.
func (s Split) Tokens() []uint8 { return s.ids }

// MaxVocab is the largest vocabulary a corpus can have: ids are stored in one
// byte each.
const MaxVocab = 256

// newCorpus splits ids by position 90/5/5. Every split must hold at least one
// token, so that a mistake such as an almost empty file is reported here
// rather than as an empty evaluation later.
func newCorpus(name string, v *text.Vocab, ids []uint8) (*Corpus, error) {
	n := len(ids)
	trainEnd, validEnd := splitPoints(n)
	if trainEnd == 0 || validEnd == trainEnd || validEnd == n {
		return nil, fmt.Errorf("%s: %d tokens are too few to split 90/5/5 into train, valid and test", name, n)
	}
	return &Corpus{
		Name:  name,
		Vocab: v,
		// Full slice expressions, so that appending to one split can never
		// overwrite the next.
		Train: Split{Name: "train", ids: ids[:trainEnd:trainEnd]},
		Valid: Split{Name: "valid", ids: ids[trainEnd:validEnd:validEnd]},
		Test:  Split{Name: "test", ids: ids[validEnd:]},
	}, nil
}

// splitPoints returns the ends of train (90%) and valid (95%), rounded down.
// Integer arithmetic keeps text8's boundaries at exactly 90M and 95M.
func splitPoints(n int) (trainEnd, validEnd int) {
	return int(int64(n) * 90 / 100), int(int64(n) * 95 / 100)
}
