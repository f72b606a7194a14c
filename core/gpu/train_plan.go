package gpu

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/model"
)

// TrainPlan is how a training run fits an adapter.
type TrainPlan struct {
	MicroBatch int    // sequences per forward and backward pass
	Passes     int    // passes per optimiser step (gradient accumulation)
	Bytes      uint64 // device memory of all the engine's buffers
	Largest    string // the largest buffer, for messages
}

// fit checks the engine's buffers and dispatches against the adapter's
// limits and returns their total size. WebGPU does not say how much memory
// a device has; the limits it does state are per buffer and per dispatch.
func (e *TrainEngine) fit(a AdapterInfo) (uint64, error) {
	var total, largest uint64
	var name string
	maxBuf := a.MaxBuffer
	if maxBuf == 0 {
		maxBuf = a.MaxBinding
	}
	for _, b := range e.layout() {
		size := uint64(4 * max(b.n, 1))
		total += size
		if size > largest {
			largest, name = size, b.label
		}
	}
	if largest > a.MaxBinding || largest > maxBuf {
		return total, fmt.Errorf("gpu: micro-batch %d: buffer %s needs %d bytes, above the adapter's %d-byte storage binding (and %d-byte buffer) limit: take fewer sequences per pass",
			e.mb, name, largest, a.MaxBinding, maxBuf)
	}
	perDim := uint64(a.MaxWGPerDim)
	if perDim == 0 {
		perDim = 65535
	}
	N := e.mb * e.tc.Length
	if uint64((N+63)/64) > perDim || uint64(e.mb*e.cfg.Heads) > perDim {
		return total, fmt.Errorf("gpu: micro-batch %d: %d rows or %d attention heads per pass exceed the adapter's %d workgroups per dimension: take fewer sequences per pass",
			e.mb, N, e.mb*e.cfg.Heads, perDim)
	}
	return total, nil
}

// PlanTraining picks how a run of c trains on an adapter: with
// tc.MicroBatch set, it checks that micro-batch; otherwise it takes the
// largest divisor of tc.Batch whose buffers each fit the adapter's storage
// binding and buffer size, whose dispatches fit its workgroup counts, and
// whose buffers together fit budget bytes (0: no total bound, as WebGPU
// does not report a device's memory). The step then accumulates the
// gradients of Batch/MicroBatch passes: the same step in other rounding.
func PlanTraining(a AdapterInfo, c model.Config, tc TrainConfig, budget uint64) (TrainPlan, error) {
	if err := c.Validate(); err != nil {
		return TrainPlan{}, err
	}
	if err := tc.Validate(); err != nil {
		return TrainPlan{}, err
	}
	if err := checkAttention(c, a); err != nil {
		return TrainPlan{}, err
	}
	try := func(mb int) (TrainPlan, error) {
		t := tc
		t.MicroBatch = mb
		e := &TrainEngine{cfg: c, tc: t, mb: mb, at: map[string]tensorAt{}}
		if err := e.planSegments(c, a.MaxBinding); err != nil {
			return TrainPlan{}, err
		}
		total, err := e.fit(a)
		if err != nil {
			return TrainPlan{}, err
		}
		if budget > 0 && total > budget {
			return TrainPlan{}, fmt.Errorf("gpu: micro-batch %d needs %d MiB of device memory, above the budget of %d MiB: take fewer sequences per pass or allow more memory",
				mb, total>>20, budget>>20)
		}
		_, name := e.largest()
		return TrainPlan{MicroBatch: mb, Passes: tc.Batch / mb, Bytes: total, Largest: name}, nil
	}
	if tc.MicroBatch > 0 {
		return try(tc.MicroBatch)
	}
	for mb := tc.Batch; mb >= 1; mb-- {
		if tc.Batch%mb == 0 {
			if p, err := try(mb); err == nil {
				return p, nil
			}
		}
	}
	_, err := try(1)
	return TrainPlan{}, fmt.Errorf("gpu: the model (%d blocks of width %d, %d positions) does not fit %q even at one sequence per pass: %w",
		c.Blocks, c.Hidden, tc.Length, a.Name, err)
}

// largest is the largest buffer of the layout.
func (e *TrainEngine) largest() (uint64, string) {
	var size uint64
	var name string
	for _, b := range e.layout() {
		if s := uint64(4 * max(b.n, 1)); s > size {
			size, name = s, b.label
		}
	}
	return size, name
}
