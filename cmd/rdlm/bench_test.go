package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/stretchr/testify/require"
)

// A tiny run prints one JSON line per sgemm size and one for the block, with
// positive figures and the kernels and threads actually in use.
func TestBenchJSONLines(t *testing.T) {
	cpu.SetThreads(3) // a setting the run must restore
	threadsBefore := cpu.Threads()
	defer cpu.SetThreads(0)
	code, out, errs := runCLI("bench", "--json", "--sizes", "16,33", "--layout", "tn", "--reps", "2", "--threads", "1",
		"--batch", "2", "--length", "8", "--hidden", "16", "--heads", "2")
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	for i, n := range []int{16, 33} {
		var r benchSGEMM
		require.NoError(t, json.Unmarshal([]byte(lines[i]), &r))
		require.Equal(t, benchSGEMM{Bench: "sgemm", Layout: "TN", N: n, Reps: 2, Kernels: cpu.KernelName(), Threads: 1},
			benchSGEMM{Bench: r.Bench, Layout: r.Layout, N: r.N, Reps: r.Reps, Kernels: r.Kernels, Threads: r.Threads})
		require.Greater(t, r.GFLOPS, 0.0)
		require.Greater(t, r.MS, 0.0)
	}
	var b benchBlock
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &b))
	require.Equal(t, "block", b.Bench)
	require.Equal(t, []int{2, 8, 16, 2, 4, 1}, []int{b.Batch, b.Length, b.Hidden, b.Heads, b.MLP, b.Threads})
	require.Greater(t, b.MS, 0.0)
	require.LessOrEqual(t, b.MSMin, b.MS)
	// --threads applies only for the run.
	require.Equal(t, threadsBefore, cpu.Threads())
}

func TestBenchTextAndNoBlock(t *testing.T) {
	code, out, errs := runCLI("bench", "--sizes", "8", "--reps", "1", "--block=false")
	require.Equal(t, 0, code, errs)
	require.True(t, strings.HasPrefix(out, "sgemm NT n=8: "), out)
	require.Equal(t, 1, strings.Count(out, "\n"))
}

func TestBenchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--threads", "-1"}, {"--sizes", "12,x"}, {"--sizes", "0"}, {"--layout", "TT"}, {"--reps", "0"}, {"stray"},
		{"--sizes", "", "--hidden", "30", "--heads", "4"}, // hidden not divisible by heads
	} {
		code, _, errs := runCLI(append([]string{"bench"}, args...)...)
		require.Equal(t, 2, code, "%v: %s", args, errs)
		require.True(t, strings.HasPrefix(errs, "rdlm bench: "), errs)
	}
}

// Absurd sizes are refused by name before anything is allocated: a
// 10^8 sgemm used to overflow n*n and panic, and a block of hidden and
// length 100,000 asked for 480 GB.
func TestBenchRefusesAbsurdSizes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sizes", "100000000"}, "size 100000000 is beyond the limit of 8192"},
		{[]string{"--sizes", "", "--hidden", "100000", "--length", "100000"}, "model.MaxLength"},
		{[]string{"--sizes", "", "--hidden", "100000"}, "model.MaxHidden"},
		{[]string{"--sizes", "", "--batch", "100000000"}, "model.MaxBatch"},
		{[]string{"--sizes", "", "--batch", "4096", "--length", "8192", "--hidden", "4096"}, "model.MaxNetBytes"},
		{[]string{"--reps", "1000000000"}, "--reps must lie in [1, 1000]"},
		{[]string{"--threads", "1000000000"}, "--threads must lie in [0, 1024]"},
	} {
		code, _, errs := runCLI(append([]string{"bench"}, c.args...)...)
		requireOneLineError(t, 2, code, errs, "bench", c.want)
	}
}

// --walk times a whole walk of a built-in model and prints only that line.
func TestBenchWalkJSONLine(t *testing.T) {
	code, out, errs := runCLI("bench", "--walk", "--json", "--reps", "2", "--threads", "1",
		"--walk-batch", "2", "--walk-length", "8", "--walk-steps", "3")
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 1)
	var w benchWalk
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &w))
	require.Equal(t, benchWalk{Bench: "walk", Model: "shakespeare", Batch: 2, Length: 8, Steps: 3, Reps: 2, Kernels: cpu.KernelName(), Threads: 1},
		benchWalk{Bench: w.Bench, Model: w.Model, Batch: w.Batch, Length: w.Length, Steps: w.Steps, Reps: w.Reps, Kernels: w.Kernels, Threads: w.Threads})
	require.Greater(t, w.MS, 0.0)
	require.LessOrEqual(t, w.MSMin, w.MS)

	for _, args := range [][]string{
		{"--walk-batch", "0"}, {"--walk-steps", "0"}, {"--walk-length", "129"}, {"--walk-length", "-1"},
		{"--walk-model", "shakespeare-ar"}, {"--walk-model", "no-such-model"},
	} {
		code, _, errs := runCLI(append([]string{"bench", "--walk", "--reps", "1"}, args...)...)
		require.Equal(t, 2, code, "%v: %s", args, errs)
		require.True(t, strings.HasPrefix(errs, "rdlm bench: walk: "), errs)
	}
}
