package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/safetensors"
)

func init() {
	register(&command{
		name:    "forward",
		summary: "run the denoiser on points x at times t and write its logits",
		usage:   "--model DIR --input IN.safetensors --out OUT.safetensors [--json]",
		run:     runForward,
	})
}

// forwardInput is what `rdlm forward` reads: x (B, L, K) points on the
// sphere with the mask coordinate dropped, and t (B) one time per sequence.
type forwardInput struct {
	b, l int
	x, t []float32
}

func runForward(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	modelName := fs.String("model", "", modelFlagHelp)
	inPath := fs.String("input", "", "safetensors file with x (B, L, K) and t (B)")
	outPath := fs.String("out", "", "safetensors file to write logits (B, L, K) to")
	asJSON := fs.Bool("json", false, "print one JSON line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *inPath == "":
		return usagef("--input IN.safetensors is required")
	case *outPath == "":
		return usagef("--out OUT.safetensors is required")
	}
	c, _, err := loadModel(*modelName)
	if err != nil {
		return err
	}
	in, err := readForwardInput(*inPath, c.Config.Model)
	if err != nil {
		return err
	}
	net, err := model.NewInference(c.Params, in.b, in.l)
	if err != nil {
		return err
	}
	K := c.Config.Model.Vocab
	logits := make([]float32, in.b*in.l*K)
	if err := net.Forward(logits, in.x, in.t); err != nil {
		return err
	}
	out, err := safetensors.FromFloat32("logits", safetensors.F32, []int{in.b, in.l, K}, logits)
	if err != nil {
		return err
	}
	if err := safetensors.WriteFile(*outPath, []safetensors.Tensor{out}, nil); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"out": *outPath, "shape": out.Shape})
	}
	_, err = fmt.Fprintf(stdout, "wrote logits %v to %s\n", out.Shape, *outPath)
	return err
}

// readForwardInput reads x and t and checks them against the model as
// every command checks a network input (model.Config.CheckInput): at most
// the model's length, finite points of the sphere, times in [0, 1).
func readForwardInput(path string, mc model.Config) (*forwardInput, error) {
	K := mc.Vocab
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	xt, err := f.Get("x")
	if err != nil {
		return nil, fmt.Errorf("%s: %v (want x of shape (B, L, %d))", path, err, K)
	}
	if len(xt.Shape) != 3 || xt.Shape[0] < 1 || xt.Shape[1] < 1 {
		return nil, fmt.Errorf("%s: tensor \"x\" has shape %v, want (B, L, %d) with B, L >= 1", path, xt.Shape, K)
	}
	if xt.Shape[2] != K {
		return nil, fmt.Errorf("%s: tensor \"x\" has %d values per position (shape %v), the model takes K = %d (mask coordinate dropped)", path, xt.Shape[2], xt.Shape, K)
	}
	B, L := xt.Shape[0], xt.Shape[1]
	if L > mc.Length { // before the buffers are sized from it
		return nil, fmt.Errorf("%s: tensor \"x\" has length %d, longer than the model's %d positions", path, L, mc.Length)
	}
	if err := mc.CheckNet(B, L, false); err != nil {
		return nil, fmt.Errorf("%s: tensor \"x\" of shape %v: %v", path, xt.Shape, err)
	}
	tt, err := f.Get("t")
	if err != nil {
		return nil, fmt.Errorf("%s: %v (want t of shape (%d), one time per sequence)", path, err, B)
	}
	if len(tt.Shape) != 1 || tt.Shape[0] != B {
		return nil, fmt.Errorf("%s: tensor \"t\" has shape %v, want (%d): one time per sequence of x", path, tt.Shape, B)
	}
	in := &forwardInput{b: B, l: L, x: make([]float32, B*L*K), t: make([]float32, B)}
	if err := xt.DecodeInto(in.x); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := tt.DecodeInto(in.t); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := mc.CheckInput(in.x, in.t, L); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return in, nil
}
