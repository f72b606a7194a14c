package train

import (
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/trainer/objective"
	"github.com/rdlm-go/rdlm/trainer/optim"
	"github.com/stretchr/testify/require"
)

var (
	gpuOnce sync.Once
	gpuDrv  gpu.Driver
	gpuErr  error
)

// testGPU is one WebGPU driver for the package's tests: SwiftShader's CPU
// Vulkan driver unless VK_ICD_FILENAMES (or RDLM_WEBGPU_REAL_GPU) says
// otherwise. A missing library or adapter fails the test, with how to
// install them (core/gpu/testenv/install.sh).
func testGPU(t testing.TB) gpu.Driver {
	t.Helper()
	gpuOnce.Do(func() {
		const icd = "/usr/lib/chromium/vk_swiftshader_icd.json"
		if os.Getenv("VK_ICD_FILENAMES") == "" && os.Getenv("RDLM_WEBGPU_REAL_GPU") == "" {
			if _, err := os.Stat(icd); err == nil {
				os.Setenv("VK_ICD_FILENAMES", icd)
			}
		}
		gpuDrv, gpuErr = gpu.Open(gpu.Options{})
	})
	require.NoError(t, gpuErr, "the WebGPU trainer's tests need a webgpu.h library and a Vulkan driver: run core/gpu/testenv/install.sh")
	return gpuDrv
}

// deviceConfig is the tiny preset as the trainer's tests cut it down, with
// a loss logged at every step and one evaluation at the end.
func deviceConfig(t *testing.T, steps int) Config {
	cfg := testConfig(t, steps)
	cfg.LogEvery, cfg.CkptEvery, cfg.EvalEvery = 1, steps, 0
	return cfg
}

func runOn(t *testing.T, cfg Config, out string, resume bool, drv gpu.Driver, micro int) (*Trainer, Result) {
	tr, err := New(cfg, Options{Out: out, Resume: resume, GPU: drv, MicroBatch: micro})
	require.NoError(t, err)
	res, err := tr.Run(t.Context())
	require.NoError(t, err)
	return tr, res
}

// checkpointState reads a run's raw weights, moments and EMA.
func checkpointState(t *testing.T, out string, n int, cfg optim.AdamWConfig) (params []float32, adam *optim.AdamW, ema *optim.EMA) {
	params = make([]float32, n)
	adam, err := optim.NewAdamW(n, cfg)
	require.NoError(t, err)
	ema, err = optim.NewEMA(params, 0.5)
	require.NoError(t, err)
	require.NoError(t, optim.LoadState(filepath.Join(out, CheckpointDir, optim.StateFile), params, adam, ema))
	return params, adam, ema
}

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestDeviceTrainingMatchesCPU trains the tiny preset 30 steps on the CPU
// and on WebGPU from the same seed, CE with the published mixture (both
// bridge starts) and MDLM: the loss of every step (logged at every step)
// agrees within 1e-3 relative (observed about 1e-6), and after the 30th the
// raw weights and the EMA within 0.05 learning rates of each other, the
// AdamW moments within 1e-4 of their scale, and the validation BPC of the
// EMA weights within 1e-3 relative. The step counts and data positions of
// the two checkpoints are equal.
func TestDeviceTrainingMatchesCPU(t *testing.T) {
	drv := testGPU(t)
	for _, kind := range []string{objective.CE, objective.MDLM} {
		t.Run(kind, func(t *testing.T) {
			steps := 30
			if kind == objective.MDLM {
				steps = 12
			}
			cfg := deviceConfig(t, steps)
			cfg.SetObjective(kind)
			cfg.LR, cfg.Warmup = 3e-3, 5
			cpuOut, gpuOut := runDir(t), runDir(t)
			_, cpuRes := runTrainer(t, cfg, cpuOut, false)
			tr, gpuRes := runOn(t, cfg, gpuOut, false, drv, 0)
			require.Equal(t, cpuRes.Step, gpuRes.Step)
			cpuLoss, gpuLoss := trainingLosses(t, cpuOut), trainingLosses(t, gpuOut)
			require.Len(t, gpuLoss, steps)
			worst := 0.0
			for step, want := range cpuLoss {
				got, ok := gpuLoss[step]
				require.True(t, ok, "step %d logged", step)
				rel := math.Abs(got-want) / math.Abs(want)
				worst = max(worst, rel)
				require.Less(t, rel, 1e-3, "step %d: loss %v on the device, %v on the CPU", step, got, want)
			}
			n := tr.cfg.Model.NumParams()
			ac := tr.adam.Config
			cp, ca, ce := checkpointState(t, cpuOut, n, ac)
			gp, ga, ge := checkpointState(t, gpuOut, n, ac)
			require.Equal(t, ca.Step, ga.Step)
			require.Equal(t, ce.Updates, ge.Updates)
			dw, ds := maxAbsDiff(gp, cp)/cfg.LR, maxAbsDiff(ge.Shadow, ce.Shadow)/cfg.LR
			em, ev := relErr32(ga.M, ca.M), relErr32(ga.V, ca.V)
			bpc := math.Abs(gpuRes.ValidBPC-cpuRes.ValidBPC) / cpuRes.ValidBPC
			t.Logf("%s, %d steps: losses within %.1e relative; weights within %.2g and EMA %.2g learning rates; moments %.1e, %.1e; validation BPC %.4f (cpu %.4f)",
				kind, steps, worst, dw, ds, em, ev, gpuRes.ValidBPC, cpuRes.ValidBPC)
			require.Less(t, dw, 0.05)
			require.Less(t, ds, 0.05)
			require.Less(t, em, 1e-4)
			require.Less(t, ev, 1e-4)
			require.Less(t, bpc, 1e-3)
			cs, err := readState(cpuOut)
			require.NoError(t, err)
			gs, err := readState(gpuOut)
			require.NoError(t, err)
			require.Equal(t, cs.Step, gs.Step)
			require.Equal(t, cs.Data, gs.Data)
			_, err = ckpt.Load(filepath.Join(gpuOut, CheckpointDir))
			require.NoError(t, err)
		})
	}
}

func relErr32(a, b []float32) float64 {
	var d, s float64
	for i := range b {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
		s = max(s, math.Abs(float64(b[i])))
	}
	return d / s
}

// TestDeviceResumeIsBitIdentical: a WebGPU run stopped at step 7 and
// resumed (on the same device) ends bit-identical to one that ran through:
// weights, optimiser state, EMA, trainer state and the logged losses; the
// second run takes two passes per step (micro-batches of 2), which the
// resume must keep.
func TestDeviceResumeIsBitIdentical(t *testing.T) {
	drv := testGPU(t)
	cfg := deviceConfig(t, 12)
	cfg.CkptEvery = 4
	whole := runDir(t)
	runOn(t, cfg, whole, false, drv, 2)
	split := runDir(t)
	first := cfg
	first.Steps = 7
	runOn(t, first, split, false, drv, 2)
	runOn(t, cfg, split, true, drv, 2)
	require.Equal(t, checkpointFiles(t, whole), checkpointFiles(t, split))
	require.Equal(t, trainingLosses(t, whole), trainingLosses(t, split))
}

// The device trainer refuses what it does not do, by name, and a plan that
// cannot fit says so.
func TestDeviceRefusals(t *testing.T) {
	drv := testGPU(t)
	for _, c := range []struct {
		edit func(*Config)
		opts Options
		want string
	}{
		{func(c *Config) { c.SetObjective(objective.ELBO) }, Options{}, "trains on the CPU only"},
		{func(c *Config) { c.Times = objective.TimesAdaptive }, Options{}, "adaptive times"},
		{func(*Config) {}, Options{MicroBatch: 3}, "must divide the batch"},
		{func(*Config) {}, Options{GPUMemory: 1 << 20}, "does not fit"},
	} {
		cfg := deviceConfig(t, 4)
		c.edit(&cfg)
		opts := c.opts
		opts.Out, opts.GPU = runDir(t), drv
		_, err := New(cfg, opts)
		require.ErrorContains(t, err, c.want)
	}
}

// A step the device finds not finite stops the run with an error naming
// it, and the device leaves the weights as they were.
func TestDeviceStopsOnNonFinite(t *testing.T) {
	drv := testGPU(t)
	cfg := deviceConfig(t, 6)
	cfg.LogEvery = 3
	out := runDir(t)
	tr, err := New(cfg, Options{Out: out, GPU: drv})
	require.NoError(t, err)
	bad := append([]float32(nil), tr.params.Flat...)
	bad[tr.params.Cfg.Specs()[0].Numel()] = float32(math.NaN()) // the input embedding's first bias
	tr.dev.eng.SetState(bad, nil, nil, nil)
	_, err = tr.Run(t.Context())
	require.ErrorIs(t, err, ErrNonFinite)
	require.ErrorContains(t, err, "step 1: loss is NaN")
	require.Equal(t, 0, tr.step)
	got := make([]float32, len(bad))
	require.NoError(t, tr.dev.eng.ReadState(got, nil, nil, nil))
	require.True(t, math.IsNaN(float64(got[tr.params.Cfg.Specs()[0].Numel()])))
	require.Equal(t, bad[:10], got[:10], "no update after the non-finite step")
}
