package main

import (
	"fmt"
	"github.com/rdlm-go/rdlm/core/walk"
	"image"
	"image/png"
	"io"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/pixelgrid"
	"github.com/rdlm-go/rdlm/core/sampler"
)

// pngCellPixels is about how many screen pixels an image's side gets in the
// grid: small images (14x14 MNIST) are enlarged, by whole pixels, to be seen.
const pngCellPixels = 64

// runImageSample draws --n images and writes them as one PNG grid.
func runImageSample(f *sampleFlags, c *ckpt.Checkpoint, stdout io.Writer) error {
	pc, mc := c.Config.Process, c.Config.Model
	switch {
	case f.png == "":
		return usagef("%s is an image model: give --png FILE for the grid of samples", f.model)
	case f.set["prompt"] || f.set["template"] || f.trace != "":
		return usagef("--prompt, --template and --trace are for text models; this is an image model")
	case f.set["length"] && f.length != mc.Length:
		return usagef("--length: an image model samples whole images of %d positions", mc.Length)
	}
	lay, err := pc.ImageLayout()
	if err != nil {
		return err
	}
	if lay.Positions() != mc.Length {
		return fmt.Errorf("the model has %d positions but its image layout %d", mc.Length, lay.Positions())
	}
	steps, batch := f.walk(pc.SampleSteps)
	smp, err := imageSampler(f, c, batch, steps)
	if err != nil {
		return err
	}
	L, size := mc.Length, lay.Values()
	tokens := make([]int, batch*L)
	values := make([]uint8, f.n*size)
	for first := 0; first < f.n; first += batch {
		m := min(batch, f.n-first)
		if err := smp.Sample(tokens[:m*L], f.seed, uint64(first), m); err != nil {
			return err
		}
		for s := 0; s < m; s++ {
			if err := lay.Decode(values[(first+s)*size:(first+s+1)*size], tokens[s*L:(s+1)*L]); err != nil {
				return err
			}
		}
	}
	cols, scale := pixelgrid.Columns(f.n), max(1, pngCellPixels/lay.Height)
	w, h := pixelgrid.GridSize(f.n, lay.Image, cols, scale)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	pixelgrid.Grid(img, values, f.n, lay.Image, cols, scale)
	if err := atomicfile.Write(f.png, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %d samples (%dx%dx%d, %d steps, seed %d) to %s\n",
		f.n, lay.Height, lay.Width, lay.Channels, steps, f.seed, f.png)
	return err
}

// imageSampler builds the walk on the CPU network or the WebGPU engine.
func imageSampler(f *sampleFlags, c *ckpt.Checkpoint, batch, steps int) (*sampler.Sampler, error) {
	pc, mc := c.Config.Process, c.Config.Model
	sched, mix, err := pc.Walk()
	if err != nil {
		return nil, err
	}
	var den model.Denoiser
	if f.backend == "webgpu" {
		drv, err := gpu.Open(gpu.Options{Library: f.webgpuLib})
		if err != nil {
			return nil, err
		}
		if den, err = gpu.NewEngine(drv, c.Params, batch, mc.Length); err != nil {
			return nil, err
		}
	} else {
		net, err := model.NewInference(c.Params, batch, mc.Length)
		if err != nil {
			return nil, err
		}
		den = net
	}
	return sampler.New(den, walk.Config{
		Batch: batch, Length: mc.Length, Vocab: mc.Vocab, Steps: steps, Schedule: sched, Mixture: mix,
	})
}
