package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/trainer/optim"
	"github.com/stretchr/testify/require"
)

// flipByte changes one byte of a file in place, as a failing disk would.
func flipByte(t *testing.T, path string, at func(b []byte) int) {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	b[at(b)] ^= 1
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// One flipped bit in the optimiser state or in trainer.json, the files
// without a checksum of their own, is refused on resume by the manifest,
// with an error naming the file; nothing of the run is changed.
func TestResumeVerifiesEveryCheckpointFile(t *testing.T) {
	cfg := resumeConfig(t)
	cfg.Steps = 4
	for _, c := range []struct {
		file string
		at   func(b []byte) int
	}{
		// The lowest mantissa bit of the last Adam moment: still a finite
		// float, and a different run from there on.
		{optim.StateFile, func(b []byte) int { return len(b) - 4 }},
		// The last digit of the data position's index (x ^ 1 keeps a digit
		// a digit): valid JSON, and another order of batches.
		{StateFile, func(b []byte) int {
			i := strings.Index(string(b), `"index": `) + len(`"index": `)
			for b[i+1] >= '0' && b[i+1] <= '9' {
				i++
			}
			return i
		}},
		{ckpt.WeightsFile, func(b []byte) int { return len(b) - 4 }},
	} {
		t.Run(c.file, func(t *testing.T) {
			out := runDir(t)
			runTrainer(t, cfg, out, false)
			flipByte(t, filepath.Join(out, CheckpointDir, c.file), c.at)
			before := checkpointFiles(t, out)
			longer := cfg
			longer.Steps = 8
			_, err := New(longer, Options{Out: out, Resume: true})
			require.ErrorContains(t, err, filepath.Join(out, CheckpointDir, c.file))
			require.ErrorContains(t, err, "sha256")
			require.ErrorContains(t, err, ManifestFile)
			require.Equal(t, before, checkpointFiles(t, out))
		})
	}

	// A checkpoint of an older build has no manifest: it resumes, and says
	// that it could not be verified.
	out := runDir(t)
	runTrainer(t, cfg, out, false)
	require.NoError(t, os.Remove(filepath.Join(out, CheckpointDir, ManifestFile)))
	longer := cfg
	longer.Steps = 6
	tr, progress := newTrainer(t, longer, out, true)
	require.Contains(t, progress.String(), "cannot be verified")
	_, err := tr.Run(context.Background())
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(out, CheckpointDir, ManifestFile))
}

// A run stopped by a NaN before its first checkpoint says so (no claim of a
// checkpoint at step 0), and leaves a folder that both --resume (from step
// 0, with the settings it was started with) and a fresh start accept, the
// stale metrics replaced.
func TestRunStoppedBeforeItsFirstCheckpoint(t *testing.T) {
	cfg := resumeConfig(t) // checkpoints every 4 steps
	stop := func(out string) {
		tr, _ := newTrainer(t, cfg, out, false)
		tr.afterBackward = func(step int, g []float32) {
			if step == 3 {
				g[0] = float32(nanValue())
			}
		}
		_, err := tr.Run(context.Background())
		require.ErrorIs(t, err, ErrNonFinite)
		require.ErrorContains(t, err, "no checkpoint yet")
		require.NotContains(t, err.Error(), "last checkpoint")
		require.NoDirExists(t, filepath.Join(out, CheckpointDir))
		require.Contains(t, trainingLosses(t, out), 2)
	}
	whole := runDir(t)
	runTrainer(t, cfg, whole, false)

	out := runDir(t)
	stop(out)
	saved, err := SavedConfig(out)
	require.NoError(t, err)
	require.Equal(t, cfg.Steps, saved.Steps)
	tr, progress := newTrainer(t, saved, out, true)
	require.Contains(t, progress.String(), "starting it again from step 0")
	require.Zero(t, tr.Step())
	_, err = tr.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, checkpointFiles(t, whole), checkpointFiles(t, out))
	require.Equal(t, trainingLosses(t, whole), trainingLosses(t, out))

	again := runDir(t)
	stop(again)
	tr, progress = newTrainer(t, cfg, again, false)
	require.Contains(t, progress.String(), "starting afresh")
	_, err = tr.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, trainingLosses(t, whole), trainingLosses(t, again))

	// A run interrupted before its first step has no checkpoint to name.
	early := runDir(t)
	tr, _ = newTrainer(t, cfg, early, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := tr.Run(ctx)
	require.NoError(t, err)
	require.True(t, res.Interrupted)
	require.Zero(t, res.Step)
	require.Empty(t, res.Checkpoint)
}

// A resume keeps the run's settings; those that may change are printed and
// recorded in trainer.json; a shorter run than the checkpoint is refused; a
// finished run resumed says it is complete.
func TestResumeShowsAndRecordsWhatChanged(t *testing.T) {
	cfg := resumeConfig(t)
	cfg.Steps = 4
	out := runDir(t)
	runTrainer(t, cfg, out, false)

	same, progress := newTrainer(t, cfg, out, true)
	require.Contains(t, progress.String(), "resuming "+out+" at step 4 of 4 with its saved settings")
	res, err := same.Run(context.Background())
	require.NoError(t, err)
	require.True(t, res.AlreadyComplete)
	require.Equal(t, 4, res.Step)

	shorter := cfg
	shorter.Steps = 3
	_, err = New(shorter, Options{Out: out, Resume: true})
	require.ErrorContains(t, err, "steps 3 is below the checkpoint's step 4")

	longer := cfg
	longer.Steps, longer.CkptEvery = 6, 5
	tr, progress := newTrainer(t, longer, out, true)
	require.Contains(t, progress.String(), "changed settings: ckpt_every 5 (was 4), steps 6 (was 4)")
	_, err = tr.Run(context.Background())
	require.NoError(t, err)
	st, err := readState(out)
	require.NoError(t, err)
	require.Equal(t, []resumeRecord{{Step: 4, Changed: []string{"ckpt_every 5 (was 4)", "steps 6 (was 4)"}}}, st.Resumes)
	require.Equal(t, 6, st.Config.Steps)

	require.NoError(t, CheckSameSettings(st.Config, st.Config, "x"))
	tiny, err := Preset("tiny")
	require.NoError(t, err)
	err = CheckSameSettings(tiny, st.Config, "--config tiny")
	require.ErrorContains(t, err, "--config tiny differs from the settings the run was saved with")
	require.ErrorContains(t, err, "steps 200 (saved 6)")
}

// Two trainers on one folder: the second is refused, told who holds it,
// until the first is done.
func TestRunFolderIsLocked(t *testing.T) {
	cfg := resumeConfig(t)
	out := runDir(t)
	first, _ := newTrainer(t, cfg, out, false)
	_, err := New(cfg, Options{Out: out, Resume: true})
	require.True(t, errors.Is(err, ErrLocked), "%v", err)
	require.ErrorContains(t, err, "in use by another training run")
	require.ErrorContains(t, err, "pid "+strconv.Itoa(os.Getpid()))
	_, err = first.Run(context.Background())
	require.NoError(t, err)
	more := cfg
	more.Steps = 14
	runTrainer(t, more, out, true)

	// A refused fresh start into a new folder leaves no folder behind.
	bad := cfg
	bad.Data = filepath.Join(t.TempDir(), "missing.txt")
	nothing := runDir(t)
	_, err = New(bad, Options{Out: nothing})
	require.Error(t, err)
	require.NoDirExists(t, nothing)
}

// Settings asking for absurd sizes are refused by name before anything is
// allocated, and a config that is not a small regular file is not read.
func TestConfigSizesAreBounded(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct{ json, want string }{
		{`{"batch": 1000000000}`, "model.MaxBatch"},
		{`{"model": {"vocab": 27, "length": 128, "hidden": 1099511627776, "heads": 4, "blocks": 4, "cond": 128}}`, "model.MaxHidden"},
		{`{"model": {"vocab": 27, "length": 1000000000, "hidden": 128, "heads": 4, "blocks": 4, "cond": 128}}`, "model.MaxLength"},
		{`{"model": {"vocab": 27, "length": 128, "hidden": 128, "heads": 4, "blocks": 1000000000, "cond": 128}}`, "model.MaxBlocks"},
		{`{"model": {"vocab": 27, "length": 16384, "hidden": 1024, "heads": 16, "blocks": 24, "cond": 128}, "batch": 4096}`, "model.MaxNetBytes"},
		{`{"eval_bridge_steps": 1000000000}`, "walk.MaxSteps"},
	} {
		p := filepath.Join(dir, strconv.Itoa(i)+".json")
		require.NoError(t, os.WriteFile(p, []byte(c.json), 0o644))
		_, err := LoadConfig(p)
		require.ErrorContains(t, err, c.want)
	}
	_, err := LoadConfig("/dev/zero")
	require.ErrorContains(t, err, "not a regular file")
}
