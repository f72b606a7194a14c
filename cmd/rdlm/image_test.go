package main

import (
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// trainTinyImageModel trains a one-block model on 14x14 MNIST, two base-16
// digits per pixel, for two steps through `rdlm train` and returns its
// checkpoint folder.
func trainTinyImageModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mnist-tiny.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"base": "mnist-split",
		"model": {"vocab": 16, "length": 392, "hidden": 32, "heads": 2, "blocks": 1, "cond": 32},
		"steps": 2, "batch": 2, "warmup": 1, "table_particles": 128, "eval_sequences": 2, "eval_bridge_steps": 5,
		"ckpt_every": 2, "log_every": 1}`), 0o644))
	out := filepath.Join(dir, "run")
	code, _, errs := runCLI("train", "--config", cfg, "--out", out)
	require.Equal(t, 0, code, errs)
	return filepath.Join(out, "ckpt")
}

// readPNG decodes the PNG file at path.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

// An image model is evaluated in bits per dimension (per pixel value, the
// digits' bits summed) and sampled into a PNG grid of --n images.
func TestImageModelEvalInBPDAndSampleToPNG(t *testing.T) {
	model := trainTinyImageModel(t)

	got := evalJSON(t, "--model", model, "--max-sequences", "2", "--bridge-steps", "5")
	require.Equal(t, "mnist14", got["data"])
	require.Equal(t, 14.0, got["height"])
	// Bits per dimension divide the NELBO (nats per image) by the 196 pixel
	// values, not by the 392 digit positions the model sees.
	bpd := got["bpd"].(float64)
	require.Greater(t, bpd, 0.0)
	require.InDelta(t, got["nelbo"].(float64)/(196*math.Ln2), bpd, 1e-9)
	require.NotContains(t, got, "bpc")

	pngPath := filepath.Join(t.TempDir(), "grid.png")
	code, out, errs := runCLI("sample", "--model", model, "--png", pngPath, "--n", "5", "--steps", "3")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "wrote 5 samples")
	img := readPNG(t, pngPath)
	// 3 columns, 2 rows of 14x14 images at scale 4 with 4-pixel borders.
	require.Equal(t, [2]int{3*(56+4) + 4, 2*(56+4) + 4}, [2]int{img.Bounds().Dx(), img.Bounds().Dy()})

	code, _, errs = runCLI("sample", "--model", model)
	require.Equal(t, 2, code)
	require.Contains(t, errs, "give --png FILE")
}

func TestPNGIsForImageModels(t *testing.T) {
	code, _, errs := runCLI("sample", "--model", tinyCheckpoint(t), "--png", filepath.Join(t.TempDir(), "x.png"))
	require.Equal(t, 2, code)
	require.Contains(t, errs, "--png is for image models")
	var v map[string]any
	require.Error(t, json.Unmarshal([]byte(errs), &v))
}

// Without a display the viewer would panic inside Ebitengine's package
// initialisation; rdlm view says what is missing instead.
func TestViewNeedsADisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	code, _, errs := runCLI("view")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "no display")
	require.Equal(t, 1, strings.Count(errs, "\n"), errs)
}

// The shipped image model is found by its name, as a folder would be.
func TestBuiltInMNISTSamplesByName(t *testing.T) {
	pngPath := filepath.Join(t.TempDir(), "digits.png")
	code, out, errs := runCLI("sample", "--model", "mnist", "--png", pngPath, "--n", "2", "--steps", "2", "--seed", "3")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "wrote 2 samples (14x14x1, 2 steps, seed 3)")
	img := readPNG(t, pngPath)
	require.Equal(t, [2]int{2*(56+4) + 4, 56 + 8}, [2]int{img.Bounds().Dx(), img.Bounds().Dy()})
}
