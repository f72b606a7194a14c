package objective

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/process"
)

// A device that corrupts batches itself (core/gpu's TrainEngine) draws the
// per-position part of Corrupt (RDLM's x_t noise, MDLM's masks) from the
// same Philox streams, and takes the per-sequence part from DrawSequences:
// a handful of numbers per sequence, computed here exactly as Corrupt
// computes them, so that the two paths see the same times, weights, starts
// and table values.

// SequenceDraw is one sequence's share of a Corrupt.
type SequenceDraw struct {
	T      float64 // the diffusion time (the network's input)
	Weight float64 // the loss weight of the time (MDLM: including 1/s)
	// RDLM: where the bridge starts and the x_t tables at (Start, T).
	Start      process.Start
	Alpha, Rho float64
	// MDLM: the masking probability s; position l is masked when variate
	// 1+l of the sequence's stream is below it (MaskBelow).
	MaskProb float64
}

// DrawSequences writes the per-sequence draws of a batch of len(dst)
// sequences of step into dst, as Corrupt(tokens, len(dst), seed, step)
// draws them. Adaptive times are refused: their proposal learns from the
// NELBO integrand of Loss, which a device path does not compute.
func (o *Objective[T]) DrawSequences(dst []SequenceDraw, seed, step uint64) error {
	b := len(dst)
	if b < 1 || b > o.Batch {
		return fmt.Errorf("objective: batch of %d, want 1..%d", b, o.Batch)
	}
	if err := checkStreamRange(step, b*o.Length); err != nil {
		return err
	}
	if o.adapt != nil {
		return fmt.Errorf("objective: times %q learn from the loss on the CPU; a device draws only %q or %q times", o.Config.Times, TimesImportance, TimesUniform)
	}
	for s := range dst {
		switch o.Kind {
		case CE, ELBO, CEELBO:
			dst[s] = o.sphereSequence(seed, step, s)
		case MDLM:
			dst[s], _ = o.maskedSequence(seed, step, s)
		default:
			return fmt.Errorf("objective %s: no device draws", o.Kind)
		}
	}
	return nil
}

// MaskBelow is MDLM's mask test in integers: rng.Unit(w) < s exactly when
// the word w is below the returned bound (0 to 2^32), so that a device
// compares words instead of rounding (w + 0.5) 2^-32 to f32.
func MaskBelow(s float64) uint64 {
	// Unit(w) = (w + 0.5) 2^-32 < s  <=>  w < s 2^32 - 0.5, exact in float64.
	x := s*(1<<32) - 0.5
	switch {
	case x <= 0:
		return 0
	case x >= 1<<32:
		return 1 << 32
	}
	return uint64(math.Ceil(x))
}

// StreamBases returns the random streams of sequence 0 and position 0 of
// a step: sequence s of the batch reads stream seqBase + s and position i
// (row-major over the batch) posBase + i (streams.go's layout, whose index
// field is the low 28 bits).
func StreamBases(step uint64) (seqBase, posBase uint64) {
	return streamID(tagSequence, step, 0), streamID(tagPosition, step, 0)
}
