package process

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
)

func TestStartPoint(t *testing.T) {
	x := make([]float64, 28)
	require.NoError(t, StartPoint(x, StartMasked))
	for i, v := range x {
		want := 0.0
		if i == 27 {
			want = 1
		}
		require.Equal(t, want, v, "mask vertex is the last coordinate")
	}
	require.NoError(t, StartPoint(x, StartUniform))
	for _, v := range x {
		require.InDelta(t, 0.1889822365, v, 1e-10, "uniform point includes the mask coordinate")
	}
	require.Error(t, StartPoint(x, Start(7)))
	require.ErrorContains(t, StartPoint(make([]float64, 1), StartMasked), "V >= 2")
}

func TestMixtureStep(t *testing.T) {
	m, err := StepMixture(0.35)
	require.NoError(t, err)
	require.Equal(t, StartUniform, m.StartFor(0.3499, 0.999999))
	require.Equal(t, StartUniform, m.StartFor(0, 0.999999))
	require.Equal(t, StartMasked, m.StartFor(0.35, 1e-9))
	require.Equal(t, StartMasked, m.StartFor(0.9, 1e-9))
	require.Equal(t, StartUniform, m.GenerationStart())

	pure, err := StepMixture(0)
	require.NoError(t, err)
	require.Equal(t, StartMasked, pure.StartFor(0, 1e-9), "step_thr 0 is pure masked, even at t = 0")
	require.Equal(t, StartMasked, pure.GenerationStart())

	_, err = StepMixture(1.5)
	require.ErrorContains(t, err, "threshold")
}

// A mixture kind is written and read as the reference's mix_type name.
func TestMixKindAsText(t *testing.T) {
	for k, name := range map[MixKind]string{MixStep: "step", MixLinear: "linear", MixSqrt: "sqrt"} {
		b, err := json.Marshal(k)
		require.NoError(t, err)
		require.Equal(t, `"`+name+`"`, string(b))
		var back MixKind
		require.NoError(t, json.Unmarshal([]byte(`"`+strings.ToUpper(name)+`"`), &back))
		require.Equal(t, k, back)
	}
	var k MixKind
	require.ErrorContains(t, k.UnmarshalText([]byte("cosine")), "cosine")
	_, err := MixKind(7).MarshalText()
	require.Error(t, err)
}

// The linear and sqrt mixtures start at u with probability 1-t and 1-sqrt(t);
// the empirical frequency must match within 4 standard errors.
func TestMixtureRandomKinds(t *testing.T) {
	for _, name := range []string{"linear", "sqrt"} {
		var m Mixture
		require.NoError(t, m.Kind.UnmarshalText([]byte(name)))
		require.NoError(t, m.Validate())
		require.Equal(t, StartUniform, m.GenerationStart())
		for _, tt := range []float64{0.1, 0.5, 0.9} {
			p := 1 - tt
			if name == "sqrt" {
				p = 1 - math.Sqrt(tt)
			}
			require.InDelta(t, p, m.UniformProb(tt), 1e-15)
			const n = 40000
			s := rng.NewStream(3, uint64(tt*1000))
			count := 0
			for i := 0; i < n; i++ {
				if m.StartFor(tt, s.Float64()) == StartUniform {
					count++
				}
			}
			se := math.Sqrt(p * (1 - p) / n)
			require.InDelta(t, p, float64(count)/n, 4*se, "%s at t=%v", name, tt)
		}
	}
}

func TestParseStart(t *testing.T) {
	for _, s := range []Start{StartMasked, StartUniform} {
		got, err := ParseStart(s.String())
		require.NoError(t, err)
		require.Equal(t, s, got)
	}
	_, err := ParseStart("diagonal")
	require.ErrorContains(t, err, "diagonal")
}
