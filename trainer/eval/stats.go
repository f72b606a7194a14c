package eval

import "math"

// summarize turns the sums of Run into the reported figures. seqSum[i] is
// sequence i's NELBO summed over the seeds, repSum[r] seed r's NELBO summed
// over the sequences. Undefined standard errors (one sequence, one seed) are
// NaN rather than 0: a missing error bar must not read as a perfect one.
func summarize(seqSum, repSum []float64, length int) Result {
	n, seeds := len(seqSum), len(repSum)
	toBPC := 1 / (float64(length) * math.Ln2)
	perSeq := make([]float64, n)
	for i, s := range seqSum {
		perSeq[i] = s / float64(seeds)
	}
	perRep := make([]float64, seeds)
	for r, s := range repSum {
		perRep[r] = s / float64(n)
	}
	mean := meanOf(perSeq)
	res := Result{
		NELBO:       mean,
		BPC:         mean * toBPC,
		StdErr:      stdErr(perSeq) * toBPC,
		StdErrSeeds: stdErr(perRep) * toBPC,
		SeedBPC:     make([]float64, seeds),
		Sequences:   n,
		Seeds:       seeds,
		Length:      length,
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
