package split

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// pow is k^m by repeated multiplication (the test's independent reference).
func pow(k, m int) int {
	p := 1
	for i := 0; i < m; i++ {
		p *= k
	}
	return p
}

func TestDigits(t *testing.T) {
	m, err := Digits(30522, 3)
	require.NoError(t, err)
	require.Equal(t, 10, m, "LM1B: 3^9 = 19683 < 30522 <= 3^10")
	for k := 2; k <= 40; k++ {
		for m := 1; pow(k, m) < 1<<40; m++ {
			p := pow(k, m)
			got, err := Digits(p, k)
			require.NoError(t, err)
			require.Equal(t, m, got, "exact power %d^%d", k, m)
			got, err = Digits(p+1, k)
			require.NoError(t, err)
			require.Equal(t, m+1, got, "%d^%d + 1", k, m)
		}
	}
	m, err = Digits(1, 3)
	require.NoError(t, err)
	require.Equal(t, 1, m, "at least one digit")
	m, err = Digits(1<<62, 2)
	require.NoError(t, err)
	require.Equal(t, 62, m)
	// 63 binary digits would do for MaxInt, but 2^63 (the bound Decode relies
	// on to accumulate without overflow) does not fit in int.
	_, err = Digits(math.MaxInt, 2)
	require.ErrorContains(t, err, "overflows")
	_, err = Digits(0, 3)
	require.ErrorContains(t, err, "vocabulary size 0")
	_, err = Digits(10, 1)
	require.ErrorContains(t, err, "base 1")
	_, err = Digits(math.MaxInt, 3<<40)
	require.ErrorContains(t, err, "overflows")
}

func TestEncodeLayout(t *testing.T) {
	s, err := New(30522, 3)
	require.NoError(t, err)
	dig := make([]int, 20)
	require.NoError(t, s.Encode(dig, []int{30521, 5}))
	// 30521 = 2 + 0*3 + 1*9 + 2*27 + 1*81 + 2*243 + 2*729 + 1*2187 + 1*6561 + 1*19683
	require.Equal(t, []int{2, 0, 1, 2, 1, 2, 2, 1, 1, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0}, dig)
	ids := make([]int, 2)
	require.NoError(t, s.Decode(ids, dig))
	require.Equal(t, []int{30521, 5}, ids)

	require.ErrorContains(t, s.Encode(dig, []int{30522, 0}), "token id 30522 at position 0 outside [0, 30522)")
	require.ErrorContains(t, s.Encode(dig, []int{1, -1}), "token id -1 at position 1")
	require.ErrorContains(t, s.Encode(dig[:19], []int{1, 1}), "19 digits for 2 ids")
}

func TestDecodeOutOfVocabulary(t *testing.T) {
	s, err := New(30522, 3)
	require.NoError(t, err)
	all2 := []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2} // 3^10 - 1 = 59048
	dig := append(append([]int{}, all2...), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	ids := make([]int, 2)
	require.ErrorContains(t, s.Decode(ids, dig), "spell id 59048, outside the vocabulary [0, 30522)")
	n, err := s.DecodeUNK(ids, dig, 100)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []int{100, 1}, ids)
	_, err = s.DecodeUNK(ids, dig, 30522)
	require.ErrorContains(t, err, "replacement id 30522")
	dig[3] = 3
	require.ErrorContains(t, s.Decode(ids, dig), "digit 3 at position 3 outside [0, 3)")
	require.ErrorContains(t, s.Decode(ids, dig[:5]), "do not make")
	var zero Splitter
	require.ErrorContains(t, zero.Decode(ids, dig), "zero Splitter")
}

// Every id of small vocabularies in several bases survives the round trip.
func TestRoundTripExhaustive(t *testing.T) {
	for _, c := range [][2]int{{27, 3}, {28, 3}, {2, 2}, {1, 5}, {1000, 10}, {1001, 10}, {4096, 2}} {
		s, err := New(c[0], c[1])
		require.NoError(t, err)
		ids := make([]int, c[0])
		for i := range ids {
			ids[i] = c[0] - 1 - i
		}
		dig := make([]int, len(ids)*s.Digits())
		require.NoError(t, s.Encode(dig, ids))
		for _, d := range dig {
			require.True(t, d >= 0 && d < c[1])
		}
		back := make([]int, len(ids))
		require.NoError(t, s.Decode(back, dig))
		require.Equal(t, ids, back)
	}
}

// The byte forms: 8-bit values as two base-16 digits and back, allocating
// nothing, and element types too narrow for the digits or ids refused.
func TestEncodeDecodeIntoBytes(t *testing.T) {
	s, err := New(256, 16)
	require.NoError(t, err)
	values := []uint8{0xff, 0xa3, 0}
	dig := make([]uint8, 6)
	require.NoError(t, EncodeInto(s, dig, values))
	require.Equal(t, []uint8{0xf, 0xf, 0x3, 0xa, 0, 0}, dig)
	back := make([]uint8, 3)
	require.NoError(t, DecodeInto(s, back, dig))
	require.Equal(t, values, back)
	tokens := []int{0xf, 0xf, 0x3, 0xa, 0, 0}
	require.Zero(t, testing.AllocsPerRun(10, func() { _ = DecodeInto(s, back, tokens) }))
	require.ErrorContains(t, DecodeInto(s, back, []int{16, 0, 0, 0, 0, 0}), "digit 16 at position 0 outside [0, 16)")

	wide, err := New(1000, 300)
	require.NoError(t, err)
	require.ErrorContains(t, EncodeInto(wide, make([]uint8, 2), []int{5}), "do not fit")
	require.ErrorContains(t, DecodeInto(wide, make([]uint8, 1), []int{5}), "do not fit")
}
