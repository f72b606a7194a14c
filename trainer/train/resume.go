package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/internal/jsondiff"
	"github.com/rdlm-go/rdlm/internal/userfile"
	"github.com/rdlm-go/rdlm/trainer/data"
)

// StartFile, in the run folder, records the settings a run was started
// with, written before its first step. A run killed (or stopped by a NaN)
// before its first checkpoint leaves metrics and no checkpoint; --resume
// then starts it again from step 0 with these settings.
const StartFile = "run.json"

const startFormat = "rdlm-run-1"

type startRecord struct {
	Format string `json:"format"`
	Config Config `json:"config"`
}

// errNoCheckpoint is wrapped by readState's error for a folder without a
// checkpoint.
var errNoCheckpoint = errors.New("no checkpoint")

// resumeRecord is one resume that changed settings, kept in trainer.json so
// that the checkpoint says how its run came to be what it is.
type resumeRecord struct {
	Step    int      `json:"step"`
	Changed []string `json:"changed"` // "steps 500 (was 300)"
}

func writeStart(out string, cfg Config) error {
	js, err := json.MarshalIndent(startRecord{Format: startFormat, Config: cfg}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(out, StartFile), append(js, '\n'))
}

// readStart reads out/run.json; a missing one is an error wrapping
// fs.ErrNotExist.
func readStart(out string) (Config, error) {
	path := filepath.Join(out, StartFile)
	b, err := userfile.Read(path, userfile.State)
	if err != nil {
		return Config{}, err
	}
	var rec startRecord
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return Config{}, fmt.Errorf("train: %s: not a run record: %v", path, err)
	}
	if rec.Format != startFormat {
		return Config{}, fmt.Errorf("train: %s: format %q, this build reads %q", path, rec.Format, startFormat)
	}
	if err := rec.Config.Validate(); err != nil {
		return Config{}, fmt.Errorf("train: %s: %v", path, err)
	}
	return rec.Config, nil
}

// settingDiffs lists the settings where now differs from before, as
// "steps 500 (was 300)", with word in place of "was".
func settingDiffs(now, before Config, word string) []string {
	var out []string
	for _, d := range jsondiff.Fields(now, before) {
		out = append(out, fmt.Sprintf("%s %s (%s %s)", d.Path, d.A, word, d.B))
	}
	return out
}

// CheckSameSettings refuses settings given to a resume (a --config) that
// are not the run's saved ones: a resume continues its own run, and the
// flags are the visible way to change what may change. The vocabulary (and
// an image model's length) come from the data, not from the settings, and
// are not compared.
func CheckSameSettings(given, saved Config, label string) error {
	g := given
	g.Model.Vocab = saved.Model.Vocab
	if data.IsImageData(saved.Data) {
		g.Model.Length = saved.Model.Length
	}
	diffs := settingDiffs(g, saved, "saved")
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%s differs from the settings the run was saved with: %s; leave it out to resume with the saved settings, and give flags (--steps, --ckpt-every, ...) to change what may change",
		label, strings.Join(diffs, ", "))
}

// SavedConfig is the configuration a resume of out continues with: that
// of its checkpoint, or, when the run stopped before its first checkpoint,
// that it was started with (run.json). It only reads: the folder may be in
// use by a running trainer, whose lock New then reports.
func SavedConfig(out string) (Config, error) {
	dir, err := resumeDir(out)
	if err == nil {
		st, err := readStateFile(dir)
		if err != nil {
			return Config{}, err
		}
		return st.Config, nil
	}
	if !errors.Is(err, errNoCheckpoint) {
		return Config{}, err
	}
	cfg, errStart := readStart(out)
	if errors.Is(errStart, fs.ErrNotExist) {
		return Config{}, err
	}
	return cfg, errStart
}

// resumeDir is the checkpoint folder a resume would read, without changing
// anything: ckpt, or the complete previous checkpoint .ckpt-old when a
// crash in the middle of a swap left no ckpt (which Recover then puts back).
func resumeDir(out string) (string, error) {
	for _, name := range []string{CheckpointDir, oldDir} {
		dir := filepath.Join(out, name)
		if _, err := os.Stat(filepath.Join(dir, StateFile)); err == nil {
			return dir, nil
		}
	}
	if _, err := os.Stat(out); err != nil {
		return "", fmt.Errorf("train: cannot resume: %s holds no checkpoint (%v): %w", out, err, errNoCheckpoint)
	}
	return "", fmt.Errorf("train: cannot resume: %s holds no checkpoint (%s is missing), and no run stopped before its first one (no %s): %w",
		out, filepath.Join(CheckpointDir, StateFile), StartFile, errNoCheckpoint)
}

// runFolder is a run folder opened for a Trainer: locked, recovered, and
// with what a resume continues from.
type runFolder struct {
	lock    *runLock
	created bool          // New made the folder, and removes it on failure
	state   *trainerState // the checkpoint a resume continues; nil: start at step 0
	notes   []string      // what the run should tell the user before it starts
}

// openRun prepares opt.Out for cfg under the folder's lock. A fresh run
// needs a folder without a checkpoint; metrics of a run stopped before its
// first checkpoint are replaced (nothing else is left of that run). A
// resume continues the checkpoint (verified against its manifest first),
// or, when there is none but the run was started, starts it again from
// step 0.
func openRun(cfg Config, opt Options) (_ *runFolder, err error) {
	out := opt.Out
	run := &runFolder{}
	st, statErr := os.Stat(out)
	switch {
	case statErr == nil && !st.IsDir():
		return nil, fmt.Errorf("train: output %s exists and is not a folder", out)
	case errors.Is(statErr, fs.ErrNotExist) && opt.Resume:
		_, err := resumeDir(out)
		return nil, err
	case errors.Is(statErr, fs.ErrNotExist):
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, fmt.Errorf("train: output folder: %v", err)
		}
		run.created = true
	case statErr != nil:
		return nil, fmt.Errorf("train: output folder: %v", statErr)
	}
	if run.lock, err = lockRun(out); err != nil {
		run.abandon(out)
		return nil, err
	}
	// From here on the folder is locked: any refusal unlocks it.
	defer func() {
		if err != nil {
			run.abandon(out)
		}
	}()
	if !opt.Resume {
		if err := checkFresh(out); err != nil {
			return nil, err
		}
		if started(out) {
			run.notes = append(run.notes, fmt.Sprintf("%s held a run stopped before its first checkpoint: starting afresh, its metrics replaced", out))
		}
		return run, nil
	}
	state, err := readState(out)
	switch {
	case errors.Is(err, errNoCheckpoint) && started(out):
		run.notes = append(run.notes, fmt.Sprintf("%s has no checkpoint yet (the run stopped before its first): starting it again from step 0, its metrics replaced", out))
		return run, nil
	case errors.Is(err, errNoManifest):
		run.notes = append(run.notes, fmt.Sprintf("warning: %s has no %s (written by an older build): its optimiser and trainer state cannot be verified", filepath.Join(out, CheckpointDir), ManifestFile))
	case err != nil:
		return nil, err
	}
	if err := cfg.checkResumable(state.Config); err != nil {
		return nil, fmt.Errorf("train: resume %s: %v", out, err)
	}
	if cfg.Steps < state.Step {
		return nil, fmt.Errorf("train: resume %s: steps %d is below the checkpoint's step %d: a run cannot be shortened (give steps >= %d)", out, cfg.Steps, state.Step, state.Step)
	}
	run.state = state
	return run, nil
}

// started says whether out holds the traces of a started run: its record
// or its metrics.
func started(out string) bool {
	for _, name := range []string{StartFile, MetricsFile} {
		if _, err := os.Stat(filepath.Join(out, name)); err == nil {
			return true
		}
	}
	return false
}

// abandon releases what openRun took when the Trainer is not built: the
// lock, and the folder if openRun made it (empty but for the lock file).
func (run *runFolder) abandon(out string) {
	run.lock.release()
	if run.created {
		os.Remove(filepath.Join(out, LockFile))
		os.Remove(out)
	}
}
