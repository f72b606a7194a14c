package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/trainer/train"
	"github.com/stretchr/testify/require"
)

// tinyTrainConfig writes a training config small enough for a test.
func tinyTrainConfig(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "tiny.json")
	js := `{"base": "tiny", "batch": 2, "steps": 6, "table_particles": 128, "log_every": 1,
		"ckpt_every": 3, "eval_every": 0, "eval_sequences": 4, "eval_bridge_steps": 10}`
	require.NoError(t, os.WriteFile(p, []byte(js), 0o644))
	return p
}

func TestTrainRunsAndResumes(t *testing.T) {
	cfg := tinyTrainConfig(t)
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, errs := runCLI("train", "--config", cfg, "--out", out, "--objective", "mdlm", "--json")
	require.Equal(t, 0, code, errs)
	var res train.Result
	require.NoError(t, json.Unmarshal([]byte(stdout), &res))
	require.Equal(t, 6, res.Step)
	require.Greater(t, res.ValidBPC, 0.0)
	c, err := ckpt.Load(filepath.Join(out, train.CheckpointDir))
	require.NoError(t, err)
	require.True(t, c.Config.Process.IsMDLM())

	// --resume takes the checkpoint's settings; --steps extends the run.
	code, stdout, errs = runCLI("train", "--resume", "--out", out, "--steps", "8")
	require.Equal(t, 0, code, errs)
	require.Contains(t, stdout, "trained 8 steps")
	c, err = ckpt.Load(filepath.Join(out, train.CheckpointDir))
	require.NoError(t, err)
	require.Equal(t, int64(8), c.Config.Step)

	// Changing what the run is made of is refused.
	code, _, errs = runCLI("train", "--resume", "--out", out, "--steps", "9", "--objective", "ce")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "objective")
}

func TestTrainUsageErrors(t *testing.T) {
	cfg := tinyTrainConfig(t)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--config", cfg}, 2, "--out"},
		{[]string{"--out", t.TempDir()}, 2, "--config"},
		{[]string{"--config", cfg, "--out", t.TempDir(), "--objective", "mse"}, 2, "mse"},
		{[]string{"--config", cfg, "--out", t.TempDir(), "--batch", "0"}, 2, "batch"},
		{[]string{"--config", "nosuch", "--out", t.TempDir()}, 1, "unknown config"},
		{[]string{"--resume", "--out", t.TempDir()}, 1, "no checkpoint"},
		{[]string{"--config", cfg, "--out", t.TempDir(), "--data", "/no/such/file.txt"}, 1, "no such file"},
	} {
		code, _, errs := runCLI(append([]string{"train"}, c.args...)...)
		require.Equal(t, c.code, code, "%v: %s", c.args, errs)
		require.Contains(t, errs, c.msg, c.args)
	}
}

// SIGINT while training saves a checkpoint at the current step and exits
// 130, saying how to resume; the run then resumes from there.
func TestTrainSIGINTSavesAndStops(t *testing.T) {
	cfg := tinyTrainConfig(t)
	out := filepath.Join(t.TempDir(), "run")
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, errs := runCLI("train", "--config", cfg, "--out", out, "--steps", "100000", "--ckpt-every", "100000")
		done <- result{code, stdout, errs}
	}()
	// The signal handler is installed before the first step, and the first
	// metrics line follows the first step.
	metrics := filepath.Join(out, train.MetricsFile)
	// No wall-clock deadline (the machine may be loaded): go test -timeout
	// bounds the wait, and a run that ends before its first step fails here.
	for ; ; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(metrics)
		if strings.Contains(string(b), `"step":1,`) {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("training ended before its first step (exit %d): %s", r.code, r.stderr)
		default:
		}
	}
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	r := <-done
	require.Equal(t, 130, r.code, "an interrupted run exits 130 after saving: %s", r.stderr)
	require.Contains(t, r.stdout, "interrupted at step")
	require.Contains(t, r.stdout, "continue with --resume --out "+out)
	c, err := ckpt.Load(filepath.Join(out, train.CheckpointDir))
	require.NoError(t, err)
	require.Positive(t, c.Config.Step)
	require.Less(t, c.Config.Step, int64(100000))
}

// A resume continues the run with its saved settings: a --config that is
// not them is refused (it used to replace them silently, stopping the run
// at the preset's step count), a flag changes what may change, printed, and
// a finished run resumed says so.
func TestTrainResumeKeepsTheSavedSettings(t *testing.T) {
	cfg := tinyTrainConfig(t)
	out := filepath.Join(t.TempDir(), "run")
	code, _, errs := runCLI("train", "--config", cfg, "--out", out, "--steps", "5")
	require.Equal(t, 0, code, errs)

	code, _, errs = runCLI("train", "--config", "tiny", "--out", out, "--resume")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "--config tiny differs from the settings the run was saved with")
	require.Contains(t, errs, "steps 200 (saved 5)")

	code, stdout, errs := runCLI("train", "--out", out, "--resume")
	require.Equal(t, 0, code, errs)
	require.Contains(t, stdout, "already complete at step 5")

	code, _, errs = runCLI("train", "--out", out, "--resume", "--steps", "4")
	require.Equal(t, 1, code, errs)
	require.Contains(t, errs, "steps 4 is below the checkpoint's step 5")

	code, stdout, errs = runCLI("train", "--out", out, "--resume", "--steps", "7", "--ckpt-every", "7")
	require.Equal(t, 0, code, errs)
	require.Contains(t, stdout, "trained 7 steps")
	saved, err := train.SavedConfig(out)
	require.NoError(t, err)
	require.Equal(t, 7, saved.Steps)
	require.Equal(t, 7, saved.CkptEvery)
}
