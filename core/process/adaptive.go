package process

import (
	"fmt"
	"math"
)

// AdaptiveTimes is a training-time proposal that learns where the loss
// lives. Times are drawn from a piecewise-constant density on fixed bins of
// [0, T] (T = 1-TrainEps), bin b holding a share of the draws proportional
// to its width times the root mean square of a statistic observed there
// (the per-sequence NELBO integrand), mixed with a uniform floor so that no
// bin ever starves. Proportional-to-RMS is the proposal that minimises the
// variance of an importance estimate of the time integral (the argument
// behind learned importance distributions of continuous-time diffusion
// models); the RDLM integrand grows by orders of magnitude as t -> 1, so the
// bins refine there, evenly in log(1-t).
//
// A draw's weight is 1/(T q(t)), which keeps E[weight f(t)] equal to the
// uniform sampler's E[f(t)] for every f: the proposal changes which times
// train, never what the objective is in expectation.
//
// The proposal only moves when Observe and Refresh are called, so a batch's
// times all come from one density, and the state (Stats) is plain numbers
// that a checkpoint stores for an exact resume. Not safe for concurrent use.
type AdaptiveTimes struct {
	edges []float64 // (nb+1) bin edges, 0 .. T
	m2    []float64 // (nb) running mean of the statistic squared
	seen  []uint64  // (nb) observations per bin
	cum   []float64 // (nb+1) cumulative draw share, cum[nb] = 1
	decay float64   // per-observation forgetting of m2 once a bin has 1/(1-decay) observations
	floor float64   // share of the draws spread uniformly
}

// AdaptiveDefaults: the uniform share, the per-visit memory of the running
// mean, and the bins (0.05 wide up to 0.9, then halving or so of 1-t per bin
// down to TrainEps).
const (
	AdaptiveFloor = 0.1
	AdaptiveDecay = 0.99
)

// AdaptiveEdges are the default bin edges.
func AdaptiveEdges() []float64 {
	var e []float64
	for i := 0; i <= 18; i++ { // 0, 0.05, ..., 0.9
		e = append(e, float64(i)*0.05)
	}
	for _, gap := range []float64{0.05, 0.02, 0.01, 5e-3, 2e-3, 1e-3, 5e-4, 2e-4} {
		e = append(e, 1-gap)
	}
	return append(e, 1-TrainEps)
}

// AdaptiveStats is the learnt part of the proposal, as a checkpoint stores it.
type AdaptiveStats struct {
	M2   []float64 `json:"m2"`   // per bin: running mean of the statistic squared
	Seen []uint64  `json:"seen"` // per bin: observations
}

// NewAdaptiveTimes builds a proposal on edges (increasing, from 0 to
// 1-TrainEps) that starts uniform.
func NewAdaptiveTimes(edges []float64, floor, decay float64) (*AdaptiveTimes, error) {
	nb := len(edges) - 1
	if nb < 1 {
		return nil, fmt.Errorf("process: adaptive times need at least one bin, got %d edges", len(edges))
	}
	if edges[0] != 0 || math.Abs(edges[nb]-(1-TrainEps)) > 1e-12 {
		return nil, fmt.Errorf("process: adaptive bins must span [0, %v], got [%v, %v]", 1-TrainEps, edges[0], edges[nb])
	}
	for i := 1; i <= nb; i++ {
		if !(edges[i] > edges[i-1]) {
			return nil, fmt.Errorf("process: adaptive bin edges must increase, got %v then %v", edges[i-1], edges[i])
		}
	}
	if !(floor > 0 && floor <= 1) {
		return nil, fmt.Errorf("process: adaptive floor %v must lie in (0, 1]", floor)
	}
	if !(decay >= 0 && decay < 1) {
		return nil, fmt.Errorf("process: adaptive decay %v must lie in [0, 1)", decay)
	}
	a := &AdaptiveTimes{edges: append([]float64(nil), edges...), m2: make([]float64, nb),
		seen: make([]uint64, nb), cum: make([]float64, nb+1), decay: decay, floor: floor}
	a.Refresh()
	return a, nil
}

// Bins is the number of bins.
func (a *AdaptiveTimes) Bins() int { return len(a.m2) }

func (a *AdaptiveTimes) width(b int) float64 { return a.edges[b+1] - a.edges[b] }

// bin is the bin holding t (the last one for t at or above the top edge).
func (a *AdaptiveTimes) bin(t float64) int {
	lo, hi := 0, len(a.m2)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t >= a.edges[mid] {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// Sample draws t from the proposal by inverting its piecewise-linear CDF.
func (a *AdaptiveTimes) Sample(u float64) (t, weight float64) {
	nb := len(a.m2)
	b := 0
	for b < nb-1 && u >= a.cum[b+1] {
		b++
	}
	share := a.cum[b+1] - a.cum[b]
	frac := (u - a.cum[b]) / share
	t = a.edges[b] + min(max(frac, 0), 1)*a.width(b)
	t = min(t, a.edges[nb]) // rounding must not leave [0, T]
	return t, a.weightIn(b)
}

// Density is q(t) on [0, T], a probability density.
func (a *AdaptiveTimes) Density(t float64) float64 {
	b := a.bin(t)
	return (a.cum[b+1] - a.cum[b]) / a.width(b)
}

// weightIn is 1/(T q) in bin b.
func (a *AdaptiveTimes) weightIn(b int) float64 {
	return a.width(b) / ((1 - TrainEps) * (a.cum[b+1] - a.cum[b]))
}

// Observe records the statistic f seen at time t (non-finite values are
// ignored: a diverging step must not poison the proposal). It takes effect
// at the next Refresh.
func (a *AdaptiveTimes) Observe(t, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.IsNaN(t) {
		return
	}
	b := a.bin(t)
	a.seen[b]++
	// A running mean until the bin has seen 1/(1-decay) values, an
	// exponential one after: early estimates are not stuck at their start.
	rate := max(1-a.decay, 1/float64(a.seen[b]))
	a.m2[b] += rate * (f*f - a.m2[b])
}

// Refresh recomputes the draw shares from the statistics. Bins never
// observed borrow the largest RMS seen anywhere, so that they are explored
// rather than ignored; before any observation the proposal is uniform.
func (a *AdaptiveTimes) Refresh() {
	nb := len(a.m2)
	top := 0.0
	for b := range nb {
		if a.seen[b] > 0 {
			top = max(top, math.Sqrt(a.m2[b]))
		}
	}
	var total float64
	for b := range nb {
		r := top
		if a.seen[b] > 0 {
			r = math.Sqrt(a.m2[b])
		}
		a.cum[b+1] = a.width(b) * r
		total += a.cum[b+1]
	}
	span := a.edges[nb]
	acc := 0.0
	for b := range nb {
		share := a.floor * a.width(b) / span
		if total > 0 {
			share += (1 - a.floor) * a.cum[b+1] / total
		} else {
			share += (1 - a.floor) * a.width(b) / span
		}
		acc += share
		a.cum[b+1] = acc
	}
	for b := 1; b <= nb; b++ {
		a.cum[b] /= acc
	}
	a.cum[0], a.cum[nb] = 0, 1
}

// Stats returns a copy of the learnt statistics.
func (a *AdaptiveTimes) Stats() AdaptiveStats {
	return AdaptiveStats{M2: append([]float64(nil), a.m2...), Seen: append([]uint64(nil), a.seen...)}
}

// SetStats restores statistics saved by Stats and refreshes the proposal.
func (a *AdaptiveTimes) SetStats(s AdaptiveStats) error {
	if len(s.M2) != len(a.m2) || len(s.Seen) != len(a.seen) {
		return fmt.Errorf("process: adaptive statistics for %d and %d bins, the proposal has %d", len(s.M2), len(s.Seen), len(a.m2))
	}
	for b, v := range s.M2 {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("process: adaptive statistic %v of bin %d must be finite and >= 0", v, b)
		}
	}
	copy(a.m2, s.M2)
	copy(a.seen, s.Seen)
	a.Refresh()
	return nil
}

// Shares returns each bin's edges and share of the draws, for reports.
func (a *AdaptiveTimes) Shares() (edges, shares []float64) {
	shares = make([]float64, len(a.m2))
	for b := range shares {
		shares[b] = a.cum[b+1] - a.cum[b]
	}
	return append([]float64(nil), a.edges...), shares
}
