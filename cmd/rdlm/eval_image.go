package main

import (
	"fmt"
	"io"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/trainer/eval"
)

// printImageEval reports an image model's NELBO in bits per dimension.
func printImageEval(w io.Writer, f *evalFlags, c *ckpt.Checkpoint, res eval.Result) error {
	im := c.Config.Process.Image
	// Bits per dimension are per pixel value (one channel of one pixel); a
	// split model spends several positions on a value and sums their bits.
	perValue := float64(c.Config.Process.PositionsPerValue())
	bpd := func(x float64) float64 { return x * perValue }
	if f.asJSON {
		seed := make([]float64, len(res.SeedBPC))
		for i, x := range res.SeedBPC {
			seed[i] = bpd(x)
		}
		return writeJSON(w, map[string]any{
			"bpd": bpd(res.BPC), "stderr": finiteOrNil(bpd(res.StdErr)), "images": res.Sequences, "seeds": res.Seeds,
			"stderr_seeds": finiteOrNil(bpd(res.StdErrSeeds)), "stderr_mc": finiteOrNil(bpd(res.StdErrMC)), "times": res.Times,
			"median_bpd": bpd(res.MedianBPC), "seed_bpd": seed, "nelbo": res.NELBO,
			"family": res.Family, "estimator": res.Estimator, "height": im.Height, "width": im.Width, "channels": im.Channels,
			"data": f.data, "split": f.split, "seed": f.seed, "model": f.model, "step": c.Config.Step,
		})
	}
	_, err := fmt.Fprintf(w, "%s %s: %.4f bits per dimension, standard error %s over %d images of %dx%dx%d (%d seed(s)%s)\n"+
		"  %s NELBO, %s; model %s at step %d\n",
		f.data, f.split, bpd(res.BPC), fmtErr(bpd(res.StdErr)), res.Sequences, im.Height, im.Width, im.Channels, res.Seeds,
		seedSpreadBPD(res, bpd), res.Family, estimatorNote(res), f.model, c.Config.Step)
	return err
}

func seedSpreadBPD(res eval.Result, bpd func(float64) float64) string {
	if res.Seeds < 2 {
		return ""
	}
	return fmt.Sprintf(", standard error across seeds %s", fmtErr(bpd(res.StdErrSeeds)))
}
