package split

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzSplitRoundTrip: for any vocabulary and base, ids encode to digits in
// [0, K) and decode back unchanged; any digit string either decodes to ids
// that re-encode to the same digits or is reported as out of vocabulary.
func FuzzSplitRoundTrip(f *testing.F) {
	f.Add(uint32(30522), uint8(3), []byte{0, 1, 2, 3, 0xff, 0xff, 0x77, 0x12})
	f.Add(uint32(27), uint8(3), []byte{26, 0, 0, 0, 1, 0, 0, 0})
	f.Add(uint32(243), uint8(3), []byte{242, 0, 0, 0})
	f.Add(uint32(1), uint8(2), []byte{})
	f.Add(uint32(1<<31), uint8(255), []byte{1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Fuzz(func(t *testing.T, vocab uint32, base uint8, raw []byte) {
		k0, k := int(vocab%(1<<31))+1, int(base%254)+2
		s, err := New(k0, k)
		require.NoError(t, err)
		require.GreaterOrEqual(t, pow(k, s.Digits()), k0)
		if s.Digits() > 1 {
			require.Less(t, pow(k, s.Digits()-1), k0, "m is the smallest")
		}
		ids := make([]int, len(raw)/4)
		for i := range ids {
			ids[i] = int(binary.LittleEndian.Uint32(raw[4*i:]) % uint32(k0))
		}
		dig := make([]int, len(ids)*s.Digits())
		require.NoError(t, s.Encode(dig, ids))
		for _, d := range dig {
			require.True(t, d >= 0 && d < k)
		}
		back := make([]int, len(ids))
		require.NoError(t, s.Decode(back, dig))
		require.Equal(t, ids, back)

		// Arbitrary digits from the raw bytes.
		free := make([]int, len(raw)/s.Digits()*s.Digits())
		for i := range free {
			free[i] = int(raw[i]) % k
		}
		out := make([]int, len(free)/s.Digits())
		if err := s.Decode(out, free); err != nil {
			require.ErrorContains(t, err, "outside the vocabulary")
			return
		}
		again := make([]int, len(free))
		require.NoError(t, s.Encode(again, out))
		require.Equal(t, free, again)
	})
}
