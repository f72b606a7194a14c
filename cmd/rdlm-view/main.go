//go:build cgo && !js

// Command rdlm-view is the native viewer: a window in which a model's
// samples denoise live, step by step: images as a grid, text as lines.
// Keys: R restarts the walk, S draws a new seed, Up and Down double and
// halve the number of steps, Q or Escape quits.
//
// It is its own program because ebiten's desktop backend needs cgo and the
// X11/GL development packages (install-deps.sh installs them on Debian);
// `rdlm view` starts it. The build tag keeps `CGO_ENABLED=0 go build ./...`
// and the js/wasm build free of it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/rdlm-go/rdlm/core/builtin"
	"github.com/rdlm-go/rdlm/core/ckpt"
)

type viewFlags struct {
	model, screenshot string
	n, steps, frames  int
	seed              uint64
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "rdlm-view:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var f viewFlags
	fs := flag.NewFlagSet("rdlm-view", flag.ContinueOnError)
	fs.StringVar(&f.model, "model", "", "a checkpoint folder or a built-in model's name (default: the built-in default)")
	fs.IntVar(&f.n, "n", 0, "samples shown at once (default 16 images or 6 lines of text)")
	fs.IntVar(&f.steps, "steps", 0, "walk steps (default: the model's sample_steps)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the first walk")
	fs.StringVar(&f.screenshot, "screenshot", "", "when the first walk has finished and --frames frames were drawn, save the window as a PNG and quit")
	fs.IntVar(&f.frames, "frames", 10, "frames to draw before --screenshot")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.n < 0 || f.steps < 0 || f.frames < 1 {
		return fmt.Errorf("--n and --steps must be >= 1 (or 0 for the default), --frames >= 1")
	}
	c, err := load(f.model)
	if err != nil {
		return err
	}
	v, err := newViewer(c, f)
	if err != nil {
		return err
	}
	w, h := v.windowSize()
	ebiten.SetWindowSize(w, h)
	ebiten.SetWindowTitle("rdlm view: " + v.label)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetRunnableOnUnfocused(true) // keep denoising, and let the test run under Xvfb
	if err := ebiten.RunGame(v); err != nil {
		return err
	}
	if errors.Is(v.err, errDone) {
		return nil
	}
	return v.err
}

// load resolves --model as rdlm does: a built-in name first, then a folder.
func load(name string) (*ckpt.Checkpoint, error) {
	if name == "" {
		name = builtin.Default
	}
	if builtin.Has(name) {
		return builtin.Load(name)
	}
	return ckpt.Load(name)
}
