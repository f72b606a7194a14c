package eval

import (
	"fmt"
	"math"
	"sort"
)

// accumulator gathers the weighted row estimates of a run, which arrive in
// order of their time index j = 0..n-1 for each (repetition, sequence):
// sum[rep][seq] sums a sequence's n row estimates in one repetition, and
// sq[rep][seq] the squared differences of neighbouring strata's estimates,
// (y_0 - y_1)^2 + (y_2 - y_3)^2 + ...
type accumulator struct {
	n, seeds, times int
	sum, sq         [][]float64 // (seeds, sequences)
	count           [][]int     // (seeds, sequences) rows seen
	prev            [][]float64 // (seeds, sequences) the last even row's estimate
}

func newAccumulator(sequences, seeds, times int) *accumulator {
	a := &accumulator{n: sequences, seeds: seeds, times: times}
	for range seeds {
		a.sum = append(a.sum, make([]float64, sequences))
		a.sq = append(a.sq, make([]float64, sequences))
		a.count = append(a.count, make([]int, sequences))
		a.prev = append(a.prev, make([]float64, sequences))
	}
	return a
}

func (a *accumulator) add(rep, seq int, v float64) {
	a.sum[rep][seq] += v
	if a.count[rep][seq]%2 == 0 {
		a.prev[rep][seq] = v
	} else {
		d := v - a.prev[rep][seq]
		a.sq[rep][seq] += d * d
	}
	a.count[rep][seq]++
}

// summarize turns the sums into the reported figures. A sequence's estimate
// in a repetition is the mean of its n row estimates, one per stratum of
// the time proposal. Its Monte Carlo variance, (1/n^2) sum_j var(y_j), is
// estimated by collapsing neighbouring strata into pairs: (y_a - y_b)^2
// estimates var(y_a) + var(y_b) plus the squared difference of the two
// strata's means, so the estimate errs on the safe side, by little where
// the integrand changes slowly from one stratum to the next (an
// independent-draws formula would count the whole variation of the
// integrand over t, which stratification removes). It needs an even n; with
// an odd one the last stratum has no partner and is left out of the
// variance, which is then scaled up by n/(n-1). Undefined standard errors
// (one sequence, one seed, one time) are NaN rather than 0: a missing error
// bar must not read as a perfect one.
func (a *accumulator) summarize(length int) Result {
	n, seeds, nt := a.n, a.seeds, float64(a.times)
	toBPC := 1 / (float64(length) * math.Ln2)
	perSeq := make([]float64, n)
	perRep := make([]float64, seeds)
	var mcVar float64 // variance of the overall mean, Monte Carlo part
	for r := range seeds {
		for i := range n {
			est := a.sum[r][i] / nt
			perSeq[i] += est / float64(seeds)
			perRep[r] += est / float64(n)
			if a.times > 1 {
				paired := float64(a.times - a.times%2)
				mcVar += a.sq[r][i] / (nt * nt) * nt / paired
			}
		}
	}
	mcVar /= float64(seeds*seeds) * float64(n*n)
	mean := meanOf(perSeq)
	res := Result{
		NELBO:         mean,
		BPC:           mean * toBPC,
		StdErr:        stdErr(perSeq) * toBPC,
		StdErrSeeds:   stdErr(perRep) * toBPC,
		StdErrMC:      math.NaN(),
		SeedBPC:       make([]float64, seeds),
		Sequences:     n,
		Seeds:         seeds,
		Times:         a.times,
		Length:        length,
		SequenceNELBO: perSeq,
	}
	if a.times > 1 {
		res.StdErrMC = math.Sqrt(mcVar) * toBPC
	}
	sorted := append([]float64(nil), perSeq...)
	sort.Float64s(sorted)
	if n%2 == 1 {
		res.MedianBPC = sorted[n/2] * toBPC
	} else {
		res.MedianBPC = (sorted[n/2-1] + sorted[n/2]) / 2 * toBPC
	}
	for r, m := range perRep {
		res.SeedBPC[r] = m * toBPC
	}
	return res
}

func meanOf(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// stdErr is the standard error of the mean of x: the sample standard
// deviation (n-1 in the denominator) over sqrt(n); NaN for fewer than two.
func stdErr(x []float64) float64 {
	n := len(x)
	if n < 2 {
		return math.NaN()
	}
	m := meanOf(x)
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(n-1) / float64(n))
}

// Paired compares two evaluations of the same sequences: the mean of the
// per-sequence differences a - b in bits per token and its standard error.
// Hard sequences are hard for both models, so the difference is far
// tighter than the two figures' own error bars suggest.
func Paired(a, b Result) (diff, stdErrDiff float64, err error) {
	if len(a.SequenceNELBO) != len(b.SequenceNELBO) || a.Length != b.Length {
		return 0, 0, fmt.Errorf("eval: cannot pair %d sequences of %d tokens with %d of %d",
			len(a.SequenceNELBO), a.Length, len(b.SequenceNELBO), b.Length)
	}
	d := make([]float64, len(a.SequenceNELBO))
	toBPC := 1 / (float64(a.Length) * math.Ln2)
	for i := range d {
		d[i] = (a.SequenceNELBO[i] - b.SequenceNELBO[i]) * toBPC
	}
	return meanOf(d), stdErr(d), nil
}
