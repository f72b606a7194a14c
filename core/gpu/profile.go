package gpu

import (
	"time"
)

// KernelTime is the device time of one kernel over a forward pass: all its
// dispatches of one pass, averaged over repetitions.
type KernelTime struct {
	Name       string
	Dispatches int
	PerPass    time.Duration
}

// Profile times each kernel of the forward pass on its own: for each kernel
// name, reps streams holding only that kernel's dispatches, waited for by a
// 4-byte read-back. Wall-clock on the host, so it includes submission cost;
// for the record on emulated adapters, roughly right on real GPUs.
func (e *Engine) Profile(reps int) ([]KernelTime, error) {
	var order []string
	byName := map[string][]op{}
	for _, o := range e.forward {
		if byName[o.name] == nil {
			order = append(order, o.name)
		}
		byName[o.name] = append(byName[o.name], o)
	}
	sync := make([]byte, 4)
	var out []KernelTime
	for _, name := range order {
		ops := byName[name]
		if err := e.d.Read(e.none, 0, sync); err != nil {
			return nil, err
		}
		start := time.Now()
		for r := 0; r < reps; r++ {
			e.d.BeginStream()
			e.run(ops)
			if err := e.d.Submit(); err != nil {
				return nil, err
			}
		}
		if err := e.d.Read(e.none, 0, sync); err != nil {
			return nil, err
		}
		out = append(out, KernelTime{Name: name, Dispatches: len(ops), PerPass: time.Since(start) / time.Duration(reps)})
	}
	return out, nil
}
