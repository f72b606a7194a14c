package main

import (
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
)

func init() {
	register(&command{
		name:    "bridge",
		summary: "draw x_t for one token with the tables' simulation-free sampler and by simulating the bridge, and compare their means",
		usage:   "--tokens K --start masked|uniform --t T --n N [--seed S] [--steps 10000] [--token k] [--rho-formula reference|exact] [--rho-scale S] [--particles N] [--table-seed S] [--cache FILE] [--json]",
		run:     runBridge,
	})
}

// bridgeSetup is everything a bridge comparison depends on.
type bridgeSetup struct {
	v       int // V = K + 1
	start   process.Start
	token   int
	t       float64
	n       int    // samples per method
	seed    uint64 // of the samples (the tables have their own)
	walk    int    // GRW steps over [0, t]
	alpha   float64
	rho     float64
	sched   schedule.Schedule
	workers int // cpu pool workers to use (per-worker scratch is allocated for this many)
}

// meanSE is a Monte Carlo mean with its standard error.
type meanSE struct{ mean, se float64 }

// bridgeStats are the means of <x, e_k> and <x, start> over the samples.
type bridgeStats struct{ ek, start meanSE }

// bridgeChunk samples are summed together, in index order; chunks are
// combined in chunk order, so the result does not depend on the workers.
const bridgeChunk = 64

// bridgeSampling is sampleBridge's loop body: chunks of bridgeChunk samples
// on the cpu pool's workers, each with its own point and scratch.
type bridgeSampling struct {
	s          bridgeSetup
	sums       [][8]float64 // sums[c] = sum over chunk c of (ek, ek^2, start, start^2) for free, then simulated
	x, scratch [][]float64  // per worker, V each
	errs       []error      // the first error of each worker
}

func (b *bridgeSampling) Run(worker, lo, hi int) {
	if b.errs[worker] != nil {
		return
	}
	s, x, scratch := b.s, b.x[worker], b.scratch[worker]
	var acc [8]float64
	for i := lo; i < hi; i++ {
		st := rng.NewStream(s.seed, 2*uint64(i))
		if err := process.SampleXt(x, s.start, s.token, s.alpha, s.rho, &st); err != nil {
			b.errs[worker] = err
			return
		}
		addProjections(acc[0:4], x, s.start, s.token)
		st = rng.NewStream(s.seed, 2*uint64(i)+1)
		if err := process.SimulateBridge(x, s.start, s.token, s.t, s.walk, s.sched, &st, scratch); err != nil {
			b.errs[worker] = err
			return
		}
		addProjections(acc[4:8], x, s.start, s.token)
	}
	b.sums[lo/bridgeChunk] = acc
}

// sampleBridge draws setup.n samples with the simulation-free sampler
// (sample i uses stream 2i) and setup.n with the simulated bridge (stream
// 2i+1), in parallel.
func sampleBridge(s bridgeSetup) (free, simulated bridgeStats, err error) {
	b := &bridgeSampling{s: s, sums: make([][8]float64, (s.n+bridgeChunk-1)/bridgeChunk),
		x: make([][]float64, s.workers), scratch: make([][]float64, s.workers), errs: make([]error, s.workers)}
	for w := range s.workers {
		b.x[w], b.scratch[w] = make([]float64, s.v), make([]float64, s.v)
	}
	cpu.ForChunks(s.n, bridgeChunk, s.workers, b)
	for _, e := range b.errs {
		if e != nil {
			return free, simulated, e
		}
	}
	var tot [8]float64
	for _, acc := range b.sums {
		for j := range tot {
			tot[j] += acc[j]
		}
	}
	n := float64(s.n)
	stat := func(sum, sum2 float64) meanSE {
		m := sum / n
		v := math.Max(sum2/n-m*m, 0)
		return meanSE{m, math.Sqrt(v / n)}
	}
	free = bridgeStats{stat(tot[0], tot[1]), stat(tot[2], tot[3])}
	simulated = bridgeStats{stat(tot[4], tot[5]), stat(tot[6], tot[7])}
	return free, simulated, nil
}

// addProjections adds <x,e_k>, its square, <x,start> and its square to acc.
func addProjections(acc []float64, x []float64, start process.Start, token int) {
	ek := x[token]
	var st float64
	if start == process.StartMasked {
		st = x[len(x)-1]
	} else {
		for _, v := range x {
			st += v
		}
		st /= math.Sqrt(float64(len(x)))
	}
	acc[0] += ek
	acc[1] += ek * ek
	acc[2] += st
	acc[3] += st * st
}

type projMeans struct {
	EK    float64 `json:"ek"`
	Start float64 `json:"start"`
}

type bridgeLine struct {
	Free      projMeans `json:"free"`
	Simulated projMeans `json:"simulated"`
}

// Bounds of bridge's sizes: the samples' chunk sums are allocated up front
// (2^26 samples: 64 MB of them), and each sample walks up to --steps steps.
const (
	maxBridgeSamples   = 1 << 26
	maxBridgeWalkSteps = 1 << 24
)

// parseBridge turns the command line into a setup and loads the tables.
func parseBridge(fs *flag.FlagSet, args []string) (bridgeSetup, bool, error) {
	tf := addTableFlags(fs, "table-seed")
	startName := fs.String("start", "masked", "start point of the bridge: masked (e_m) or uniform (u)")
	tm := fs.Float64("t", -1, "time in [0, 1) at which to draw x_t")
	n := fs.Int("n", 0, "samples per method")
	seed := fs.Uint64("seed", 0, "seed of the samples")
	steps := fs.Int("steps", 10000, "GRW steps per unit time of the simulated bridge (it takes round(t*steps) steps of t/that)")
	token := fs.Int("token", 0, "the bridge's target token k")
	asJSON := fs.Bool("json", false, "print one JSON line")
	if err := parseFlags(fs, args); err != nil {
		return bridgeSetup{}, false, err
	}
	cfg, err := tf.config()
	if err != nil {
		return bridgeSetup{}, false, err
	}
	start, err := process.ParseStart(*startName)
	if err != nil {
		return bridgeSetup{}, false, usagef("--start: %v", err)
	}
	if !(*tm >= 0 && *tm < 1) {
		return bridgeSetup{}, false, usagef("--t must be in [0, 1) (got %g)", *tm)
	}
	if *n < 1 || *n > maxBridgeSamples {
		return bridgeSetup{}, false, usagef("--n must lie in [1, %d] (got %d)", maxBridgeSamples, *n)
	}
	if *steps < 1 || *steps > maxBridgeWalkSteps {
		return bridgeSetup{}, false, usagef("--steps must lie in [1, %d] (got %d)", maxBridgeWalkSteps, *steps)
	}
	if *token < 0 || *token >= cfg.Tokens {
		return bridgeSetup{}, false, usagef("--token %d outside [0, %d)", *token, cfg.Tokens)
	}
	tab, _, err := tf.load(cfg)
	if err != nil {
		return bridgeSetup{}, false, err
	}
	alpha, rho := tab.At(start, *tm)
	sched, err := schedule.ByName(cfg.Schedule, cfg.Beta0, cfg.Beta1)
	if err != nil {
		return bridgeSetup{}, false, err
	}
	return bridgeSetup{
		v: cfg.Tokens + 1, start: start, token: *token, t: *tm, n: *n, seed: *seed,
		walk: max(1, int(math.Round(*tm*float64(*steps)))), alpha: alpha, rho: rho,
		sched: sched, workers: cpu.Threads(),
	}, *asJSON, nil
}

func runBridge(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	s, asJSON, err := parseBridge(fs, args)
	if err != nil {
		return err
	}
	free, sim, err := sampleBridge(s)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, bridgeLine{
			Free:      projMeans{free.ek.mean, free.start.mean},
			Simulated: projMeans{sim.ek.mean, sim.start.mean},
		})
	}
	fmt.Fprintf(stdout, "bridge to token %d from %v, V = %d, t = %g: alpha %.5f, rho %.5f; %d samples each, %d GRW steps\n",
		s.token, s.start, s.v, s.t, s.alpha, s.rho, s.n, s.walk)
	fmt.Fprintf(stdout, "%-10s %22s %22s\n", "", "E<x,e_k> (+- s.e.)", "E<x,start> (+- s.e.)")
	for _, row := range []struct {
		name string
		st   bridgeStats
	}{{"free", free}, {"simulated", sim}} {
		fmt.Fprintf(stdout, "%-10s %12.5f +- %.5f %12.5f +- %.5f\n", row.name, row.st.ek.mean, row.st.ek.se, row.st.start.mean, row.st.start.se)
	}
	return nil
}
