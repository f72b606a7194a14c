package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/trainer/objective"
	"github.com/rdlm-go/rdlm/trainer/optim"
	"github.com/stretchr/testify/require"
)

// The child mode of the test binary: train the config in $RDLM_TRAIN_CHILD
// into $RDLM_TRAIN_CHILD_OUT, announce step $RDLM_TRAIN_CHILD_PAUSE on
// stdout and wait there to be killed.
func TestMain(m *testing.M) {
	if js := os.Getenv("RDLM_TRAIN_CHILD"); js != "" {
		os.Exit(childTrain(js, os.Getenv("RDLM_TRAIN_CHILD_OUT"), os.Getenv("RDLM_TRAIN_CHILD_PAUSE")))
	}
	os.Exit(m.Run())
}

func childTrain(js, out, pauseAt string) int {
	var cfg Config
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	pause, _ := strconv.Atoi(pauseAt)
	tr, err := New(cfg, Options{Out: out})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	tr.afterStep = func(step int, _ float64) {
		if step == pause {
			fmt.Printf("paused at %d\n", step)
			select {} // until SIGKILL
		}
	}
	if _, err := tr.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	return 0
}

// checkpointFiles reads the files of a run's checkpoint that must agree bit
// for bit between an uninterrupted run and a resumed one, trainer.json
// without its record of the resumes that changed settings.
func checkpointFiles(t *testing.T, out string) map[string][]byte {
	files := map[string][]byte{}
	for _, name := range []string{ckpt.WeightsFile, ckpt.ConfigFile, optim.StateFile, StateFile} {
		b, err := os.ReadFile(filepath.Join(out, CheckpointDir, name))
		require.NoError(t, err)
		if name == StateFile {
			var st trainerState
			require.NoError(t, json.Unmarshal(b, &st))
			st.Resumes = nil
			b, err = json.Marshal(st)
			require.NoError(t, err)
		}
		files[name] = b
	}
	return files
}

// trainingLosses are the metrics' losses by step (timings left out).
func trainingLosses(t *testing.T, out string) map[int]float64 {
	m := map[int]float64{}
	for _, r := range readMetrics(t, out) {
		if r.ValidBPC == nil {
			m[r.Step] = r.Loss
		}
	}
	return m
}

func resumeConfig(t *testing.T) Config {
	cfg := testConfig(t, 12)
	cfg.CkptEvery, cfg.LogEvery = 4, 2
	return cfg
}

// A run killed with SIGKILL two steps after its checkpoint at step 4 and
// then resumed ends with the same bytes (EMA weights, raw weights, AdamW
// moments, EMA state, data position) as a run that was never interrupted,
// and its metrics file reads as one run.
func TestKilledRunResumesExactly(t *testing.T) {
	cfg := resumeConfig(t)
	whole := runDir(t)
	runTrainer(t, cfg, whole, false)

	killed := runDir(t)
	js, err := json.Marshal(cfg)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RDLM_TRAIN_CHILD="+string(js), "RDLM_TRAIN_CHILD_OUT="+killed, "RDLM_TRAIN_CHILD_PAUSE=6")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "child: %s", stderr.String())
	require.Equal(t, "paused at 6\n", line)
	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no chance to clean up
	err = cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "child should die of the signal, got %v", err)

	st, err := readState(killed)
	require.NoError(t, err)
	require.Equal(t, 4, st.Step)
	require.Contains(t, trainingLosses(t, killed), 6) // the lost steps were logged

	tr, res := runTrainer(t, cfg, killed, true)
	require.Equal(t, 12, res.Step)
	require.Equal(t, 12, tr.Step())
	require.Equal(t, checkpointFiles(t, whole), checkpointFiles(t, killed))
	require.Equal(t, trainingLosses(t, whole), trainingLosses(t, killed))
}

// A crash at any point of a checkpoint swap leaves a complete checkpoint
// that a resume finds (the previous one, or the new one once it is in
// place), and the resumed run still ends bit-identical to an uninterrupted
// one. "weights" stops half-way through writing the new folder.
func TestCrashDuringSaveLeavesALoadableCheckpoint(t *testing.T) {
	cfg := resumeConfig(t)
	whole := runDir(t)
	runTrainer(t, cfg, whole, false)
	want := checkpointFiles(t, whole)
	for stage, stepAfter := range map[string]int{"weights": 4, "written": 4, "old-moved": 4, "swapped": 8} {
		t.Run(stage, func(t *testing.T) {
			out := runDir(t)
			tr, _ := newTrainer(t, cfg, out, false)
			crash := errors.New("simulated crash")
			tr.saveStage = func(s string) error {
				if s == stage && tr.step == 8 {
					return crash
				}
				return nil
			}
			_, err := tr.Run(context.Background())
			require.ErrorIs(t, err, crash)
			require.NoError(t, Recover(out))
			c, err := ckpt.Load(filepath.Join(out, CheckpointDir))
			require.NoError(t, err)
			require.Equal(t, int64(stepAfter), c.Config.Step)
			for _, leftover := range []string{newDir, oldDir} {
				require.NoDirExists(t, filepath.Join(out, leftover))
			}
			runTrainer(t, cfg, out, true)
			require.Equal(t, want, checkpointFiles(t, out))
		})
	}
}

// A NaN in the gradient at step 7 stops the run with an error naming the
// step; the checkpoint of step 4 is untouched and loads.
func TestNaNStopsTheRunAndKeepsTheCheckpoint(t *testing.T) {
	cfg := resumeConfig(t)
	out := runDir(t)
	tr, _ := newTrainer(t, cfg, out, false)
	var before map[string][]byte
	tr.afterBackward = func(step int, g []float32) {
		if step == 7 {
			before = checkpointFiles(t, out)
			g[3] = float32(nanValue())
		}
	}
	res, err := tr.Run(context.Background())
	require.ErrorIs(t, err, ErrNonFinite)
	require.ErrorContains(t, err, "step 7")
	require.ErrorContains(t, err, "last checkpoint: step 4")
	require.Equal(t, 6, res.Step)
	require.Equal(t, before, checkpointFiles(t, out))
	c, err := ckpt.Load(filepath.Join(out, CheckpointDir))
	require.NoError(t, err)
	require.Equal(t, int64(4), c.Config.Step)
}

// A learning rate far too large blows the weights up; the run stops at the
// first non-finite loss, again with the last checkpoint intact.
func TestDivergenceStopsAtTheFirstNonFiniteLoss(t *testing.T) {
	cfg := resumeConfig(t)
	cfg.LR, cfg.Warmup, cfg.Clip = 1e36, 0, 0
	out := runDir(t)
	tr, _ := newTrainer(t, cfg, out, false)
	_, err := tr.Run(context.Background())
	require.ErrorIs(t, err, ErrNonFinite)
	require.ErrorContains(t, err, "step ")
	if tr.saved > 0 {
		_, err := ckpt.Load(filepath.Join(out, CheckpointDir))
		require.NoError(t, err)
	}
}

// Cancelling the context (Ctrl-C) saves a checkpoint at the current step.
func TestInterruptSavesAndResumes(t *testing.T) {
	cfg := resumeConfig(t)
	out := runDir(t)
	tr, _ := newTrainer(t, cfg, out, false)
	ctx, cancel := context.WithCancel(context.Background())
	tr.afterStep = func(step int, _ float64) {
		if step == 5 {
			cancel()
		}
	}
	res, err := tr.Run(ctx)
	require.NoError(t, err)
	require.True(t, res.Interrupted)
	require.Equal(t, 5, res.Step)
	st, err := readState(out)
	require.NoError(t, err)
	require.Equal(t, 5, st.Step)

	whole := runDir(t)
	runTrainer(t, cfg, whole, false)
	runTrainer(t, cfg, out, true)
	require.Equal(t, checkpointFiles(t, whole), checkpointFiles(t, out))
}

func TestTrainingStepAllocatesNothing(t *testing.T) {
	for _, kind := range []string{"ce", "elbo", "mdlm"} {
		cfg := testConfig(t, 1000)
		cfg.SetObjective(kind)
		tr, _ := newTrainer(t, cfg, runDir(t), false)
		_, _, err := tr.trainStep()
		require.NoError(t, err)
		allocs := testing.AllocsPerRun(5, func() {
			if _, _, err := tr.trainStep(); err != nil {
				panic(err)
			}
		})
		require.Zero(t, allocs, kind)
	}
}

// Adaptive times carry learnt state: a run stopped at step 6 and resumed
// ends bit-identical to an uninterrupted one (weights, optimiser, the
// proposal's statistics in trainer.json), with the CE+ELBO objective.
func TestAdaptiveTimesResumeExactly(t *testing.T) {
	cfg := resumeConfig(t)
	cfg.Objective, cfg.Times = objective.CEELBO, objective.TimesAdaptive
	whole := runDir(t)
	runTrainer(t, cfg, whole, false)
	st, err := readState(whole)
	require.NoError(t, err)
	require.NotNil(t, st.TimeStats)
	var seen uint64
	for _, n := range st.TimeStats.Seen {
		seen += n
	}
	require.Equal(t, uint64(12*cfg.Batch), seen, "every sequence of every step is observed once")

	split := runDir(t)
	first := cfg
	first.Steps = 6
	runTrainer(t, first, split, false)
	runTrainer(t, cfg, split, true)
	require.Equal(t, checkpointFiles(t, whole), checkpointFiles(t, split))
	require.Equal(t, trainingLosses(t, whole), trainingLosses(t, split))
}
