package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/rng"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "time the CPU kernels: square sgemm GFLOP/s and one DiT block's forward+backward; or, with --walk, a whole walk of a model",
		usage:   "[--json] [--threads N] [--sizes 256,512,1024] [--layout NT] [--reps R] [--block=true] [--batch B --length L --hidden D --heads H] | --walk [--walk-model NAME] [--walk-batch 4] [--walk-length L] [--walk-steps 64]",
		run:     runBench,
	})
}

// benchSGEMM is one sgemm figure: the median over reps of the time per
// product, each rep timing enough products to last a few tens of ms.
type benchSGEMM struct {
	Bench   string  `json:"bench"` // "sgemm"
	Layout  string  `json:"layout"`
	N       int     `json:"n"`
	GFLOPS  float64 `json:"gflops"`
	MS      float64 `json:"ms"` // median time per product
	Reps    int     `json:"reps"`
	Kernels string  `json:"kernels"`
	Threads int     `json:"threads"`
}

// benchBlock is the block figure: one pre-LN DiT block (MLP ratio 4)
// forward and backward, the median over reps.
type benchBlock struct {
	Bench   string  `json:"bench"` // "block"
	Batch   int     `json:"batch"`
	Length  int     `json:"length"`
	Hidden  int     `json:"hidden"`
	Heads   int     `json:"heads"`
	MLP     int     `json:"mlp"`
	MS      float64 `json:"ms"` // median forward+backward time
	MSMin   float64 `json:"ms_min"`
	GFLOPS  float64 `json:"gflops"` // matrix-product flops / median time
	Reps    int     `json:"reps"`
	Kernels string  `json:"kernels"`
	Threads int     `json:"threads"`
}

func runBench(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	asJSON := fs.Bool("json", false, "print one JSON line per figure")
	threads := fs.Int("threads", 0, "workers of the cpu pool: products and the model's loops (0: GOMAXPROCS)")
	sizes := fs.String("sizes", "256,512,1024", "square sgemm sizes, comma-separated (empty: none)")
	layout := fs.String("layout", "NT", "sgemm layout: NT (a linear layer's forward), NN or TN")
	reps := fs.Int("reps", 7, "timed repetitions; the median is reported")
	block := fs.Bool("block", true, "also time one DiT block's forward+backward")
	batch := fs.Int("batch", 32, "block benchmark: batch")
	length := fs.Int("length", 256, "block benchmark: sequence length")
	hidden := fs.Int("hidden", 256, "block benchmark: hidden size")
	heads := fs.Int("heads", 4, "block benchmark: attention heads")
	walkOnly := fs.Bool("walk", false, "time only the geodesic random walk of a model on the CPU (network and sampler, as rdlm sample runs it): the median over --reps walks")
	walkModel := fs.String("walk-model", "shakespeare", "--walk: a checkpoint folder or built-in model")
	walkBatch := fs.Int("walk-batch", 4, "--walk: sequences walked together")
	walkLength := fs.Int("walk-length", 0, "--walk: positions per sequence (0: the model's length)")
	walkSteps := fs.Int("walk-steps", 64, "--walk: walk steps")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *threads < 0 || *threads > maxBenchThreads:
		return usagef("--threads must lie in [0, %d], got %d", maxBenchThreads, *threads)
	case *reps < 1 || *reps > maxBenchReps:
		return usagef("--reps must lie in [1, %d], got %d", maxBenchReps, *reps)
	}
	ns, err := benchSizes(*sizes)
	if err != nil {
		return usagef("--sizes: %v", err)
	}
	mm, ok := benchLayouts[strings.ToUpper(*layout)]
	if !ok {
		return usagef("--layout must be NT, NN or TN, got %q", *layout)
	}
	// Set before anything starts a worker pool: core/nn sizes its pool from
	// Threads() on first use.
	prev := cpu.SetThreads(*threads)
	defer cpu.SetThreads(prev)

	if *walkOnly {
		r, err := benchWalkRun(*walkModel, *walkBatch, *walkLength, *walkSteps, *reps)
		if err != nil {
			return usagef("walk: %v", err)
		}
		return benchPrint(stdout, *asJSON, r, fmt.Sprintf("walk %s B=%d L=%d steps=%d: %.1f ms median (min %.1f), %.2f ms per step (%s, %d threads)",
			r.Model, r.Batch, r.Length, r.Steps, r.MS, r.MSMin, r.MS/float64(r.Steps), r.Kernels, r.Threads))
	}
	for _, n := range ns {
		r := benchSGEMMAt(mm, strings.ToUpper(*layout), n, *reps)
		if err := benchPrint(stdout, *asJSON, r, fmt.Sprintf("sgemm %s n=%d: %.1f GFLOP/s (%.3f ms, %s, %d threads)",
			r.Layout, r.N, r.GFLOPS, r.MS, r.Kernels, r.Threads)); err != nil {
			return err
		}
	}
	if !*block {
		return nil
	}
	r, err := benchBlockRun(*batch, *length, *hidden, *heads, *reps)
	if err != nil {
		return usagef("block: %v", err)
	}
	return benchPrint(stdout, *asJSON, r, fmt.Sprintf("block B=%d L=%d D=%d heads=%d fwd+bwd: %.1f ms median (min %.1f), %.1f GFLOP/s (%s, %d threads)",
		r.Batch, r.Length, r.Hidden, r.Heads, r.MS, r.MSMin, r.GFLOPS, r.Kernels, r.Threads))
}

var benchLayouts = map[string]func(c, a, b []float32, m, n, k int, acc bool){
	"NT": cpu.MatMulNT, "NN": cpu.MatMulNN, "TN": cpu.MatMulTN,
}

func benchPrint(w io.Writer, asJSON bool, v any, text string) error {
	if asJSON {
		return writeJSON(w, v)
	}
	_, err := fmt.Fprintln(w, text)
	return err
}

// Bounds of the bench flags. A square sgemm of n holds three n x n
// matrices: 8192 is 805 MB of them, and minutes per product at a few
// GFLOP/s; the block's sizes are bounded by the model's limits.
const (
	maxBenchSize    = 8192
	maxBenchReps    = 1000
	maxBenchThreads = 1024
)

// benchSizes parses "256,512,1024"; an empty string means no sizes.
func benchSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("not a positive size: %q", f)
		}
		if v > maxBenchSize {
			return nil, fmt.Errorf("size %d is beyond the limit of %d", v, maxBenchSize)
		}
		out = append(out, v)
	}
	return out, nil
}

// benchSGEMMAt times c = a b^T (or the chosen layout) for n x n matrices of
// normal random numbers.
func benchSGEMMAt(mm func(c, a, b []float32, m, n, k int, acc bool), layout string, n, reps int) benchSGEMM {
	st := rng.NewStream(1, uint64(n))
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(st.Normal()), float32(st.Normal())
	}
	flops := 2 * float64(n) * float64(n) * float64(n)
	// Enough products per rep for about 2 GFLOP of work (tens of ms): short
	// enough to repeat, long enough that the clock's granularity is nothing.
	iters := max(1, int(math.Ceil(2e9/flops)))
	mm(c, a, b, n, n, n, false) // warm-up: workspaces and workers
	times := make([]float64, reps)
	for r := range times {
		t0 := time.Now()
		for range iters {
			mm(c, a, b, n, n, n, false)
		}
		times[r] = time.Since(t0).Seconds() / float64(iters)
	}
	med := benchMedian(times)
	return benchSGEMM{Bench: "sgemm", Layout: layout, N: n, GFLOPS: flops / med / 1e9, MS: med * 1e3, Reps: reps,
		Kernels: cpu.KernelName(), Threads: cpu.Threads()}
}

func benchBlockRun(batch, length, hidden, heads, reps int) (benchBlock, error) {
	bb, err := model.NewBlockBench(batch, length, hidden, heads)
	if err != nil {
		return benchBlock{}, err
	}
	bb.Run() // warm-up: first touch of every buffer
	times := make([]float64, reps)
	for r := range times {
		t0 := time.Now()
		bb.Run()
		times[r] = time.Since(t0).Seconds()
	}
	med := benchMedian(times)
	return benchBlock{Bench: "block", Batch: batch, Length: length, Hidden: hidden, Heads: heads, MLP: model.MLPRatio,
		MS: med * 1e3, MSMin: slices.Min(times) * 1e3, GFLOPS: bb.Flops() / med / 1e9, Reps: reps,
		Kernels: cpu.KernelName(), Threads: cpu.Threads()}, nil
}

// benchMedian is the median of xs (sorted in place).
func benchMedian(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
