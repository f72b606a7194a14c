// Package process is the sphere diffusion of RDLM without the network
// (rdlm-math.md sections 3 to 8): the start points of the mixture path, the
// mean direction and simulation-free draw of x_t, the bridge and generative
// drifts, the geodesic random walk, an exact simulation of the bridge, the
// NELBO integrand, the training time samplers and the sampling grid and
// decoding.
//
// A position lives on S^{V-1} in R^V: K = V-1 token coordinates and the mask
// coordinate last (index V-1). The dimension is read from the length of the
// slices passed in. Functions are generic over float32 and float64 storage;
// scalar coefficients are computed in float64 (see package sphere).
//
// Randomness comes from an *rng.Stream supplied by the caller. The caller
// picks the stream id from what is drawn (sequence, position, particle), so
// results do not depend on how work is split across goroutines.
package process

import (
	"fmt"
	"math"
	"strings"

	"github.com/rdlm-go/rdlm/core/sphere"
)

// Start says where a bridge begins: the mask vertex e_m or the uniform point u.
type Start int

const (
	StartMasked  Start = iota // the mask vertex e_m = e_{V-1}
	StartUniform              // u = (1,...,1)/sqrt(V), mask coordinate included
)

func (s Start) String() string {
	switch s {
	case StartMasked:
		return "masked"
	case StartUniform:
		return "uniform"
	}
	return fmt.Sprintf("Start(%d)", int(s))
}

// ParseStart reads "masked" or "uniform".
func ParseStart(name string) (Start, error) {
	switch name {
	case "masked":
		return StartMasked, nil
	case "uniform":
		return StartUniform, nil
	}
	return 0, fmt.Errorf("unknown start %q (want masked or uniform)", name)
}

func (s Start) valid() error {
	if s != StartMasked && s != StartUniform {
		return fmt.Errorf("process: unknown start %d", int(s))
	}
	return nil
}

// StartPoint writes the start point of the given type into dst (length V).
func StartPoint[T sphere.Float](dst []T, start Start) error {
	if len(dst) < 2 {
		return fmt.Errorf("process: a position needs V >= 2 coordinates, got %d", len(dst))
	}
	switch start {
	case StartMasked:
		sphere.Vertex(dst, len(dst)-1)
	case StartUniform:
		sphere.Uniform(dst)
	default:
		return start.valid()
	}
	return nil
}

// MixKind is the rule that picks a training path's start from its time t.
// As text (JSON, flags) it is the reference's mix_type name: "step",
// "linear" or "sqrt".
type MixKind int

const (
	// MixStep starts at u when t < StepThr and at e_m otherwise (the
	// published setting; StepThr 0 is pure masked diffusion).
	MixStep MixKind = iota
	// MixLinear starts at u with probability 1 - t.
	MixLinear
	// MixSqrt starts at u with probability 1 - sqrt(t).
	MixSqrt
)

// Mixture is the mixture path of the reference (its LogBridge_Mixture): each
// sequence's bridge starts at u with probability UniformProb(t), at e_m
// otherwise. All positions of a sequence share the start.
type Mixture struct {
	Kind    MixKind
	StepThr float64 // used by MixStep only
}

var mixNames = [...]string{MixStep: "step", MixLinear: "linear", MixSqrt: "sqrt"}

func (k MixKind) String() string {
	if k >= 0 && int(k) < len(mixNames) {
		return mixNames[k]
	}
	return fmt.Sprintf("MixKind(%d)", int(k))
}

// MarshalText writes the kind's name.
func (k MixKind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(mixNames) {
		return nil, fmt.Errorf("process: unknown mixture kind %d", int(k))
	}
	return []byte(mixNames[k]), nil
}

// UnmarshalText reads a kind's name (in any case, as the reference's
// configs write it).
func (k *MixKind) UnmarshalText(b []byte) error {
	for i, name := range mixNames {
		if strings.EqualFold(string(b), name) {
			*k = MixKind(i)
			return nil
		}
	}
	return fmt.Errorf("process: unknown mixture type %q (want step, linear or sqrt)", b)
}

// StepMixture is the published mixture, the one every model records (its
// step_thr): paths for times below stepThr start at u, the others at e_m.
// A threshold outside [0, 1] is an error.
func StepMixture(stepThr float64) (Mixture, error) {
	m := Mixture{Kind: MixStep, StepThr: stepThr}
	return m, m.Validate()
}

// Validate reports a threshold outside [0, 1] or an unknown kind.
func (m Mixture) Validate() error {
	switch m.Kind {
	case MixStep:
		if !(m.StepThr >= 0 && m.StepThr <= 1) {
			return fmt.Errorf("process: step threshold %v outside [0, 1]", m.StepThr)
		}
	case MixLinear, MixSqrt:
	default:
		return fmt.Errorf("process: unknown mixture kind %d", int(m.Kind))
	}
	return nil
}

func (m Mixture) String() string {
	if m.Kind == MixStep {
		return fmt.Sprintf("step(%g)", m.StepThr)
	}
	return m.Kind.String()
}

// UniformProb is the probability that a path for time t starts at u.
func (m Mixture) UniformProb(t float64) float64 {
	switch m.Kind {
	case MixLinear:
		return 1 - t
	case MixSqrt:
		return 1 - math.Sqrt(t)
	default:
		if t < m.StepThr {
			return 1
		}
		return 0
	}
}

// StartFor picks the start of a path for time t from a uniform variate u in
// (0, 1): uniform when u < UniformProb(t). For MixStep the probability is 0 or
// 1, so the choice does not depend on u; callers still draw u, so that a
// stream's layout is the same for every mixture kind.
func (m Mixture) StartFor(t, u float64) Start {
	if u < m.UniformProb(t) {
		return StartUniform
	}
	return StartMasked
}

// GenerationStart is where sampling starts: the start of a path at t = 0,
// which is u unless the mixture is pure masked (MixStep with StepThr 0).
func (m Mixture) GenerationStart() Start {
	if m.UniformProb(0) >= 1 {
		return StartUniform
	}
	return StartMasked
}
