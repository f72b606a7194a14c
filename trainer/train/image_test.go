package train

import (
	"path/filepath"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/stretchr/testify/require"
)

// A few steps on 14x14 MNIST, in the direct form and with two base-16
// digits per pixel: the run finishes with a finite validation figure, and
// the checkpoint records the image shape (and the split) that sampling and
// evaluation read back.
func TestTrainingOnMNISTImages(t *testing.T) {
	for _, preset := range []string{"mnist", "mnist-split"} {
		t.Run(preset, func(t *testing.T) {
			cfg, err := Preset(preset)
			require.NoError(t, err)
			cfg.Model = model.Config{Vocab: cfg.Model.Vocab, Length: cfg.Model.Length, Hidden: 32, Heads: 2, Blocks: 1, Cond: 32}
			cfg.Steps, cfg.Batch, cfg.Warmup = 4, 2, 1
			cfg.TableParticles, cfg.EvalSequences, cfg.EvalBridgeSteps = 128, 4, 10
			cfg.LogEvery, cfg.CkptEvery, cfg.EvalEvery = 2, 4, 0
			out := runDir(t)
			_, res := runTrainer(t, cfg, out, false)
			require.Equal(t, 4, res.Step)
			require.Greater(t, res.ValidBPC, 0.0)
			// The validation figure is also logged per pixel value: one
			// position per value direct, two digits per value split.
			perValue := map[string]float64{"mnist": 1, "mnist-split": 2}[preset]
			var logged int
			for _, r := range readMetrics(t, out) {
				if r.ValidBPC != nil {
					require.NotNil(t, r.ValidBPD, "step %d", r.Step)
					require.InDelta(t, *r.ValidBPC*perValue, *r.ValidBPD, 1e-12)
					logged++
				}
			}
			require.Equal(t, 1, logged)

			c, err := ckpt.Load(filepath.Join(out, CheckpointDir))
			require.NoError(t, err)
			pc := c.Config.Process
			require.Equal(t, &pixels.Image{Height: 14, Width: 14, Channels: 1}, pc.Image)
			if preset == "mnist" {
				require.Equal(t, "pixel256", pc.Vocab)
				require.Nil(t, pc.Split)
				require.Equal(t, 196, c.Config.Model.Length)
			} else {
				require.Equal(t, "pixel16", pc.Vocab)
				require.Equal(t, &ckpt.Split{Vocab: 256, Base: 16, Digits: 2}, pc.Split)
				require.Equal(t, 392, c.Config.Model.Length)
			}
		})
	}
}

func TestPixelBaseIsCheckedAndTextRefusesIt(t *testing.T) {
	cfg := testConfig(t, 2)
	cfg.PixelBase = 10
	require.ErrorContains(t, cfg.Validate(), "pixel_base")
	cfg.PixelBase = 16 // valid, but the data is Shakespeare
	_, err := New(cfg, Options{Out: runDir(t)})
	require.ErrorContains(t, err, "pixel base applies to image data only")
}
