package eval

import (
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/stretchr/testify/require"
)

func TestBadOptionsAreRejected(t *testing.T) {
	for _, c := range []struct {
		opt  Options
		want string
	}{
		{Options{Family: "gpt"}, `unknown model family "gpt"`},
		{Options{Seeds: -1}, "seeds must be >= 1"},
		{Options{Batch: -2}, "batch must be >= 1"},
		{Options{MaxSequences: -1}, "max sequences must be >= 0"},
		{Options{BridgeSteps: -5}, "bridge steps must be >= 1"},
		{Options{Workers: -1}, "workers must be >= 0"},
	} {
		_, err := NewWithDenoiser(uniformNet{}, testK, 8, testProcess(), c.opt)
		require.ErrorContains(t, err, c.want)
		require.Equal(t, "invalid", c.opt.Estimator())
	}
	require.Equal(t, "simulated-bridge-500", Options{}.Estimator())
	require.Equal(t, "simulated-bridge-64", Options{BridgeSteps: 64}.Estimator())
}

func TestBadInputsAreRejected(t *testing.T) {
	proc := testProcess()
	proc.StepThr = 1.5
	_, err := NewWithDenoiser(uniformNet{}, testK, 8, proc, Options{})
	require.ErrorContains(t, err, "step_thr")
	_, err = NewWithDenoiser(nil, testK, 8, testProcess(), Options{})
	require.ErrorContains(t, err, "nil network")
	_, err = New(nil, testProcess(), 8, Options{})
	require.ErrorContains(t, err, "nil parameters")

	e, err := NewWithDenoiser(uniformNet{}, testK, 8, testProcess(), Options{BridgeSteps: 5})
	require.NoError(t, err)
	_, err = e.Run(randomSeqs(3, 9, 1))
	require.ErrorContains(t, err, "sequences of 9 tokens, the evaluator was built for 8")
	_, err = e.Run(memSeqs{l: 8})
	require.ErrorContains(t, err, "no sequences")
	_, err = e.Run(nil)
	require.ErrorContains(t, err, "no sequences")

	// A corpus with more tokens than the model: named by sequence and position.
	seqs := randomSeqs(3, 8, 1)
	seqs.ids[2][5] = testK
	_, err = e.Run(seqs)
	require.ErrorContains(t, err, "sequence 2 position 5 holds token 27, outside the model's vocabulary of 27 tokens")
}

// The reported error bars follow their definitions, and an undefined one is
// NaN, never a reassuring 0.
func TestSummarizeStatistics(t *testing.T) {
	// Three sequences, two seeds, one time each: per-sequence means 2, 4, 6
	// nats (seed 0: 1.5, 3.5, 5.5; seed 1: 2.5, 4.5, 6.5); seed means 3.5, 4.5.
	acc := newAccumulator(3, 2, 1)
	for i, v := range []float64{1.5, 3.5, 5.5} {
		acc.add(0, i, v)
		acc.add(1, i, v+1)
	}
	res := acc.summarize(2)
	toBPC := 1 / (2 * math.Ln2)
	require.InEpsilon(t, 4*toBPC, res.BPC, 1e-12)
	require.InEpsilon(t, 4.0, res.NELBO, 1e-12)
	require.InEpsilon(t, 2/math.Sqrt(3)*toBPC, res.StdErr, 1e-12) // sd(2,4,6) = 2
	require.InEpsilon(t, 0.5*toBPC, res.StdErrSeeds, 1e-12)       // sd(3.5,4.5) = 0.707, / sqrt 2
	require.InDeltaSlice(t, []float64{3.5 * toBPC, 4.5 * toBPC}, res.SeedBPC, 1e-12)
	require.Equal(t, 3, res.Sequences)
	require.Equal(t, 2, res.Seeds)
	require.True(t, math.IsNaN(res.StdErrMC), "one time per sequence: no within-sequence spread")

	one := newAccumulator(1, 1, 1)
	one.add(0, 0, 5)
	r1 := one.summarize(2)
	require.True(t, math.IsNaN(r1.StdErr))
	require.True(t, math.IsNaN(r1.StdErrSeeds))
	require.InEpsilon(t, 5*toBPC, r1.BPC, 1e-12)

	// Two sequences, one seed, two times each: rows (1, 3) and (2, 6).
	// Estimates 2 and 4; collapsed-strata variances of the mean
	// (1-3)^2/2^2 = 1 and (2-6)^2/2^2 = 4; the overall mean's (1+4)/2^2.
	mc := newAccumulator(2, 1, 2)
	mc.add(0, 0, 1)
	mc.add(0, 0, 3)
	mc.add(0, 1, 2)
	mc.add(0, 1, 6)
	r2 := mc.summarize(2)
	require.InEpsilon(t, 3*toBPC, r2.BPC, 1e-12)
	require.InEpsilon(t, math.Sqrt(5.0/4)*toBPC, r2.StdErrMC, 1e-12)
	require.Equal(t, 2, r2.Times)
}

// The family is the model's: asked for the other one, the evaluator refuses.
func TestFamilyComesFromTheModel(t *testing.T) {
	for _, c := range []struct {
		proc          ckpt.Process
		asked, family string
	}{
		{testProcess(), "", FamilyRDLM},
		{testProcess(), FamilyRDLM, FamilyRDLM},
		{mdlmProcess(), "", FamilyMDLM},
		{mdlmProcess(), FamilyMDLM, FamilyMDLM},
	} {
		e, err := NewWithDenoiser(uniformNet{}, testK, 8, c.proc, Options{Family: c.asked})
		require.NoError(t, err)
		require.Equal(t, c.family, e.Options().Family)
	}
	_, err := NewWithDenoiser(uniformNet{}, testK, 8, testProcess(), Options{Family: FamilyMDLM})
	require.ErrorContains(t, err, `the model is of family "rdlm"; it cannot be evaluated as "mdlm"`)
	_, err = NewWithDenoiser(uniformNet{}, testK, 8, mdlmProcess(), Options{Family: FamilyRDLM})
	require.ErrorContains(t, err, `the model is of family "mdlm"`)
}

// Paired differences: per sequence, a - b in bits per token, with the
// standard error of their mean; lists that do not pair are refused.
func TestPairedDifference(t *testing.T) {
	toBPC := 1 / (2 * math.Ln2)
	a := Result{Length: 2, SequenceNELBO: []float64{3, 5, 10}}
	b := Result{Length: 2, SequenceNELBO: []float64{2, 5, 7}} // differences 1, 0, 3: mean 4/3, sd 1.5275
	d, se, err := Paired(a, b)
	require.NoError(t, err)
	require.InEpsilon(t, 4.0/3*toBPC, d, 1e-12)
	require.InEpsilon(t, math.Sqrt(7.0/3)/math.Sqrt(3)*toBPC, se, 1e-12)
	_, _, err = Paired(a, Result{Length: 2, SequenceNELBO: []float64{1}})
	require.ErrorContains(t, err, "cannot pair")
}
