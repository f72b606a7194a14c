package pixelgrid

import (
	"image"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/stretchr/testify/require"
)

func TestValuesUndoTheDigitSplit(t *testing.T) {
	l := Layout{Height: 1, Width: 2, Channels: 1, Base: 16, Digits: 2}
	dst := make([]uint8, 2)
	require.NoError(t, l.Values(dst, []int{0xf, 0xf, 0x3, 0xa})) // least significant digit first
	require.Equal(t, []uint8{0xff, 0xa3}, dst)
	require.ErrorContains(t, l.Values(dst, []int{16, 0, 0, 0}), "outside base 16")
	require.ErrorContains(t, l.Values(dst, []int{1, 2}), "layout needs 4")
}

func TestGridPlacesImagesAndColours(t *testing.T) {
	l := Layout{Height: 2, Width: 2, Channels: 3, Base: 256, Digits: 1}
	vals := make([]uint8, 3*12)
	vals[12+0], vals[12+1], vals[12+2] = 10, 20, 30 // image 1, pixel (0,0)
	w, h := GridSize(3, l, Columns(3), 2)
	require.Equal(t, [2]int{2*(4+2) + 2, 2*(4+2) + 2}, [2]int{w, h})
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	Grid(img, vals, 3, l, Columns(3), 2)
	// Image 1 is in column 1: x = gap + 1*(width*scale+gap) = 2 + 6.
	c := img.RGBAAt(8+1, 2+1)
	require.Equal(t, [3]uint8{10, 20, 30}, [3]uint8{c.R, c.G, c.B})
	require.Equal(t, uint8(64), img.RGBAAt(0, 0).R, "border")
}

func TestFromProcess(t *testing.T) {
	_, err := FromProcess(ckpt.Process{Vocab: "text8"})
	require.ErrorContains(t, err, "not an image model")
	l, err := FromProcess(ckpt.Process{Image: &ckpt.Image{Height: 14, Width: 14, Channels: 1}, Split: &ckpt.Split{Vocab: 256, Base: 16, Digits: 2}})
	require.NoError(t, err)
	require.Equal(t, 392, l.Positions())
}
