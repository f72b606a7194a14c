package main

import (
	"encoding/json"
	"flag"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The simulation-free sampler (tables' alpha and rho + process.SampleXt)
// against a full geodesic-random-walk simulation of the bridge
// (process.SimulateBridge), K = 27 and K = 3, both starts, t = 0.5, 0.85,
// 0.95, with the exact rho formula (the one for which the wrapped Gaussian's
// mean resultant length equals the simulated |E X|; the reference formula
// adds a bias of about rho^2/2 relative, 0.003 to 0.005 in E<x,e_k>).
//
// 2000 samples per method: the standard error of each mean is at most
// 0.0018, that of a difference at most 0.0025 (measured), so the 0.01 bound
// is at least 4 of them; the test refuses to pass if it exceeds 0.003. The walk takes 500 steps per unit time
// instead of the command's 10000 to keep the test fast. Its discretisation
// error, measured with 20000 samples (K = 3, masked, t = 0.85, exact formula,
// standard errors 0.0005): simulated E<x,e_k> = 0.6384 with 500 steps per
// unit time, 0.6397 with 1000 and 0.6412 with 10000, so about 0.003 at 500
// steps: it uses part of the bound, and the largest difference seen below is
// 0.005 (2.2 standard errors).
func TestBridgeFreeMatchesSimulated(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"27", "3"} {
		cache := buildCache(t, dir, "--tokens", k, "--rho-formula", "exact")
		for _, start := range []string{"masked", "uniform"} {
			for _, tm := range []string{"0.5", "0.85", "0.95"} {
				fs := flag.NewFlagSet("bridge", flag.ContinueOnError)
				fs.SetOutput(io.Discard)
				s, _, err := parseBridge(fs, []string{"--tokens", k, "--rho-formula", "exact", "--cache", cache,
					"--start", start, "--t", tm, "--n", "2000", "--steps", "500", "--seed", "11"})
				require.NoError(t, err)
				free, sim, err := sampleBridge(s)
				require.NoError(t, err)
				for _, c := range []struct {
					name string
					f, s meanSE
				}{{"E<x,e_k>", free.ek, sim.ek}, {"E<x,start>", free.start, sim.start}} {
					se := math.Hypot(c.f.se, c.s.se)
					t.Logf("K=%s %-7s t=%-4s %-10s free %.5f simulated %.5f diff %+.5f (s.e. %.5f)", k, start, tm, c.name, c.f.mean, c.s.mean, c.f.mean-c.s.mean, se)
					require.Less(t, se, 0.003, "standard error too large for the bound to mean anything")
					require.InDelta(t, c.s.mean, c.f.mean, 0.01, "K=%s %s t=%s %s", k, start, tm, c.name)
				}
			}
		}
	}
}

// The JSON contract, and determinism: the same seed gives the same numbers.
func TestBridgeJSON(t *testing.T) {
	cache := buildCache(t, t.TempDir(), "--tokens", "3", "--particles", "500")
	args := []string{"bridge", "--tokens", "3", "--particles", "500", "--cache", cache, "--start", "uniform", "--t", "0.7", "--n", "50", "--steps", "100", "--json"}
	code, out, errs := runCLI(args...)
	require.Equal(t, 0, code, errs)
	var raw map[string]map[string]float64
	require.NoError(t, json.Unmarshal([]byte(out), &raw))
	require.Len(t, raw, 2)
	for _, key := range []string{"free", "simulated"} {
		require.Len(t, raw[key], 2, out)
		require.Contains(t, raw[key], "ek")
		require.Contains(t, raw[key], "start")
	}
	require.Equal(t, 1, strings.Count(out, "\n"))
	_, again, _ := runCLI(args...)
	require.Equal(t, out, again)
	_, other, _ := runCLI(append(args, "--seed", "1")...)
	require.NotEqual(t, out, other)

	code, text, errs := runCLI(args[:len(args)-1]...)
	require.Equal(t, 0, code, errs)
	require.Contains(t, text, "simulated")
	require.Contains(t, text, "+-")
}

func TestBridgeBadInput(t *testing.T) {
	base := []string{"--start", "masked", "--t", "0.5", "--n", "10"}
	cases := map[string][]string{
		"--tokens must be at least 2":       append([]string{"--tokens", "1"}, base...),
		"--t must be in [0, 1)":             {"--tokens", "3", "--start", "masked", "--t", "1", "--n", "10"},
		"--t must be in [0, 1) (got -0.1)":  {"--tokens", "3", "--start", "masked", "--t", "-0.1", "--n", "10"},
		"--start":                           {"--tokens", "3", "--start", "middle", "--t", "0.5", "--n", "10"},
		"--n must lie in [1, 67108864]":     {"--tokens", "3", "--start", "masked", "--t", "0.5", "--n", "0"},
		"--steps must lie in [1, 16777216]": append([]string{"--tokens", "3", "--steps", "0"}, base...),
		"--token 3 outside [0, 3)":          append([]string{"--tokens", "3", "--token", "3"}, base...),
		"--rho-formula":                     append([]string{"--tokens", "3", "--rho-formula", "fancy"}, base...),
		"--particles must be at least 1":    append([]string{"--tokens", "3", "--particles", "-5"}, base...),
		"malformed":                         {"--tokens", "3", "--start", "masked", "--t", "x", "--n", "10"},
	}
	for want, args := range cases {
		code, out, errs := runCLI(append([]string{"bridge"}, args...)...)
		require.Equal(t, 2, code, "%v: %s", args, errs)
		require.Empty(t, out)
		if want != "malformed" {
			require.Contains(t, errs, want, "%v", args)
		}
		require.Contains(t, errs, "rdlm bridge: ")
	}
}
