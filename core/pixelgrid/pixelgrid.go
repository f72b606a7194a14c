// Package pixelgrid lays a batch of images (their values, which
// pixels.Layout.Decode reads from a model's tokens) out as one picture, a
// grid: the form of `rdlm sample --png` and of the viewers.
package pixelgrid

import (
	"image"
	"image/color"

	"github.com/rdlm-go/rdlm/core/pixels"
)

// Grid draws n images (values, (n, Height, Width, Channels)) in cols
// columns, each value scale x scale screen pixels, with a one-cell-pixel
// grey border between images so that black digits on black do not merge.
func Grid(dst *image.RGBA, values []uint8, n int, l pixels.Image, cols, scale int) {
	gap := scale
	bg := color.RGBA{64, 64, 64, 255}
	b := dst.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.SetRGBA(x, y, bg)
		}
	}
	size := l.Values()
	for k := 0; k < n; k++ {
		ox := gap + (k%cols)*(l.Width*scale+gap)
		oy := gap + (k/cols)*(l.Height*scale+gap)
		img := values[k*size : (k+1)*size]
		for y := 0; y < l.Height; y++ {
			for x := 0; x < l.Width; x++ {
				p := img[(y*l.Width+x)*l.Channels:]
				c := color.RGBA{p[0], p[0], p[0], 255}
				if l.Channels == 3 {
					c.G, c.B = p[1], p[2]
				}
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						dst.SetRGBA(ox+x*scale+dx, oy+y*scale+dy, c)
					}
				}
			}
		}
	}
}

// GridSize is the picture size Grid draws n images into.
func GridSize(n int, l pixels.Image, cols, scale int) (w, h int) {
	rows := (n + cols - 1) / cols
	return cols*(l.Width*scale+scale) + scale, rows*(l.Height*scale+scale) + scale
}

// Columns is a near-square column count for n images.
func Columns(n int) int {
	c := 1
	for c*c < n {
		c++
	}
	return c
}
