package pixelgrid

import (
	"image"
	"testing"

	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/stretchr/testify/require"
)

func TestGridPlacesImagesAndColours(t *testing.T) {
	l := pixels.Image{Height: 2, Width: 2, Channels: 3}
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
