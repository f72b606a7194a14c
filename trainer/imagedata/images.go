// Package imagedata reads image data sets as pixel values, 256 categories
// each: MNIST from its canonical idx files and CIFAR-10 from its binary
// version. Every file is checked against its published checksum before it
// is parsed, so a truncated or damaged copy is an error that names the file,
// never a silently smaller data set.
//
// Images are stored row-major with the channels of a pixel next to each
// other (R, G, B, R, G, B, ...), the raster order in which a model sees them
// as a sequence.
package imagedata

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/pixels"
)

// Images is a set of equally sized images of the embedded shape.
type Images struct {
	pixels.Image
	Pix    []uint8 // (N, Height, Width, Channels)
	Labels []uint8 // (N,) class of each image
}

// Len is the number of images.
func (im *Images) Len() int {
	if im.Values() == 0 {
		return 0
	}
	return len(im.Pix) / im.Values()
}

// Pixels returns image i's values. The slice is shared: do not modify it.
func (im *Images) Pixels(i int) []uint8 {
	s := im.Values()
	return im.Pix[i*s : (i+1)*s : (i+1)*s]
}

// Slice returns images [from, to) sharing the pixel storage.
func (im *Images) Slice(from, to int) *Images {
	s := im.Values()
	return &Images{Image: im.Image, Pix: im.Pix[from*s : to*s : to*s], Labels: im.Labels[from:to:to]}
}

// Downscale averages f x f blocks of pixels, per channel, rounding to the
// nearest level, so that a model can be trained on fewer positions (MNIST
// at 14x14 on a small CPU) with the same 256 categories.
func (im *Images) Downscale(f int) (*Images, error) {
	if f < 1 || im.Height%f != 0 || im.Width%f != 0 {
		return nil, fmt.Errorf("downscale by %d: must divide the %dx%d image size", f, im.Height, im.Width)
	}
	if f == 1 {
		return im, nil
	}
	h, w, c := im.Height/f, im.Width/f, im.Channels
	n := im.Len()
	out := &Images{Image: pixels.Image{Height: h, Width: w, Channels: c}, Pix: make([]uint8, n*h*w*c), Labels: im.Labels}
	area := f * f
	for i := 0; i < n; i++ {
		src, dst := im.Pixels(i), out.Pix[i*h*w*c:(i+1)*h*w*c]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for ch := 0; ch < c; ch++ {
					sum := 0
					for dy := 0; dy < f; dy++ {
						row := ((y*f+dy)*im.Width + x*f) * c
						for dx := 0; dx < f; dx++ {
							sum += int(src[row+dx*c+ch])
						}
					}
					dst[(y*w+x)*c+ch] = uint8((sum + area/2) / area)
				}
			}
		}
	}
	return out, nil
}
