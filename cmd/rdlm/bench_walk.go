package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/walk"
)

// benchWalk is the walk figure (`rdlm bench --walk`): one whole geodesic
// random walk of a model on the CPU, network and sampler (what `rdlm sample
// --backend cpu` runs per batch, without decoding to text), the median over
// reps after one warm-up walk. cmd/rdlm-peer/torch_walk.py prints the same
// line for its PyTorch walk.
type benchWalk struct {
	Bench   string  `json:"bench"` // "walk"
	Model   string  `json:"model"`
	Batch   int     `json:"batch"`
	Length  int     `json:"length"`
	Steps   int     `json:"steps"`
	MS      float64 `json:"ms"` // median time of one walk
	MSMin   float64 `json:"ms_min"`
	Reps    int     `json:"reps"`
	Kernels string  `json:"kernels"`
	Threads int     `json:"threads"`
}

// maxBenchWalkBatch bounds --walk-batch before anything is allocated (the
// network's own limit, model.Config.CheckNet, bounds its buffers too).
const maxBenchWalkBatch = 4096

func benchWalkRun(name string, batch, length, steps, reps int) (benchWalk, error) {
	switch {
	case batch < 1 || batch > maxBenchWalkBatch:
		return benchWalk{}, fmt.Errorf("--walk-batch must lie in [1, %d], got %d", maxBenchWalkBatch, batch)
	case steps < 1 || steps > walk.MaxSteps:
		return benchWalk{}, fmt.Errorf("--walk-steps must lie in [1, %d], got %d", walk.MaxSteps, steps)
	case length < 0:
		return benchWalk{}, fmt.Errorf("--walk-length must be >= 0 (0: the model's), got %d", length)
	}
	c, name, err := loadModel(name)
	if err != nil {
		return benchWalk{}, err
	}
	mc := c.Config.Model
	if length == 0 {
		length = mc.Length
	}
	if length > mc.Length {
		return benchWalk{}, fmt.Errorf("--walk-length %d is longer than the model's %d positions", length, mc.Length)
	}
	if c.Config.Process.IsAR() || c.Config.Process.IsMDLM() {
		return benchWalk{}, fmt.Errorf("model %s is a baseline; --walk times the geodesic random walk of an RDLM model", name)
	}
	sched, mix, err := c.Config.Process.Walk()
	if err != nil {
		return benchWalk{}, err
	}
	net, err := model.NewInference(c.Params, batch, length)
	if err != nil {
		return benchWalk{}, err
	}
	net.PackWeights() // as rdlm sample's runner does (core/generate)
	s, err := sampler.New(net, walk.Config{Batch: batch, Length: length, Vocab: mc.Vocab, Steps: steps, Schedule: sched, Mixture: mix})
	if err != nil {
		return benchWalk{}, err
	}
	dst := make([]int, batch*length)
	if err := s.Sample(dst, 1, 0, batch); err != nil { // warm-up: first touch of every buffer
		return benchWalk{}, err
	}
	times := make([]float64, reps)
	for r := range times {
		t0 := time.Now()
		if err := s.Sample(dst, 1, 0, batch); err != nil {
			return benchWalk{}, err
		}
		times[r] = time.Since(t0).Seconds()
	}
	med := benchMedian(times)
	return benchWalk{Bench: "walk", Model: name, Batch: batch, Length: length, Steps: steps,
		MS: med * 1e3, MSMin: slices.Min(times) * 1e3, Reps: reps, Kernels: cpu.KernelName(), Threads: cpu.Threads()}, nil
}
