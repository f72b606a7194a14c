package train

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// testConfig is the tiny preset cut down for tests: a 2-block model of
// width 64 on 32-character Shakespeare sequences, cheap tables and a short
// validation.
func testConfig(t *testing.T, steps int) Config {
	c, err := Preset("tiny")
	require.NoError(t, err)
	c.Steps, c.Batch = steps, 4
	c.TableParticles = 256
	c.LogEvery, c.CkptEvery, c.EvalEvery = 2, 4, 0
	c.EvalSequences, c.EvalBridgeSteps = 8, 20
	c.Warmup = 5
	return c
}

func newTrainer(t *testing.T, cfg Config, out string, resume bool) (*Trainer, *bytes.Buffer) {
	var progress bytes.Buffer
	tr, err := New(cfg, Options{Out: out, Resume: resume, Progress: &progress})
	require.NoError(t, err)
	return tr, &progress
}

func runTrainer(t *testing.T, cfg Config, out string, resume bool) (*Trainer, Result) {
	tr, _ := newTrainer(t, cfg, out, resume)
	res, err := tr.Run(context.Background())
	require.NoError(t, err)
	return tr, res
}

func runDir(t *testing.T) string { return filepath.Join(t.TempDir(), "run") }

func nanValue() float64 { return math.NaN() }
