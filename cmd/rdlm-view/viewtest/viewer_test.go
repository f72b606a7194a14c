package viewtest

import (
	"bufio"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/trainer/train"
	"github.com/stretchr/testify/require"
)

// buildViewer compiles cmd/rdlm-view. The test runs it as its own process:
// ebiten takes over the main thread and needs an X display from the moment
// it is loaded, so it cannot live in this test binary.
func buildViewer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rdlm-view")
	cmd := exec.Command("go", "build", "-o", bin, "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "building the viewer (cgo): %s\n%s", out, installHint)
	return bin
}

const installHint = "the viewer test needs Xvfb and the X11/GL development packages: run cmd/rdlm-view/install-deps.sh"

// startXvfb starts a virtual X server on a free display and returns it.
func startXvfb(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("Xvfb")
	require.NoError(t, err, installHint)
	cmd := exec.Command(bin, "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start(), installHint)
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case d := <-line:
		require.NotEmpty(t, d, "Xvfb printed no display number")
		return ":" + d
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb did not start within 20 s; " + installHint)
	}
	return ""
}

// tinyImageModel trains a one-block 14x14 MNIST model for two steps.
func tinyImageModel(t *testing.T) string {
	t.Helper()
	cfg, err := train.Preset("mnist")
	require.NoError(t, err)
	cfg.Model = model.Config{Vocab: 256, Length: 196, Hidden: 32, Heads: 2, Blocks: 1, Cond: 32}
	cfg.Steps, cfg.Batch, cfg.Warmup, cfg.TableParticles = 2, 2, 1, 128
	cfg.EvalSequences, cfg.EvalBridgeSteps, cfg.LogEvery, cfg.CkptEvery = 2, 5, 1, 2
	out := filepath.Join(t.TempDir(), "run")
	tr, err := train.New(cfg, train.Options{Out: out})
	require.NoError(t, err)
	_, err = tr.Run(t.Context())
	require.NoError(t, err)
	return filepath.Join(out, train.CheckpointDir)
}

// The viewer opens a window under Xvfb, denoises a grid of four images to
// the end and saves its window: the picture has the grid's size and shows
// more than the background.
func TestViewerRunsUnderXvfbAndTakesAScreenshot(t *testing.T) {
	viewer := buildViewer(t)
	display := startXvfb(t)
	ckptDir := tinyImageModel(t)
	shot := filepath.Join(t.TempDir(), "viewer.png")
	if dir := os.Getenv("RDLM_VIEW_SCREENSHOT_DIR"); dir != "" { // keep a copy to look at
		shot = filepath.Join(dir, "viewer.png")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, viewer, "--model", ckptDir, "--n", "4", "--steps", "6", "--frames", "5", "--screenshot", shot)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "viewer: %s", out)

	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	// 2x2 images of 14x14 at scale 8 with 8-pixel borders (248 pixels),
	// widened to the 360-pixel status line (60 glyphs of 6), which is two
	// glyph rows (32 pixels) under the grid.
	require.Equal(t, 360, img.Bounds().Dx())
	require.Equal(t, 248+32, img.Bounds().Dy())
	grey := map[uint32]bool{}
	for y := 0; y < 2*(112+8)+8; y += 3 {
		for x := 0; x < 2*(112+8)+8; x += 3 {
			r, _, _, _ := img.At(x, y).RGBA()
			grey[r>>8] = true
		}
	}
	require.Greater(t, len(grey), 8, "the grid shows sampled pixels, not a blank window")
}
