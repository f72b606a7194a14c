package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/generate"
	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/stretchr/testify/require"
)

var tinyModel = model.Config{Vocab: 27, Length: 16, Hidden: 16, Heads: 2, Blocks: 1, Cond: 8}

// checkpointBytes saves a random model and returns its two files' bytes.
func checkpointBytes(t *testing.T, mc model.Config, process ckpt.Process) (cfg, weights []byte) {
	t.Helper()
	p := model.NewParams[float32](mc)
	p.Init(3, false)
	dir := filepath.Join(t.TempDir(), "ck")
	require.NoError(t, ckpt.Save(dir, &ckpt.Checkpoint{Config: ckpt.Config{Model: mc, Process: process, DType: ckpt.DTypeF32}, Params: p}))
	cfg, err := os.ReadFile(filepath.Join(dir, ckpt.ConfigFile))
	require.NoError(t, err)
	weights, err = os.ReadFile(filepath.Join(dir, ckpt.WeightsFile))
	require.NoError(t, err)
	return cfg, weights
}

func loadTiny(t *testing.T) *Model {
	cfg, w := checkpointBytes(t, tinyModel, ckpt.DefaultProcess())
	m, err := LoadModel(cfg, w)
	require.NoError(t, err)
	return m
}

func TestGenerateGivesRequestedShapeAndIsReproducible(t *testing.T) {
	m := loadTiny(t)
	e := NewEngine(nil)
	var steps, yields int
	h := Hooks{Step: func(ev *StepEvent) {
		steps++
		require.Len(t, ev.Prob, ev.N*ev.L)
	}, Yield: func() { yields++ }}
	req := Request{Steps: 5, Length: 12, Samples: 3, Seed: 9}
	a, err := e.Generate(1, m, req, h)
	require.NoError(t, err)
	require.Len(t, a.Texts, 3)
	for _, s := range a.Texts {
		require.Len(t, s, 12)
	}
	require.Equal(t, 5, steps) // 3 samples fit one batch
	require.Equal(t, steps, yields)
	require.Equal(t, CPUBackendName, a.Backend.Name)
	require.GreaterOrEqual(t, a.FirstStepMs, 0.0)
	b, err := e.Generate(1, m, req, Hooks{})
	require.NoError(t, err)
	require.Equal(t, a.Texts, b.Texts)
}

func TestTemplateHoldsItsText(t *testing.T) {
	m := loadTiny(t)
	res, err := NewEngine(nil).Generate(1, m, Request{Steps: 3, Template: "To be, ___"}, Hooks{})
	require.NoError(t, err)
	require.Equal(t, "to be ___", res.Hold)
	require.Len(t, res.Texts[0], 9)
	require.True(t, strings.HasPrefix(res.Texts[0], "to be "), res.Texts[0])
}

func TestCancelStopsAtNextStep(t *testing.T) {
	m := loadTiny(t)
	e := NewEngine(nil)
	steps := 0
	res, err := e.Generate(1, m, Request{Steps: 50, Samples: 2}, Hooks{Step: func(*StepEvent) {
		steps++
		if steps == 2 {
			e.Cancel(1)
		}
	}})
	require.NoError(t, err)
	require.True(t, res.Cancelled)
	require.Equal(t, 2, steps)
	require.NotNil(t, res.Texts) // a JSON [] for the page, not null
	require.Empty(t, res.Texts)

	// A cancel for another (or a finished) generation stops nothing; one
	// that arrives before its generation starts stops it at once.
	res, err = e.Generate(2, m, Request{Steps: 3}, Hooks{})
	require.NoError(t, err)
	require.False(t, res.Cancelled)
	e.Cancel(3)
	res, err = e.Generate(3, m, Request{Steps: 3}, Hooks{})
	require.NoError(t, err)
	require.True(t, res.Cancelled)
}

// failingGPU stands for a device lost after its first call.
type failingGPU struct{ calls int }

func (f *failingGPU) Forward(logits, x, t []float32) error {
	f.calls++
	return errors.New("device lost")
}

func TestLostGPUFallsBackToCPUWithSameText(t *testing.T) {
	m := loadTiny(t)
	lost := &failingGPU{}
	e := NewEngine(func(_ *model.Params[float32], cfg walk.Config) (*generate.Device, error) {
		w, err := sampler.New(lost, cfg) // a device walk whose network fails
		if err != nil {
			return nil, err
		}
		return &generate.Device{Walker: w, Adapter: gpu.AdapterInfo{Name: "Fake GPU"}}, nil
	})
	var switched []Backend
	req := Request{Steps: 4, Samples: 2, Seed: 5}
	res, err := e.Generate(1, m, req, Hooks{Backend: func(b Backend) { switched = append(switched, b) }})
	require.NoError(t, err)
	require.Equal(t, 1, lost.calls)
	require.Len(t, switched, 1)
	require.Equal(t, CPUBackendName, res.Backend.Name)
	require.Contains(t, res.Backend.Reason, "device lost")
	cpu, err := NewEngine(nil).Generate(1, m, req, Hooks{})
	require.NoError(t, err)
	require.Equal(t, cpu.Texts, res.Texts)
}

func TestMissingGPUSaysWhy(t *testing.T) {
	m := loadTiny(t)
	e := NewEngine(func(*model.Params[float32], walk.Config) (*generate.Device, error) {
		return nil, errors.New("this browser has no WebGPU")
	})
	res, err := e.Generate(1, m, Request{Steps: 1}, Hooks{})
	require.NoError(t, err)
	require.Equal(t, Backend{Name: CPUBackendName, Reason: "this browser has no WebGPU"}, res.Backend)
}

func TestBadRequestsAreRefused(t *testing.T) {
	m := loadTiny(t)
	cases := []struct {
		req  Request
		want string
	}{
		{Request{Steps: -1}, "steps"},
		{Request{Steps: maxSteps + 1}, "steps"},
		{Request{Samples: maxSamples + 1}, "samples"},
		{Request{Length: 17}, "longer than the model's 16"},
		{Request{Length: -3}, "length"},
		{Request{Prompt: "a", Template: "_"}, "not both"},
		{Request{Template: "ab__", Length: 3}, "template"},
		{Request{Prompt: "a very long prompt indeed"}, "prompt"},
		{Request{Template: "___________________"}, "longer than the model's"},
		{Request{Template: "no blanks"}, "needs at least one _"},
		{Request{Prompt: "日本語 😀"}, "no character the model reads"},
	}
	for _, c := range cases {
		_, err := NewEngine(nil).Generate(1, m, c.req, Hooks{})
		require.ErrorContains(t, err, c.want, "%+v", c.req)
	}
}

func TestModelsThatDoNotFitAreRefused(t *testing.T) {
	mdlm := ckpt.DefaultProcess()
	mdlm.Family = ckpt.FamilyMDLM
	cfg, _ := checkpointBytes(t, tinyModel, mdlm)
	_, err := CheckConfig(cfg)
	require.ErrorContains(t, err, "MDLM")
	ar := ckpt.DefaultProcess()
	ar.Family = ckpt.FamilyAR
	causal := tinyModel
	causal.Causal = true
	cfg, _ = checkpointBytes(t, causal, ar)
	_, err = CheckConfig(cfg)
	require.ErrorContains(t, err, "autoregressive (AR) baseline")

	big := ckpt.Config{Format: ckpt.FormatVersion, Model: model.Config{Vocab: 27, Length: 256, Hidden: 4096, Heads: 32, Blocks: 48, Cond: 128},
		Process: ckpt.DefaultProcess(), DType: ckpt.DTypeF32}
	require.ErrorContains(t, fits(big), "parameters")

	good, w := checkpointBytes(t, tinyModel, ckpt.DefaultProcess())
	info, err := CheckConfig(good)
	require.NoError(t, err)
	require.Equal(t, tinyModel.NumParams(), info.Params)
	_, err = LoadModel(good, w[:len(w)-4])
	require.Error(t, err)
}

func TestStepsReportTheTimeReachedEndingAtOne(t *testing.T) {
	m := loadTiny(t)
	for _, steps := range []int{1, 8, 64} {
		var times []float64
		_, err := NewEngine(nil).Generate(1, m, Request{Steps: steps, Length: 4}, Hooks{Step: func(ev *StepEvent) { times = append(times, ev.T) }})
		require.NoError(t, err)
		require.Len(t, times, steps)
		require.InDelta(t, 1/float64(steps), times[0], 1e-12)
		require.Equal(t, 1.0, times[steps-1], "the last step shows the decoded state, t = 1")
	}
}

func TestPreviewShowsWhatWillRun(t *testing.T) {
	m := loadTiny(t)
	cases := []struct {
		req          Request
		hold         string
		length       int
		changes, not string
	}{
		{Request{Prompt: "to be"}, "to be", 16, "", ""},
		{Request{Prompt: "To  be"}, "to be", 16, "capitals lowered", "alphabet"},
		{Request{Prompt: "café au lait"}, "caf au lait", 16, "read as spaces or dropped: “é”", "capitals"},
		{Request{Prompt: "a 日本 😀 b\r\n"}, "a b ", 16, "“日” “本” “😀” line breaks", ""},
		{Request{Prompt: "2b"}, "two b", 16, "digits spelt out", ""},
		{Request{Template: "the _ of __", Length: 11}, "the _ of __", 11, "", ""},
		{Request{Template: "Le _é_"}, "le _ _", 6, "capitals lowered", ""},
	}
	for _, c := range cases {
		pv, err := m.Preview(c.req)
		require.NoError(t, err, "%+v", c.req)
		require.Equal(t, c.hold, pv.Hold, "%+v", c.req)
		require.Equal(t, c.length, pv.Length, "%+v", c.req)
		all := strings.Join(pv.Changes, "; ")
		if c.changes == "" && c.not == "" {
			require.Empty(t, pv.Changes, "%+v", c.req)
		}
		require.Contains(t, all, c.changes, "%+v", c.req)
		if c.not != "" {
			require.NotContains(t, all, c.not, "%+v", c.req)
		}
	}
	// Preview refuses what Generate refuses, with the same message.
	for _, req := range []Request{{Steps: maxSteps + 1}, {Template: "no blanks here"}, {Prompt: "日本語"}, {Length: 17}} {
		_, perr := m.Preview(req)
		_, gerr := NewEngine(nil).Generate(1, m, req, Hooks{})
		require.Error(t, perr, "%+v", req)
		require.EqualError(t, gerr, perr.Error())
	}
}

// softwareGPU is a device on a software adapter, walked by the CPU sampler.
func softwareGPU(p *model.Params[float32], cfg walk.Config) (*generate.Device, error) {
	net, err := model.NewInference(p, cfg.Batch, cfg.Length)
	if err != nil {
		return nil, err
	}
	w, err := sampler.New(net, cfg)
	if err != nil {
		return nil, err
	}
	return &generate.Device{Walker: w, Adapter: gpu.AdapterInfo{Name: "Google SwiftShader", Fallback: true}}, nil
}

// A request that names no backend runs on any device, as the page always
// has; auto leaves a software adapter for the CPU and says why; cpu and
// webgpu are taken at their word. The text is the same on each.
func TestRequestsChooseTheirBackend(t *testing.T) {
	m := loadTiny(t)
	e := NewEngine(softwareGPU)
	req := Request{Steps: 3, Samples: 2, Seed: 4}
	want, err := NewEngine(nil).Generate(1, m, req, Hooks{})
	require.NoError(t, err)
	for _, c := range []struct {
		backend generate.Choice
		want    Backend
	}{
		{"", Backend{Name: "Google SwiftShader (software)", GPU: true}},
		{generate.Auto, Backend{Name: CPUBackendName, Reason: "the WebGPU adapter here (Google SwiftShader) is a software one, slower than the CPU"}},
		{generate.WebGPU, Backend{Name: "Google SwiftShader (software)", GPU: true}},
		{generate.CPU, Backend{Name: CPUBackendName}},
	} {
		req.Backend = c.backend
		res, err := e.Generate(1, m, req, Hooks{})
		require.NoError(t, err, c.backend)
		require.Equal(t, c.want, res.Backend, c.backend)
		require.Equal(t, want.Texts, res.Texts, c.backend)
	}
	// A lost device under auto moves to the CPU once, as without a name;
	// an explicit webgpu reports the loss.
	lost := &failingGPU{}
	failing := func(_ *model.Params[float32], cfg walk.Config) (*generate.Device, error) {
		w, err := sampler.New(lost, cfg)
		return &generate.Device{Walker: w, Adapter: gpu.AdapterInfo{Name: "Fake GPU"}}, err
	}
	res, err := NewEngine(failing).Generate(1, m, Request{Steps: 3, Samples: 2, Seed: 4, Backend: generate.Auto}, Hooks{})
	require.NoError(t, err)
	require.Contains(t, res.Backend.Reason, "device lost")
	require.Equal(t, want.Texts, res.Texts)
	_, err = NewEngine(failing).Generate(1, m, Request{Steps: 3, Samples: 2, Seed: 4, Backend: generate.WebGPU}, Hooks{})
	require.ErrorContains(t, err, "device lost")
}

// A change of steps keeps the device (its network, weights and kernels):
// the engine opens it once.
func TestNewStepsKeepTheDevice(t *testing.T) {
	m := loadTiny(t)
	opened := 0
	e := NewEngine(func(p *model.Params[float32], cfg walk.Config) (*generate.Device, error) {
		opened++
		d, err := softwareGPU(p, cfg)
		if err == nil {
			d.Rewalk = func(cfg walk.Config) (walk.Walker, error) {
				net, err := model.NewInference(p, cfg.Batch, cfg.Length)
				if err != nil {
					return nil, err
				}
				return sampler.New(net, cfg)
			}
		}
		return d, err
	})
	for _, steps := range []int{3, 5, 3} {
		req := Request{Steps: steps, Samples: 2, Seed: 4, Prompt: "to"}
		res, err := e.Generate(1, m, req, Hooks{})
		require.NoError(t, err)
		require.True(t, res.Backend.GPU)
		want, err := NewEngine(nil).Generate(1, m, req, Hooks{})
		require.NoError(t, err)
		require.Equal(t, want.Texts, res.Texts, "%d steps", steps)
	}
	require.Equal(t, 1, opened)
}
