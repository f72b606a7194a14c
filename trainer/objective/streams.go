package objective

import "fmt"

// Stream ids: tag (4 bits) | step (32 bits) | index (28 bits). A sequence's
// draws (its time, start, mask decisions) read stream (tagSequence, step,
// row); a position's noise reads (tagPosition, step, row*L + position). The
// ids of different steps, rows and positions never collide, so every draw
// depends only on what it is for.
const (
	tagSequence = 1
	tagPosition = 2

	stepBits  = 32
	indexBits = 28
	maxStep   = 1<<stepBits - 1
	maxIndex  = 1<<indexBits - 1
)

func streamID(tag, step uint64, index int) uint64 {
	return tag<<(stepBits+indexBits) | step<<indexBits | uint64(index)
}

func checkStreamRange(step uint64, positions int) error {
	if step > maxStep {
		return fmt.Errorf("objective: step %d is beyond the %d the random streams address", step, uint64(maxStep))
	}
	if positions > maxIndex {
		return fmt.Errorf("objective: %d positions per batch are beyond the %d the random streams address", positions, maxIndex)
	}
	return nil
}
