package optim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEMADecaySchedule(t *testing.T) {
	e, err := NewEMA([]float32{0}, 0.9999)
	require.NoError(t, err)
	require.InDelta(t, 2.0/11, e.DecayAt(1), 1e-15)
	require.InDelta(t, 11.0/20, e.DecayAt(10), 1e-15)
	// (1+n)/(10+n) reaches 0.9999 at n = 89990 and is capped from there on.
	require.Less(t, e.DecayAt(89989), 0.9999)
	require.InDelta(t, 0.9999, e.DecayAt(89990), 1e-15)
	require.Equal(t, 0.9999, e.DecayAt(1000000))
	e.Decay = 0.5
	require.Equal(t, 0.5, e.DecayAt(1000))
}

// Averaging a constant 1 into a shadow that starts at 0: after the first
// update (d = 2/11) the shadow is 9/11, after the second (d = 1/4) 10.5/11.
func TestEMAUpdateByHand(t *testing.T) {
	start := []float32{0, 2}
	e, err := NewEMA(start, 0.9999)
	require.NoError(t, err)
	start[0] = 5 // the EMA holds its own copy
	d := e.Update([]float32{1, 2})
	require.InDelta(t, 2.0/11, d, 1e-15)
	require.InDelta(t, 9.0/11, e.Shadow[0], 1e-7)
	require.Equal(t, float32(2), e.Shadow[1])
	e.Update([]float32{1, 2})
	require.Equal(t, 2, e.Updates)
	require.InDelta(t, 10.5/11, e.Shadow[0], 1e-7)

	_, err = NewEMA([]float32{1}, 1.5)
	require.ErrorContains(t, err, "decay")
	_, err = NewEMA(nil, 0.9)
	require.ErrorContains(t, err, "at least one")
}
