package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/trainer/data"
	"github.com/rdlm-go/rdlm/trainer/eval"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "estimate a model's bits per character (NELBO) on held-out text",
		usage:   "--model DIR [--data NAME|PATH] [--split valid|test] [--seeds N] [--seed S] [--max-sequences N] [--batch B] [--estimator precise|reference] [--times N] [--bridge-steps N] [--rows FILE] [--json]",
		run:     runEval,
	})
}

// defaultEvalData is the corpus for models that do not record theirs.
const defaultEvalData = "shakespeare"

type evalFlags struct {
	model, data, split string
	estimator          string
	seeds, maxSeqs     int
	batch, steps       int
	times              int
	rows               string
	versus             string
	seed               uint64
	asJSON             bool
}

func runEval(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	var f evalFlags
	fs.StringVar(&f.model, "model", "", modelFlagHelp)
	fs.StringVar(&f.data, "data", "", "shakespeare, text8 or a text file (default: the corpus the model was trained on, else "+defaultEvalData+")")
	fs.StringVar(&f.split, "split", "test", "which part of the corpus: valid or test (train to compare against training)")
	fs.IntVar(&f.seeds, "seeds", 1, "independent repetitions over the same sequences")
	fs.Uint64Var(&f.seed, "seed", 0, "seed: the same seed gives the same figures, whatever --batch")
	fs.IntVar(&f.maxSeqs, "max-sequences", 0, "evaluate at most N sequences, spread evenly over the split (0: all)")
	fs.IntVar(&f.batch, "batch", eval.DefaultBatch, "sequences per network call; does not change the figures")
	fs.StringVar(&f.estimator, "estimator", "precise", "precise (16 stratified times per sequence, weighted towards t -> 1, x_t by a bridge simulation graded to stay exact there) or reference (one uniform time per sequence, a 500-step bridge: the reference implementation's, to reproduce published figures)")
	fs.IntVar(&f.times, "times", 0, "times per sequence (default: 16 for precise, 1 for reference)")
	fs.StringVar(&f.rows, "rows", "", "also write every (sequence, time) estimate to this file as JSON lines: seed, sequence, t, nelbo (weighted, nats)")
	fs.IntVar(&f.steps, "bridge-steps", eval.DefaultBridgeSteps, "steps of the reference estimator's simulated bridge (RDLM; the reference uses 500)")
	fs.StringVar(&f.versus, "versus", "", "also evaluate this model on the same sequences and report the paired difference (--model minus --versus) with its standard error")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if f.versus != "" {
		return runEvalVersus(&f, stdout)
	}
	c, label, err := loadModel(f.model)
	if err != nil {
		return err
	}
	f.model = label
	if f.data == "" {
		f.data = trainedOn(c)
	}
	seqs, err := evalSequences(c, f.data, f.split)
	if err != nil {
		return err
	}
	e, err := eval.New(c.Params, c.Config.Process, seqs.SeqLen(), f.options())
	if err != nil {
		return err
	}
	var rows *rowWriter
	if f.rows != "" {
		if rows, err = newRowWriter(f.rows); err != nil {
			return err
		}
		defer rows.abort()
		e.OnRow = rows.add
	}
	res, err := e.Run(seqs)
	if err != nil {
		return err
	}
	if rows != nil {
		if err := rows.commit(); err != nil {
			return err
		}
	}
	return printEval(stdout, &f, c, res)
}

// rowWriter writes one JSON line per evaluated (sequence, time) to a
// temporary file that replaces the target only once the run succeeded.
type rowWriter struct {
	path string
	tmp  *os.File
	w    *bufio.Writer
	err  error
}

func newRowWriter(path string) (*rowWriter, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("--rows: %v", err)
	}
	return &rowWriter{path: path, tmp: tmp, w: bufio.NewWriter(tmp)}, nil
}

func (r *rowWriter) add(rep, seq int, t, nelbo float64) {
	if r.err == nil {
		_, r.err = fmt.Fprintf(r.w, "{\"seed\":%d,\"sequence\":%d,\"t\":%.9g,\"nelbo\":%.9g}\n", rep, seq, t, nelbo)
	}
}

func (r *rowWriter) commit() error {
	if r.err == nil {
		r.err = r.w.Flush()
	}
	if err := r.tmp.Close(); r.err == nil {
		r.err = err
	}
	if r.err == nil {
		r.err = os.Rename(r.tmp.Name(), r.path)
	}
	if r.err != nil {
		os.Remove(r.tmp.Name())
		return fmt.Errorf("--rows %s: %v", r.path, r.err)
	}
	r.tmp = nil
	return nil
}

// abort removes the temporary file of a run that did not commit.
func (r *rowWriter) abort() {
	if r.tmp != nil {
		r.tmp.Close()
		os.Remove(r.tmp.Name())
	}
}

// check rejects flag values before anything is read.
func (f *evalFlags) check() error {
	switch {
	case f.split != "valid" && f.split != "test" && f.split != "train":
		return usagef("--split must be valid or test (or train), got %q", f.split)
	case f.seeds < 1:
		return usagef("--seeds must be >= 1, got %d", f.seeds)
	case f.maxSeqs < 0:
		return usagef("--max-sequences must be >= 0 (0: all), got %d", f.maxSeqs)
	case f.batch < 1:
		return usagef("--batch must be >= 1, got %d", f.batch)
	case f.steps < 1 || f.steps > maxBridgeSteps:
		return usagef("--bridge-steps must lie in [1, %d], got %d", maxBridgeSteps, f.steps)
	case f.seeds > maxEvalSeeds:
		return usagef("--seeds must be at most %d, got %d", maxEvalSeeds, f.seeds)
	case f.batch > maxEvalBatch:
		return usagef("--batch must be at most %d, got %d", maxEvalBatch, f.batch)
	case f.estimator != "precise" && f.estimator != "reference":
		return usagef("--estimator must be precise or reference, got %q", f.estimator)
	case f.times < 0 || f.times > eval.MaxTimesPerSequence:
		return usagef("--times must lie in [1, %d] (0: the estimator's default), got %d", eval.MaxTimesPerSequence, f.times)
	}
	return nil
}

// Bounds on the work one evaluation may ask for: far above any useful
// setting, low enough that nothing is allocated or run for absurd requests.
const (
	maxEvalSeeds   = 1000
	maxEvalBatch   = 1024
	maxBridgeSteps = 100000
)

// options turns the flags into the evaluator's options.
func (f *evalFlags) options() eval.Options {
	o := eval.Options{Seed: f.seed, Seeds: f.seeds, Batch: f.batch, MaxSequences: f.maxSeqs, BridgeSteps: f.steps}
	if f.estimator == "precise" {
		o = eval.Precise(o)
	}
	if f.times > 0 {
		o.TimesPerSequence = f.times
	}
	return o
}

// trainedOn is the corpus a checkpoint records it was trained on, else the default.
func trainedOn(c *ckpt.Checkpoint) string {
	if t := c.Config.Training; t != nil && t.Data != "" {
		return t.Data
	}
	return defaultEvalData
}

// evalSequences opens the corpus, checks that it speaks the model's
// vocabulary, and cuts the split at the model's length.
func evalSequences(c *ckpt.Checkpoint, name, split string) (data.Sequences, error) {
	var opts []data.Option
	if pc := c.Config.Process; pc.Image != nil && pc.Split != nil {
		opts = append(opts, data.WithPixelBase(pc.Split.Base))
	}
	corpus, err := data.Open(name, opts...)
	if err != nil {
		return data.Sequences{}, err
	}
	mc, pc := c.Config.Model, c.Config.Process
	if corpus.Vocab.Name != pc.Vocab || corpus.Vocab.Size() != mc.Vocab {
		return data.Sequences{}, fmt.Errorf("data %q has the %q vocabulary of %d tokens, the model has %q with %d",
			name, corpus.Vocab.Name, corpus.Vocab.Size(), pc.Vocab, mc.Vocab)
	}
	s := map[string]data.Split{"train": corpus.Train, "valid": corpus.Valid, "test": corpus.Test}[split]
	seqs, err := s.Sequences(mc.Length)
	if err != nil {
		return data.Sequences{}, fmt.Errorf("data %q: %v", name, err)
	}
	return seqs, nil
}

func printEval(w io.Writer, f *evalFlags, c *ckpt.Checkpoint, res eval.Result) error {
	if c.Config.Process.Image != nil {
		return printImageEval(w, f, c, res)
	}
	if f.asJSON {
		out := map[string]any{
			"bpc": res.BPC, "stderr": finiteOrNil(res.StdErr), "sequences": res.Sequences, "seeds": res.Seeds,
			"stderr_seeds": finiteOrNil(res.StdErrSeeds), "stderr_mc": finiteOrNil(res.StdErrMC), "times": res.Times,
			"median_bpc": res.MedianBPC, "seed_bpc": res.SeedBPC, "nelbo": res.NELBO,
			"family": res.Family, "estimator": res.Estimator, "length": res.Length,
			"data": f.data, "split": f.split, "seed": f.seed, "model": f.model, "step": c.Config.Step,
		}
		if res.Family == eval.FamilyRDLM {
			out["step_thr"] = res.StepThr // where the bridges started: part of what the figure means
		}
		return writeJSON(w, out)
	}
	_, err := fmt.Fprintf(w, "%s %s: %.4f bits per character, standard error %s over %d sequences of %d (%d seed(s)%s%s); median sequence %.4f\n"+
		"  %s NELBO, %s; model %s at step %d\n",
		f.data, f.split, res.BPC, fmtErr(res.StdErr), res.Sequences, res.Length, res.Seeds, seedSpread(res), mcSpread(res),
		res.MedianBPC, res.Family, estimatorNote(res), f.model, c.Config.Step)
	return err
}

// finiteOrNil keeps NaN (an error bar that cannot be estimated) out of JSON,
// which has no NaN: it becomes null.
func finiteOrNil(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

func fmtErr(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", x)
}

func seedSpread(res eval.Result) string {
	if res.Seeds < 2 {
		return ""
	}
	return fmt.Sprintf(", standard error across seeds %s", fmtErr(res.StdErrSeeds))
}

func mcSpread(res eval.Result) string {
	if math.IsNaN(res.StdErrMC) {
		return ""
	}
	return fmt.Sprintf(", Monte Carlo error %s", fmtErr(res.StdErrMC))
}

func estimatorNote(res eval.Result) string {
	if res.Family == eval.FamilyMDLM {
		return fmt.Sprintf("estimator %s (masking level s = 1-t, weight 1/s)", res.Estimator)
	}
	return fmt.Sprintf("estimator %s (x_t by simulating the bridge, from u when t < step_thr %g, else from the mask vertex)", res.Estimator, res.StepThr)
}

// runEvalVersus evaluates --model and --versus on the same sequences with
// the same options and prints both figures and their paired difference.
func runEvalVersus(f *evalFlags, stdout io.Writer) error {
	if f.rows != "" {
		return usagef("--rows records one model; leave it out with --versus")
	}
	var res [2]eval.Result
	var cks [2]*ckpt.Checkpoint
	var labels [2]string
	for i, name := range []string{f.model, f.versus} {
		c, label, err := loadModel(name)
		if err != nil {
			return err
		}
		if c.Config.Process.Image != nil {
			return usagef("--versus compares text models; %s is an image model", label)
		}
		data := f.data
		if data == "" {
			data = trainedOn(c)
		}
		seqs, err := evalSequences(c, data, f.split)
		if err != nil {
			return err
		}
		if res[i], err = eval.Evaluate(c.Params, c.Config.Process, seqs, f.options()); err != nil {
			return fmt.Errorf("%s: %v", label, err)
		}
		cks[i], labels[i] = c, label
	}
	diff, se, err := eval.Paired(res[0], res[1])
	if err != nil {
		return err
	}
	if f.asJSON {
		side := func(r eval.Result, c *ckpt.Checkpoint, label string) map[string]any {
			return map[string]any{"model": label, "bpc": r.BPC, "stderr": finiteOrNil(r.StdErr), "stderr_mc": finiteOrNil(r.StdErrMC),
				"median_bpc": r.MedianBPC, "family": r.Family, "estimator": r.Estimator, "step": c.Config.Step}
		}
		return writeJSON(stdout, map[string]any{"a": side(res[0], cks[0], labels[0]), "b": side(res[1], cks[1], labels[1]),
			"difference": diff, "difference_stderr": finiteOrNil(se), "sequences": res[0].Sequences, "split": f.split, "seed": f.seed})
	}
	_, err = fmt.Fprintf(stdout, "%s: %.4f +- %s; %s: %.4f +- %s bits per character (%s %s, %d sequences)\n"+
		"  paired difference %.4f, standard error %s over sequences\n",
		labels[0], res[0].BPC, fmtErr(res[0].StdErr), labels[1], res[1].BPC, fmtErr(res[1].StdErr),
		res[0].Estimator, f.split, res[0].Sequences, diff, fmtErr(se))
	return err
}
