// Package pixelgrid turns an image model's token sequences into pictures:
// it undoes the digit split of pixel values and lays a batch of images out
// as one grid, the form of `rdlm sample --png` and of the viewers.
package pixelgrid

import (
	"fmt"
	"image"
	"image/color"
)

// Layout is the shape of one image and how its values are spelt.
type Layout struct {
	Height, Width, Channels int
	// Digits positions of base Base spell one value, least significant
	// first; 1 (Base 256) for the direct form.
	Base, Digits int
}

// Positions is the sequence length of one image.
func (l Layout) Positions() int { return l.Height * l.Width * l.Channels * l.Digits }

// Check reports a layout that cannot describe 8-bit images.
func (l Layout) Check() error {
	switch {
	case l.Height < 1 || l.Width < 1:
		return fmt.Errorf("pixelgrid: image size %dx%d", l.Height, l.Width)
	case l.Channels != 1 && l.Channels != 3:
		return fmt.Errorf("pixelgrid: %d channels: 1 (grey) or 3 (RGB)", l.Channels)
	case l.Digits == 1 && l.Base != 256, l.Digits == 2 && l.Base != 16, l.Digits != 1 && l.Digits != 2:
		return fmt.Errorf("pixelgrid: %d digit(s) of base %d: values are 1 digit of base 256 or 2 of base 16", l.Digits, l.Base)
	}
	return nil
}

// Values writes one image's pixel values from its tokens into dst
// (Height*Width*Channels). A token outside [0, Base) is an error: it cannot
// come from the sampler.
func (l Layout) Values(dst []uint8, tokens []int) error {
	if len(tokens) != l.Positions() || len(dst) != len(tokens)/l.Digits {
		return fmt.Errorf("pixelgrid: %d tokens into %d values, layout needs %d", len(tokens), len(dst), l.Positions())
	}
	for i := range dst {
		v, scale := 0, 1
		for j := 0; j < l.Digits; j++ {
			d := tokens[i*l.Digits+j]
			if d < 0 || d >= l.Base {
				return fmt.Errorf("pixelgrid: token %d at position %d is outside base %d", d, i*l.Digits+j, l.Base)
			}
			v += d * scale
			scale *= l.Base
		}
		dst[i] = uint8(v)
	}
	return nil
}

// Grid draws n images (values, (n, Height, Width, Channels)) in cols
// columns, each value scale x scale screen pixels, with a one-cell-pixel
// grey border between images so that black digits on black do not merge.
func Grid(dst *image.RGBA, values []uint8, n int, l Layout, cols, scale int) {
	gap := scale
	bg := color.RGBA{64, 64, 64, 255}
	b := dst.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.SetRGBA(x, y, bg)
		}
	}
	size := l.Height * l.Width * l.Channels
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
func GridSize(n int, l Layout, cols, scale int) (w, h int) {
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
