package pixels

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLayoutsOfBothForms(t *testing.T) {
	im := Image{Height: 14, Width: 14, Channels: 1}
	direct, err := NewLayout(im, BaseDirect)
	require.NoError(t, err)
	require.Equal(t, Layout{Image: im, Base: 256, Digits: 1}, direct)
	require.Equal(t, 196, direct.Positions())
	digits, err := NewLayout(im, BaseSplit)
	require.NoError(t, err)
	require.Equal(t, Layout{Image: im, Base: 16, Digits: 2}, digits)
	require.Equal(t, 392, digits.Positions())

	_, err = NewLayout(im, 4) // 4 base-4 digits: a valid split, not an image form
	require.ErrorContains(t, err, "4 digit(s) of base 4")
	_, err = NewLayout(Image{Height: 2, Width: 2, Channels: 2}, BaseDirect)
	require.ErrorContains(t, err, "channels 1 or 3")
	require.ErrorContains(t, Image{Height: 0, Width: 2, Channels: 1}.Check(), "sides must be >= 1")
}

// Encode spells values as digits, least significant first; Decode undoes it
// for one image and refuses tokens no sampler could produce.
func TestEncodeAndDecodeUndoEachOther(t *testing.T) {
	l := Layout{Image: Image{Height: 1, Width: 2, Channels: 1}, Base: 16, Digits: 2}
	tokens := make([]uint8, 4)
	require.NoError(t, l.Encode(tokens, []uint8{0xff, 0xa3}))
	require.Equal(t, []uint8{0xf, 0xf, 0x3, 0xa}, tokens)

	dst := make([]uint8, 2)
	require.NoError(t, l.Decode(dst, []int{0xf, 0xf, 0x3, 0xa}))
	require.Equal(t, []uint8{0xff, 0xa3}, dst)
	require.ErrorContains(t, l.Decode(dst, []int{16, 0, 0, 0}), "outside [0, 16)")
	require.ErrorContains(t, l.Decode(dst, []int{1, 2}), "needs 4 tokens")
	require.Zero(t, testing.AllocsPerRun(10, func() { _ = l.Decode(dst, []int{0xf, 0xf, 0x3, 0xa}) }))

	direct := Layout{Image: l.Image, Base: 256, Digits: 1}
	copyOf := make([]uint8, 2)
	require.NoError(t, direct.Encode(copyOf, []uint8{7, 200}))
	require.Equal(t, []uint8{7, 200}, copyOf)
	require.NoError(t, direct.Decode(dst, []int{7, 200}))
	require.Equal(t, []uint8{7, 200}, dst)
}
