package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/internal/userfile"
	"github.com/rdlm-go/rdlm/trainer/data"
	"github.com/rdlm-go/rdlm/trainer/optim"
)

// Names inside the run folder and inside a checkpoint.
const (
	CheckpointDir = "ckpt"
	newDir        = ".ckpt-new"
	oldDir        = ".ckpt-old"
	StateFile     = "trainer.json"
	MetricsFile   = "metrics.jsonl"
	CurveFile     = "curve.svg"
	TablesFile    = "xt-tables.bin"
)

const stateFormat = "rdlm-train-1"

// trainerState is trainer.json: what a resume needs beyond the weights and
// the optimiser.
type trainerState struct {
	Format string        `json:"format"`
	Step   int           `json:"step"`
	Data   data.Position `json:"data"`
	Vocab  string        `json:"vocab"`       // the data's vocabulary name
	Chars  string        `json:"vocab_chars"` // and its characters in id order
	Config Config        `json:"config"`
	// TimeStats is the adaptive time proposal's state (adaptive times only).
	TimeStats *process.AdaptiveStats `json:"time_stats,omitempty"`
	// Resumes are the resumes that changed settings (steps, intervals, ...).
	Resumes []resumeRecord `json:"resumes,omitempty"`
}

// checkFresh refuses to start a new run over a checkpoint. Metrics without
// a checkpoint are what a run stopped before its first one leaves: nothing
// of it can be continued, and a fresh start replaces them.
func checkFresh(out string) error {
	for _, name := range []string{CheckpointDir, oldDir} {
		if _, err := os.Stat(filepath.Join(out, name)); err == nil {
			return fmt.Errorf("train: %s already holds a run with a checkpoint (%s): pass --resume to continue it, or choose another --out", out, name)
		}
	}
	return nil
}

// Recover puts the complete checkpoint back at out/ckpt after a crash in the
// middle of a swap: when ckpt is missing, .ckpt-old (the previous
// checkpoint, complete: it was renamed whole) takes its place. A leftover
// .ckpt-new is an unfinished write and is removed.
func Recover(out string) error {
	cur, old, nw := filepath.Join(out, CheckpointDir), filepath.Join(out, oldDir), filepath.Join(out, newDir)
	_, errCur := os.Stat(cur)
	_, errOld := os.Stat(old)
	switch {
	case errCur == nil && errOld == nil:
		// Crash after the swap, before the cleanup.
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("train: recover %s: %v", out, err)
		}
	case errors.Is(errCur, fs.ErrNotExist) && errOld == nil:
		if err := os.Rename(old, cur); err != nil {
			return fmt.Errorf("train: recover %s: %v", out, err)
		}
	}
	if _, err := os.Stat(nw); err == nil {
		if err := os.RemoveAll(nw); err != nil {
			return fmt.Errorf("train: recover %s: %v", out, err)
		}
	}
	return nil
}

// readState recovers the run folder, verifies its checkpoint against the
// manifest and reads its trainer.json. Without a checkpoint the error wraps
// errNoCheckpoint; a checkpoint without a manifest (an older build's) is
// read all the same, with an error wrapping errNoManifest beside the state.
func readState(out string) (*trainerState, error) {
	if err := Recover(out); err != nil {
		return nil, err
	}
	dir := filepath.Join(out, CheckpointDir)
	if _, err := os.Stat(filepath.Join(dir, StateFile)); errors.Is(err, fs.ErrNotExist) {
		_, err := resumeDir(out)
		return nil, err
	}
	verr := verifyManifest(dir)
	if verr != nil && !errors.Is(verr, errNoManifest) {
		return nil, fmt.Errorf("train: cannot resume: %v", verr)
	}
	st, err := readStateFile(dir)
	if err != nil {
		return nil, err
	}
	return st, verr
}

// readStateFile reads and validates dir/trainer.json.
func readStateFile(dir string) (*trainerState, error) {
	path := filepath.Join(dir, StateFile)
	b, err := userfile.Read(path, userfile.State)
	if err != nil {
		return nil, fmt.Errorf("train: %v", err)
	}
	var st trainerState
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("train: %s: not a trainer state: %v", path, err)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("train: %s: format %q, this build reads %q", path, st.Format, stateFormat)
	}
	if err := st.Config.Validate(); err != nil {
		return nil, fmt.Errorf("train: %s: %v", path, err)
	}
	return &st, nil
}

// checkVocab refuses data whose vocabulary is not the checkpoint's.
func (st *trainerState) checkVocab(c *data.Corpus, out string) error {
	if c.Vocab.Size() != st.Config.Model.Vocab || c.Vocab.Chars() != st.Chars {
		return fmt.Errorf("train: cannot resume %s: its model was trained on vocabulary %q of %d tokens %q, but data %s has vocabulary %q of %d tokens %q",
			out, st.Vocab, st.Config.Model.Vocab, st.Chars, c.Name, c.Vocab.Name, c.Vocab.Size(), c.Vocab.Chars())
	}
	return nil
}

// restore loads the checkpoint into a freshly built trainer.
func (tr *Trainer) restore(st *trainerState) error {
	dir := filepath.Join(tr.opt.Out, CheckpointDir)
	c, err := ckpt.Load(dir)
	if err != nil {
		return fmt.Errorf("train: resume: %v", err)
	}
	if c.Config.Model != tr.cfg.Model {
		return fmt.Errorf("train: resume: %s holds model %+v, the run needs %+v", dir, c.Config.Model, tr.cfg.Model)
	}
	if int64(st.Step) != c.Config.Step {
		return fmt.Errorf("train: resume: %s is at step %d but %s says %d", dir, c.Config.Step, StateFile, st.Step)
	}
	if err := optim.LoadState(filepath.Join(dir, optim.StateFile), tr.params.Flat, tr.adam, tr.ema); err != nil {
		return fmt.Errorf("train: resume: %v", err)
	}
	if tr.adam.Step != st.Step {
		return fmt.Errorf("train: resume: the optimiser state is at step %d, the checkpoint at %d", tr.adam.Step, st.Step)
	}
	if err := tr.obj.SetTimeStats(st.TimeStats); err != nil {
		return fmt.Errorf("train: resume: %v", err)
	}
	if err := tr.batches.Seek(st.Data); err != nil {
		return fmt.Errorf("train: resume: data: %v", err)
	}
	tr.step, tr.saved = st.Step, st.Step
	tr.resumes = st.Resumes
	// The metrics of steps after the checkpoint belong to the lost
	// continuation: drop them, so that the file reads as one run.
	hist, err := tr.log.reopen(filepath.Join(tr.opt.Out, MetricsFile), st.Step)
	if err != nil {
		return fmt.Errorf("train: resume: %v", err)
	}
	tr.history = hist
	return nil
}

// save writes a checkpoint of the current step and swaps it in.
func (tr *Trainer) save() error {
	if err := tr.pullDevice(); err != nil {
		return err
	}
	out := tr.opt.Out
	nw, cur, old := filepath.Join(out, newDir), filepath.Join(out, CheckpointDir), filepath.Join(out, oldDir)
	if err := Recover(out); err != nil {
		return err
	}
	if err := tr.writeCheckpoint(nw); err != nil {
		os.RemoveAll(nw)
		return fmt.Errorf("train: step %d: checkpoint not saved (the previous one, step %d, is intact): %w", tr.step, tr.saved, err)
	}
	if err := tr.stage("written"); err != nil {
		return err
	}
	if _, err := os.Stat(cur); err == nil {
		if err := os.Rename(cur, old); err != nil {
			return fmt.Errorf("train: step %d: %v", tr.step, err)
		}
	}
	if err := tr.stage("old-moved"); err != nil {
		return err
	}
	if err := os.Rename(nw, cur); err != nil {
		return fmt.Errorf("train: step %d: %v (the previous checkpoint is in %s)", tr.step, err, old)
	}
	syncDir(out)
	if err := tr.stage("swapped"); err != nil {
		return err
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("train: step %d: %v", tr.step, err)
	}
	tr.saved = tr.step
	return tr.writeCurve()
}

// writeCheckpoint fills dir (created afresh) with the whole checkpoint,
// trainer.json and then the manifest last.
func (tr *Trainer) writeCheckpoint(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	cfg := tr.cfg
	c := &ckpt.Checkpoint{Params: tr.emaP, Config: ckpt.Config{
		Model: cfg.Model, Process: tr.proc, Step: int64(tr.step), DType: ckpt.DTypeF32,
		Training: &ckpt.Training{Objective: cfg.Objective, Times: cfg.Times, Window: cfg.Window, Data: cfg.Data,
			Batch: cfg.Batch, Seed: cfg.Seed, TableParticles: cfg.TableParticles},
	}}
	if cfg.Family() != ckpt.FamilyRDLM {
		c.Config.Training.Window, c.Config.Training.TableParticles = [2]float64{}, 0
	}
	if err := ckpt.Save(dir, c); err != nil {
		return err
	}
	if err := tr.stage("weights"); err != nil {
		return err
	}
	if err := optim.SaveState(filepath.Join(dir, optim.StateFile), tr.params.Flat, tr.adam, tr.ema); err != nil {
		return err
	}
	st := trainerState{Format: stateFormat, Step: tr.step, Data: tr.batches.Position(),
		Vocab: tr.corpus.Vocab.Name, Chars: tr.corpus.Vocab.Chars(), Config: cfg, TimeStats: tr.obj.TimeStats(),
		Resumes: tr.resumes}
	js, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, StateFile), append(js, '\n')); err != nil {
		return err
	}
	if err := writeManifest(dir); err != nil { // last: it vouches for everything above
		return err
	}
	syncDir(dir)
	return nil
}

// stage lets tests stop a save at a given point, as a crash would.
func (tr *Trainer) stage(name string) error {
	if tr.saveStage == nil {
		return nil
	}
	return tr.saveStage(name)
}

// syncDir makes renames inside dir durable; best effort (not every
// platform can sync a folder).
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		_ = f.Sync()
		f.Close()
	}
}
