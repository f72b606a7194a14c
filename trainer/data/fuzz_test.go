package data

import (
	"testing"
)

// FuzzTextCorpus: any bytes, as a text file normalised to text8 or with its
// own characters, either become a corpus whose every id lies in its
// vocabulary and whose splits cut into sequences and batches, or give an
// error; never a panic.
func FuzzTextCorpus(f *testing.F) {
	for _, s := range []string{
		"to be or not to be, that is the question\n",
		"héllo wörld — ünïcödé ✓ ",
		"\xff\xfe not utf-8",
		"12 34 !!",
		"a",
		"",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, charVocab bool) {
		c, err := textCorpus("fuzz.txt", append([]byte(nil), b...), charVocab)
		if err != nil {
			return
		}
		k := c.Vocab.Size()
		if k < 1 || k > MaxVocab {
			t.Fatalf("vocabulary of %d tokens", k)
		}
		for _, sp := range []Split{c.Train, c.Valid, c.Test} {
			if sp.Len() == 0 {
				t.Fatalf("split %s is empty", sp.Name)
			}
			for i, id := range sp.Tokens() {
				if int(id) >= k {
					t.Fatalf("split %s token %d is id %d of %d", sp.Name, i, id, k)
				}
			}
		}
		if _, err := c.Vocab.Decode(toInts(c.Train.Tokens())); err != nil {
			t.Fatalf("train split does not decode: %v", err)
		}
		for l := 1; l <= 4; l++ {
			seqs, err := c.Train.Sequences(l)
			if err != nil {
				continue
			}
			it, err := NewBatches(seqs, 3, 1)
			if err != nil {
				continue
			}
			for range 3 {
				for _, id := range it.Next() {
					if int(id) >= k {
						t.Fatalf("batch id %d of %d", id, k)
					}
				}
			}
		}
	})
}

func toInts(ids []uint8) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}
