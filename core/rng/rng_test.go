package rng

import (
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Known-answer vectors of Philox4x32-10 from the Random123 distribution (kat_vectors).
func TestPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff}, [4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}, [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		require.Equal(t, c.want, Philox(c.key, c.ctr))
	}
}

func TestStreamMatchesBlocks(t *testing.T) {
	s := NewStream(42, 7)
	for i := uint64(0); i < 5; i++ {
		b := Block(42, 7, i)
		for j := 0; j < 4; j++ {
			require.Equal(t, b[j], s.Uint32())
		}
	}
	s.Seek(2)
	require.Equal(t, Block(42, 7, 2)[0], s.Uint32())
}

// The numbers drawn for a stream must not depend on which goroutine draws them.
func TestIndependentOfScheduling(t *testing.T) {
	const n = 64
	serial := make([]float64, n)
	for i := range serial {
		s := NewStream(1, uint64(i))
		serial[i] = s.Normal()
	}
	parallel := make([]float64, n)
	var wg sync.WaitGroup
	for i := n - 1; i >= 0; i-- {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := NewStream(1, uint64(i))
			parallel[i] = s.Normal()
		}(i)
	}
	wg.Wait()
	require.Equal(t, serial, parallel)
}

// Moments of the normal variates: 1e6 draws, tolerances at about 5 standard errors.
func TestNormalMoments(t *testing.T) {
	const n = 1 << 20
	s := NewStream(3, 0)
	buf := make([]float64, n)
	s.Normals(buf)
	var m1, m2, m4 float64
	var tail int
	for _, z := range buf {
		m1 += z
		m2 += z * z
		m4 += z * z * z * z
		if math.Abs(z) > 3 {
			tail++
		}
	}
	m1 /= n
	m2 /= n
	m4 /= n
	require.InDelta(t, 0, m1, 5/math.Sqrt(n))
	require.InDelta(t, 1, m2, 5*math.Sqrt(2.0/n))
	require.InDelta(t, 3, m4, 5*math.Sqrt(96.0/n))
	// P(|Z| > 3) = 0.0026998; binomial standard error.
	p := 0.0026998
	require.InDelta(t, p, float64(tail)/n, 5*math.Sqrt(p*(1-p)/n))
}

func TestUnitOpenInterval(t *testing.T) {
	require.Greater(t, Unit(0), 0.0)
	require.Less(t, Unit(math.MaxUint32), 1.0)
}
