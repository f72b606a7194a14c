package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/text"
	"github.com/rdlm-go/rdlm/internal/userfile"
	"github.com/rdlm-go/rdlm/trainer/eval"
)

func init() {
	register(&command{
		name:    "score",
		summary: "judge texts (samples) with an autoregressive model: its bits per character, and their unigram entropy",
		usage:   "--text FILE [--judge MODEL] [--batch B] [--rows FILE] [--json]",
		run:     runScore,
	})
}

// defaultJudge is the built-in autoregressive model.
const defaultJudge = "shakespeare-ar"

func runScore(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	judgeName := fs.String("judge", defaultJudge, "the autoregressive model that judges (a built-in name or a checkpoint folder)")
	textPath := fs.String("text", "", "the texts to judge, one per line (as `rdlm sample` prints them); - for standard input")
	batch := fs.Int("batch", 8, "windows per network call; does not change the figures")
	asJSON := fs.Bool("json", false, "print one JSON line")
	rowsPath := fs.String("rows", "", "also write each text's figures to this file as JSON lines: text (its line number among the non-empty ones, from 0), characters, bpc, entropy; for paired comparisons of two sample sets")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *textPath == "":
		return usagef("--text FILE is required")
	case *batch < 1 || *batch > maxEvalBatch:
		return usagef("--batch must lie in [1, %d], got %d", maxEvalBatch, *batch)
	}
	c, label, err := loadModel(*judgeName)
	if err != nil {
		return err
	}
	if !c.Config.Process.IsAR() {
		family := c.Config.Process.Family
		if family == "" {
			family = ckpt.FamilyRDLM
		}
		return fmt.Errorf("judge %s is a %q model; a judge must be autoregressive (family %q), e.g. the built-in %s",
			label, family, ckpt.FamilyAR, defaultJudge)
	}
	if c.Config.Process.Vocab != "text8" {
		return fmt.Errorf("judge %s speaks the %q vocabulary; score reads text in the text8 alphabet", label, c.Config.Process.Vocab)
	}
	var raw []byte
	if *textPath == "-" {
		raw, err = userfile.ReadStream(os.Stdin, "standard input", userfile.Samples)
	} else {
		raw, err = userfile.Read(*textPath, userfile.Samples)
	}
	if err != nil {
		return err
	}
	texts, changed, err := scoreTexts(string(raw))
	if err != nil {
		return fmt.Errorf("--text %s: %v", *textPath, err)
	}
	j, err := eval.NewJudge(c.Params, *batch)
	if err != nil {
		return err
	}
	nll, err := j.Score(texts)
	if err != nil {
		return err
	}
	var bits, chars float64
	perText, entropy := make([]float64, len(texts)), make([]float64, len(texts))
	for i, tx := range texts {
		bits += nll[i] / math.Ln2
		chars += float64(len(tx))
		perText[i] = nll[i] / math.Ln2 / float64(len(tx))
		entropy[i] = eval.UnigramEntropy(tx)
	}
	bpc := bits / chars
	if *rowsPath != "" {
		if err := writeScoreRows(*rowsPath, texts, perText, entropy); err != nil {
			return err
		}
	}
	meanEntropy, entropySE := meanAndStdErr(entropy)
	_, bpcSE := meanAndStdErr(perText)
	if *asJSON {
		return writeJSON(stdout, map[string]any{"bpc": bpc, "stderr": finiteOrNil(bpcSE), "entropy": meanEntropy,
			"entropy_stderr": finiteOrNil(entropySE), "texts": len(texts), "characters": int(chars),
			"normalised_characters": changed, "judge": label, "judge_step": c.Config.Step})
	}
	_, err = fmt.Fprintf(stdout, "%d texts, %d characters: judge %s gives %.4f bits per character (standard error %s over texts); mean unigram entropy %.4f bits%s\n",
		len(texts), int(chars), label, bpc, fmtErr(bpcSE), meanEntropy, normalisedNote(changed))
	return err
}

// writeScoreRows writes one JSON line per text, through a temporary file
// that replaces path only once it is whole.
func writeScoreRows(path string, texts [][]int32, bpc, entropy []float64) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		for i, tx := range texts {
			fmt.Fprintf(bw, "{\"text\":%d,\"characters\":%d,\"bpc\":%.9g,\"entropy\":%.9g}\n", i, len(tx), bpc[i], entropy[i])
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("--rows %s: %v", path, err)
	}
	return nil
}

// meanAndStdErr is the mean of x and its standard error (NaN for one value).
func meanAndStdErr(x []float64) (mean, se float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1) / float64(len(x)))
}

// scoreTexts cuts the input into texts, one per non-empty line. A line in
// the text8 alphabet is taken as it is; any other is normalised to it, and
// the characters the normalisation changed or dropped are counted (so that
// nothing is changed silently).
func scoreTexts(s string) (texts [][]int32, changed int, err error) {
	v := text.Text8()
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		// A sample is already in the alphabet (spaces and all): judge it as
		// it is; anything else is normalised, and the change counted.
		ids, err := v.Encode(line)
		if err != nil {
			norm := text.NormalizeText8(line)
			changed += editsBetween(line, norm)
			if ids, err = v.Encode(norm); err != nil {
				return nil, 0, err
			}
		}
		tx := make([]int32, len(ids))
		for i, id := range ids {
			tx[i] = int32(id)
		}
		texts = append(texts, tx)
	}
	if len(texts) == 0 {
		return nil, 0, fmt.Errorf("no text to judge (every line is empty)")
	}
	return texts, changed, nil
}

// editsBetween counts the characters of a that do not survive as
// themselves in b, its normalisation: a rough count, enough to say that
// something was changed and about how much.
func editsBetween(a, b string) int {
	if a == b {
		return 0
	}
	ra := []rune(a)
	same := 0
	for i, r := range []rune(b) {
		if i < len(ra) && ra[i] == r {
			same++
		}
	}
	return max(len(ra)-same, 1)
}

func normalisedNote(changed int) string {
	if changed == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d characters were changed or dropped to fit the text8 alphabet)", changed)
}
