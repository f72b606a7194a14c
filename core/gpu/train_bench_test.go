//go:build !js

package gpu

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/rdlm-go/rdlm/trainer/objective"
	"github.com/rdlm-go/rdlm/trainer/optim"
	"github.com/stretchr/testify/require"
)

// trainBench is one training run's shapes and state for the step
// benchmarks: the preset's architecture (RDLM_BENCH_PRESET, default small)
// at its length, RDLM_BENCH_TRAIN_BATCH sequences per step (default 16, the
// small preset's batch), fixed random targets, and RDLM's CE objective with
// the small preset's settings. Both benchmarks take the step the trainer
// takes; only where the step runs differs.
type trainBench struct {
	p      *model.Params[float32]
	B, L   int
	tokens []int32 // (B*L) targets, the same every step
	obj    *objective.Objective[float32]
	adam   optim.AdamWConfig
	ema    float64 // the EMA's decay
}

// trainBenchLog is the device's log interval in the benchmark: the host
// waits for the device every trainBenchLog steps, as the trainer does at
// the small preset's LogEvery.
const trainBenchLog = 50

func newTrainBench(b *testing.B) *trainBench {
	p := benchPreset(b)
	B := 16
	if s := os.Getenv("RDLM_BENCH_TRAIN_BATCH"); s != "" {
		var err error
		B, err = strconv.Atoi(s)
		require.NoError(b, err, "RDLM_BENCH_TRAIN_BATCH")
	}
	L, K := p.Cfg.Length, p.Cfg.Vocab
	tc := tables.DefaultConfig(K)
	tc.Formula, tc.Particles = tables.Exact, 256 // a small table: its accuracy does not change the step's cost
	tab, err := tables.Build(tc)
	require.NoError(b, err)
	obj, err := objective.New[float32](objective.Config{Kind: objective.CE, Times: objective.TimesImportance,
		Window: [2]float64{0.3, 0.6}, StepThr: 0.35}, tab, schedule.Default(), K, L, B)
	require.NoError(b, err)
	r := rand.New(rand.NewPCG(9, 9))
	tokens := make([]int32, B*L)
	for i := range tokens {
		tokens[i] = int32(r.IntN(K))
	}
	return &trainBench{p: p, B: B, L: L, tokens: tokens, obj: obj,
		adam: optim.AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Warmup: 500}, ema: 0.999}
}

// reportTokens adds the throughput of b.N steps of B*L positions.
func (tb *trainBench) reportTokens(b *testing.B) {
	b.ReportMetric(float64(tb.B*tb.L*b.N)/b.Elapsed().Seconds(), "tokens/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/step")
}

// BenchmarkTrainStep times one optimiser step on the device as
// `rdlm train --backend webgpu` takes it: the host draws the sequences'
// times and table values and writes them with the targets (SetDraws), the
// device corrupts, runs forward, loss and backward per micro-batch (the
// largest the adapter's limits allow, as the trainer picks it), the global
// norm, the clip and AdamW with the EMA. The host waits for the device
// every trainBenchLog steps and after the last (ReadLog), so the time is
// the device's steady state, not a round trip per step.
func BenchmarkTrainStep(b *testing.B) {
	d := testDriver(b)
	tb := newTrainBench(b)
	tc := TrainConfig{Batch: tb.B, Length: tb.L, Clip: 1, ClipEps: optim.ClipEps, LogSteps: trainBenchLog, Seed: 1}
	plan, err := PlanTraining(d.Adapter(), tb.p.Cfg, tc, 0)
	require.NoError(b, err)
	tc.MicroBatch = plan.MicroBatch
	e, err := NewTrainEngine(d, tb.p, tc)
	require.NoError(b, err)
	b.Logf("adapter: %s; %d parameters, batch %d of %d, %d sequences per pass, %d passes per step, %d MiB on the device",
		d.Adapter().Name, len(tb.p.Flat), tb.B, tb.L, plan.MicroBatch, plan.Passes, plan.Bytes>>20)
	ema, err := optim.NewEMA(tb.p.Flat, tb.ema)
	require.NoError(b, err)
	draws, seqs := make([]objective.SequenceDraw, tb.B), make([]SequenceDraw, tb.B)
	logs := make([]StepLog, 0, trainBenchLog)
	step := 0
	sync := func() {
		var stop int
		logs, stop, err = e.ReadLog(logs[:0])
		require.NoError(b, err)
		require.Zero(b, stop, "a step was not finite")
	}
	take := func() {
		step++
		require.NoError(b, tb.obj.DrawSequences(draws, 1, uint64(step)))
		for s, dr := range draws {
			seqs[s] = SequenceDraw{T: dr.T, RowWeight: dr.Weight / float64(tb.B), Uniform: dr.Start == process.StartUniform,
				Alpha: dr.Alpha, Rho: dr.Rho, MaskBelow: objective.MaskBelow(dr.MaskProb)}
		}
		seqBase, posBase := objective.StreamBases(uint64(step))
		require.NoError(b, e.SetDraws(tb.tokens, seqs, seqBase, posBase))
		require.NoError(b, e.Step(step, deviceCoefficients(tb.adam, ema, step)))
		if step%trainBenchLog == 0 {
			sync()
		}
	}
	take() // the first step of a stream may still compile on some drivers
	sync()
	b.Logf("step %d: loss %.4f, gradient norm %.4f", logs[len(logs)-1].Step, logs[len(logs)-1].Loss, logs[len(logs)-1].Norm)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		take()
	}
	sync()
	b.StopTimer()
	tb.reportTokens(b)
}

// BenchmarkCPUTrainStep is the CPU trainer's step on the same shapes, for
// the ratio: objective.Corrupt, model.Net's forward, the objective's loss
// and its gradient, the backward, the clip, AdamW and the EMA
// (trainer/train's trainStep without its data loader).
func BenchmarkCPUTrainStep(b *testing.B) {
	tb := newTrainBench(b)
	p := model.NewParams[float32](tb.p.Cfg)
	copy(p.Flat, tb.p.Flat)
	g := model.NewParams[float32](p.Cfg)
	net, err := model.NewNet(p, tb.B, tb.L)
	require.NoError(b, err)
	adam, err := optim.NewAdamW(len(p.Flat), tb.adam)
	require.NoError(b, err)
	ema, err := optim.NewEMA(p.Flat, tb.ema)
	require.NoError(b, err)
	dlogits := make([]float32, tb.B*tb.L*p.Cfg.Vocab)
	step := 0
	take := func() {
		step++
		x, t, err := tb.obj.Corrupt(tb.tokens, tb.B, 1, uint64(step))
		require.NoError(b, err)
		logits, err := net.Forward(x, t)
		require.NoError(b, err)
		_, err = tb.obj.Loss(logits, tb.tokens, dlogits)
		require.NoError(b, err)
		g.Zero()
		require.NoError(b, net.BackwardFrom(g, dlogits))
		optim.ClipGlobalNorm(g.Flat, 1)
		adam.Update(p.Flat, g.Flat)
		ema.Update(p.Flat)
	}
	take()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		take()
	}
	b.StopTimer()
	tb.reportTokens(b)
}
