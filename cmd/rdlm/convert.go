package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/refimport"
	"github.com/rdlm-go/rdlm/core/torchckpt"
	"github.com/rdlm-go/rdlm/core/wordpiece"
	"github.com/rdlm-go/rdlm/internal/userfile"
)

func init() {
	register(&command{
		name:    "convert",
		summary: "convert a reference implementation checkpoint.pth (PyTorch) into a checkpoint folder",
		usage:   "--from checkpoint.pth --out DIR [--f16] [--weights ema|model] [--vocab vocab.txt] [--step-thr X] [--rho-scale X] [--force] [--json]",
		run:     runConvert,
	})
}

// VocabFile is where convert puts a WordPiece vocabulary beside the
// checkpoint, and where sample looks for it.
const VocabFile = "vocab.txt"

// optionalFloat is a float flag that remembers whether it was given.
type optionalFloat struct{ v *float64 }

func (o *optionalFloat) String() string {
	if o.v == nil {
		return ""
	}
	return fmt.Sprint(*o.v)
}

func (o *optionalFloat) Set(s string) error {
	var x float64
	if _, err := fmt.Sscan(s, &x); err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	o.v = &x
	return nil
}

func runConvert(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	from := fs.String("from", "", "the reference's checkpoint.pth (torch.save zip archive)")
	out := fs.String("out", "", "checkpoint folder to write")
	f16 := fs.Bool("f16", false, "store the weights as float16 (half the size)")
	weights := fs.String("weights", "ema", "which weights: ema (what the reference samples with) or model (raw training weights)")
	vocab := fs.String("vocab", "", "WordPiece vocab.txt (bert-base-uncased) to store beside an LM1B model, so that sample prints text")
	var stepThr, rhoScale optionalFloat
	fs.Var(&stepThr, "step-thr", "sde.step_thr, only for a checkpoint whose config lacks it")
	fs.Var(&rhoScale, "rho-scale", "sde.rho_scale, only for a checkpoint whose config lacks it")
	force := fs.Bool("force", false, "write into a folder that is not empty, replacing its checkpoint files")
	asJSON := fs.Bool("json", false, "print one JSON line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *from == "":
		return usagef("--from checkpoint.pth is required")
	case *out == "":
		return usagef("--out DIR is required")
	}
	// Before the conversion's work: an existing checkpoint is kept unless
	// the user says otherwise, as init and export do.
	if err := refuseNonEmpty(*out, *force); err != nil {
		return err
	}
	fh, size, err := userfile.Open(*from, userfile.Tensors)
	if err != nil {
		return err
	}
	defer fh.Close()
	tf, err := torchckpt.Open(fh, size)
	if err != nil {
		return fmt.Errorf("%s: %v", *from, err)
	}
	c, rep, err := refimport.Convert(tf, refimport.Options{StepThr: stepThr.v, RhoScale: rhoScale.v, Weights: *weights})
	if err != nil {
		return fmt.Errorf("%s: %v", *from, err)
	}
	var vocabBytes []byte
	if *vocab != "" {
		if c.Config.Process.Tokenizer != ckpt.TokenizerBERT {
			return usagef("--vocab is for models with a WordPiece tokenizer; this one uses the %s characters", c.Config.Process.Vocab)
		}
		if vocabBytes, err = readVocab(*vocab, c.Config.Process.Split.Vocab); err != nil {
			return err
		}
	}
	if *f16 {
		c.Config.DType = ckpt.DTypeF16
	}
	if err := ckpt.Save(*out, c); err != nil {
		return err
	}
	vocabPath := filepath.Join(*out, VocabFile)
	if vocabBytes != nil {
		if err := atomicfile.WriteBytes(vocabPath, vocabBytes); err != nil {
			return err
		}
	} else if err := os.Remove(vocabPath); err != nil && !os.IsNotExist(err) {
		// A vocabulary left from what --force replaced would be taken as
		// this model's.
		return err
	}
	p, m := c.Config.Process, c.Config.Model
	if *asJSON {
		return writeJSON(stdout, map[string]any{
			"out": *out, "weights": rep.Weights, "params": rep.Params, "step": c.Config.Step, "dtype": c.Config.DType,
			"model": m, "process": p, "prefix": rep.Prefix, "ignored": rep.Ignored, "from_flags": rep.FromFlags,
			"vocab": vocabBytes != nil,
		})
	}
	fmt.Fprintf(stdout, "converted %s (%s weights, step %d) to %s: %d parameters, %s\n", *from, rep.Weights, c.Config.Step, *out, rep.Params, c.Config.DType)
	fmt.Fprintf(stdout, "model: vocab %d, %d positions, hidden %d, %d heads, %d blocks, cond %d\n", m.Vocab, m.Length, m.Hidden, m.Heads, m.Blocks, m.Cond)
	fmt.Fprintf(stdout, "process (from the checkpoint's config): %s, step_thr %g, rho_scale %g, rho formula %s, %s beta %g..%g, %d sampling steps\n",
		p.Vocab, p.StepThr, p.RhoScale, p.RhoFormula, p.Schedule, p.Beta0, p.Beta1, p.SampleSteps)
	if len(rep.FromFlags) > 0 {
		fmt.Fprintf(stdout, "taken from flags: %s\n", strings.Join(rep.FromFlags, ", "))
	}
	if sp := p.Split; sp != nil {
		fmt.Fprintf(stdout, "dimension splitting: %d token ids as %d base-%d digits (%d tokens per sequence); tokenizer %s\n",
			sp.Vocab, sp.Digits, sp.Base, m.Length/sp.Digits, p.Tokenizer)
		if vocabBytes == nil {
			fmt.Fprintf(stdout, "no --vocab given: sample will print token ids; give bert-base-uncased's vocab.txt to print text\n")
		}
	}
	return nil
}

// readVocab loads and checks a WordPiece vocabulary of the expected size.
func readVocab(path string, size int) ([]byte, error) {
	b, err := userfile.Read(path, userfile.Vocab)
	if err != nil {
		return nil, err
	}
	v, err := wordpiece.Load(strings.NewReader(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if v.Size() != size {
		return nil, fmt.Errorf("%s has %d tokens but the model's ids span %d", path, v.Size(), size)
	}
	return b, nil
}
