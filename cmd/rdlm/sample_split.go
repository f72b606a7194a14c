package main

import (
	"errors"
	"fmt"
	"github.com/rdlm-go/rdlm/core/walk"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/split"
	"github.com/rdlm-go/rdlm/core/wordpiece"
	"github.com/rdlm-go/rdlm/internal/userfile"
)

// runSplitSample samples a model trained with dimension splitting (the
// reference's LM1B models): the walk runs on Digits positions per token,
// the digits are read back into token ids, and the ids become text through
// the WordPiece vocab.txt that convert stored beside the weights (or are
// printed as numbers when there is none). --length counts tokens here.
func runSplitSample(f *sampleFlags, dir string, c *ckpt.Checkpoint, stdout io.Writer) error {
	pc, mc := c.Config.Process, c.Config.Model
	sp := pc.Split
	switch {
	case f.set["prompt"] || f.set["template"]:
		return usagef("--prompt and --template are not supported yet for models with a tokenizer (%s)", pc.Tokenizer)
	case f.trace != "":
		return usagef("--trace is not supported yet for models with a tokenizer (%s)", pc.Tokenizer)
	}
	splitter, err := split.New(sp.Vocab, sp.Base)
	if err != nil {
		return err
	}
	tokens := mc.Length / sp.Digits
	if f.set["length"] {
		if f.length > tokens {
			return usagef("--length %d tokens is longer than the model's %d", f.length, tokens)
		}
		tokens = f.length
	}
	positions := tokens * sp.Digits
	steps, batch := f.walk(pc.SampleSteps)
	decode, err := splitDecoder(dir, splitter)
	if err != nil {
		return err
	}
	sched, mix, err := pc.Walk()
	if err != nil {
		return err
	}
	net, err := model.NewInference(c.Params, batch, positions)
	if err != nil {
		return err
	}
	smp, err := sampler.New(net, walk.Config{
		Batch: batch, Length: positions, Vocab: mc.Vocab, Steps: steps, Schedule: sched, Mixture: mix,
	})
	if err != nil {
		return err
	}
	digits := make([]int, batch*positions)
	for first := 0; first < f.n; first += batch {
		m := min(batch, f.n-first)
		if err := smp.Sample(digits[:m*positions], f.seed, uint64(first), m); err != nil {
			return err
		}
		for s := 0; s < m; s++ {
			txt, err := decode(digits[s*positions : (s+1)*positions])
			if err != nil {
				return err
			}
			if f.asJSON {
				err = writeJSON(stdout, map[string]any{"seed": f.seed, "index": first + s, "text": txt, "steps": steps})
			} else {
				_, err = fmt.Fprintln(stdout, txt)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// splitDecoder turns one sample's digits into text: WordPiece text when
// dir holds the vocabulary, else the ids. Digit strings that spell an id
// past the vocabulary become [UNK] (or "?" without a vocabulary).
func splitDecoder(dir string, s split.Splitter) (func([]int) (string, error), error) {
	path := filepath.Join(dir, VocabFile)
	b, err := userfile.Read(path, userfile.Vocab)
	if errors.Is(err, fs.ErrNotExist) {
		return func(digits []int) (string, error) {
			ids := make([]string, len(digits)/s.Digits())
			one := []int{0}
			for l := range ids {
				if s.Decode(one, digits[l*s.Digits():(l+1)*s.Digits()]) != nil {
					ids[l] = "?"
				} else {
					ids[l] = strconv.Itoa(one[0])
				}
			}
			return strings.Join(ids, " "), nil
		}, nil
	}
	if err != nil {
		return nil, err
	}
	v, err := wordpiece.Load(strings.NewReader(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if v.Size() != s.Vocab() {
		return nil, fmt.Errorf("%s has %d tokens but the model's ids span %d", path, v.Size(), s.Vocab())
	}
	unk, _ := v.ID(wordpiece.Unknown)
	return func(digits []int) (string, error) {
		ids := make([]int, len(digits)/s.Digits())
		if _, err := s.DecodeUNK(ids, digits, unk); err != nil {
			return "", err
		}
		return v.Decode(ids, true)
	}, nil
}
