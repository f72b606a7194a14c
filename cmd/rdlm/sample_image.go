package main

import (
	"fmt"
	"image"
	"image/png"
	"io"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/generate"
	"github.com/rdlm-go/rdlm/core/pixelgrid"
)

// pngCellPixels is about how many screen pixels an image's side gets in the
// grid: small images (14x14 MNIST) are enlarged, by whole pixels, to be seen.
const pngCellPixels = 64

// writeImageSamples draws the plan's images and writes them as one PNG grid.
func writeImageSamples(f *sampleFlags, p *generate.Plan, run *generate.Runner, stdout io.Writer) error {
	m, n := p.Model, p.Samples
	lay, size := m.Image(), m.ImageValues()
	values := make([]uint8, n*size)
	err := run.Run(p, func(index int, tokens []int) error {
		return m.Pixels(values[index*size:(index+1)*size], tokens, 1)
	})
	if err != nil {
		return err
	}
	cols, scale := pixelgrid.Columns(n), max(1, pngCellPixels/lay.Height)
	w, h := pixelgrid.GridSize(n, lay.Image, cols, scale)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	pixelgrid.Grid(img, values, n, lay.Image, cols, scale)
	if err := atomicfile.Write(f.png, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %d samples (%dx%dx%d, %d steps, seed %d) to %s\n",
		n, lay.Height, lay.Width, lay.Channels, p.Steps, p.Seed, f.png)
	return err
}
