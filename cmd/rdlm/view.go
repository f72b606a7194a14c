package main

import (
	"flag"
	"fmt"
	"github.com/rdlm-go/rdlm/core/walk"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

func init() {
	register(&command{
		name:    "view",
		summary: "open the native viewer: samples denoising live in a window (needs the rdlm-view program)",
		usage:   "[--model DIR] [--n N] [--steps S] [--seed S]",
		run:     runView,
	})
}

// maxViewSamples bounds the samples one window shows.
const maxViewSamples = 1024

// viewerProgram is the native viewer's executable. It is a program of its
// own (cmd/rdlm-view) because its window needs cgo and X11/GL libraries,
// which rdlm itself must build without.
const viewerProgram = "rdlm-view"

// runView checks the flags, then starts rdlm-view, found beside this
// executable or on PATH, with the same arguments.
func runView(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.String("model", "", modelFlagHelp)
	n := fs.Int("n", 0, "samples shown at once (default 16 images or 6 lines of text)")
	steps := fs.Int("steps", 0, "walk steps (default: the model's sample_steps); Up and Down double and halve them")
	fs.Uint64("seed", 0, "seed of the first walk; S draws the next")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *n < 0 || *n > maxViewSamples:
		return usagef("--n must lie in [1, %d] (0: the default), got %d", maxViewSamples, *n)
	case *steps < 0 || *steps > walk.MaxSteps:
		return usagef("--steps must lie in [1, %d] (0: the model's), got %d", walk.MaxSteps, *steps)
	}
	// Ebitengine opens the display while its package initialises and panics
	// without one, before the viewer can say anything: check first.
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return fmt.Errorf("no display: the viewer opens a window and needs DISPLAY (X11) or WAYLAND_DISPLAY; on a machine without one, run it under Xvfb (xvfb-run rdlm view)")
	}
	bin, err := findViewer()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, os.Stderr
	return cmd.Run()
}

func findViewer() (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), viewerProgram)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(viewerProgram); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found beside rdlm or on PATH: build it with "+
		"`go build -o bin/%s ./cmd/rdlm-view` (cgo; cmd/rdlm-view/install-deps.sh installs the X11/GL packages)", viewerProgram, viewerProgram)
}
