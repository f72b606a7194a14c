package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// buildCache builds tables through the CLI into a cache file in dir.
func buildCache(t *testing.T, dir string, args ...string) string {
	t.Helper()
	path := filepath.Join(dir, strings.Join(args, "_")+".safetensors")
	code, _, errs := runCLI(append(append([]string{"tables"}, args...), "--cache", path, "--at", "0.5", "--json")...)
	require.Equal(t, 0, code, errs)
	return path
}

// rdlm-math.md section 10 through the CLI: the JSON contract and the
// reference values (K = 27, reference formula, rho_scale 1), within the
// doc's Monte Carlo tolerance of +-0.005 (rho +-0.002).
func TestTablesJSON(t *testing.T) {
	cache := buildCache(t, t.TempDir(), "--tokens", "27")
	code, out, errs := runCLI("tables", "--tokens", "27", "--cache", cache, "--at", "0.5,0.85,0.95", "--json")
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	want := map[float64][2][4]float64{
		0.5:  {{0.10207, 0.96192, 0.10552, 0.04848}, {0.27057, 0.96370, 0.09306, 0.04804}},
		0.85: {{0.59700, 0.61634, 0.69575, 0.10218}, {0.65841, 0.67490, 0.62518, 0.09969}},
		0.95: {{0.86735, 0.25864, 0.95830, 0.08315}, {0.87772, 0.39251, 0.90164, 0.08203}},
	}
	for _, line := range lines {
		// The exact key set is part of the contract.
		var raw map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(line), &raw))
		require.Len(t, raw, 3, line)
		var got struct {
			T       float64            `json:"t"`
			Masked  map[string]float64 `json:"masked"`
			Uniform map[string]float64 `json:"uniform"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &got))
		w, ok := want[got.T]
		require.True(t, ok, "unexpected t in %s", line)
		for i, row := range []map[string]float64{got.Masked, got.Uniform} {
			require.Len(t, row, 4, line)
			require.InDelta(t, w[i][0], row["ek"], 0.005, line)
			require.InDelta(t, w[i][1], row["start"], 0.005, line)
			require.InDelta(t, w[i][2], row["alpha"], 0.005, line)
			require.InDelta(t, w[i][3], row["rho"], 0.002, line)
		}
	}

	// rho-scale scales rho and nothing else (here from a fresh small build).
	small := []string{"tables", "--tokens", "4", "--particles", "256", "--at", "0.9", "--json"}
	code, base, errs := runCLI(small...)
	require.Equal(t, 0, code, errs)
	code, scaled, errs := runCLI(append(small, "--rho-scale", "2")...)
	require.Equal(t, 0, code, errs)
	var b, s tablesLine
	require.NoError(t, json.Unmarshal([]byte(base), &b))
	require.NoError(t, json.Unmarshal([]byte(scaled), &s))
	require.InDelta(t, 2*b.Masked.Rho, s.Masked.Rho, 1e-6)
	require.Equal(t, b.Masked.Alpha, s.Masked.Alpha)
}

func TestTablesReadableOutput(t *testing.T) {
	cache := buildCache(t, t.TempDir(), "--tokens", "27", "--particles", "300")
	code, out, errs := runCLI("tables", "--tokens", "27", "--particles", "300", "--cache", cache, "--at", "0.85")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "K = 27")
	require.Contains(t, out, "loaded from")
	require.Contains(t, out, "0.8500 |")
}

// A cache built with other parameters is refused, not silently reused.
func TestTablesCacheMismatch(t *testing.T) {
	cache := buildCache(t, t.TempDir(), "--tokens", "27", "--particles", "300")
	code, _, errs := runCLI("tables", "--tokens", "27", "--particles", "300", "--seed", "3", "--cache", cache, "--at", "0.5")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "seed=0 (want 3)")
	require.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "one-line error")
}

func TestTablesBadInput(t *testing.T) {
	cases := map[string][]string{
		"--tokens must be at least 2":    {"--tokens", "1", "--at", "0.5"},
		"--at is required":               {"--tokens", "27"},
		"malformed number":               {"--tokens", "27", "--at", "0.5,x"},
		"outside [0, 1)":                 {"--tokens", "27", "--at", "1.5"},
		"time 1 outside [0, 1)":          {"--tokens", "27", "--at", "0.5,1"},
		"--rho-formula":                  {"--tokens", "27", "--at", "0.5", "--rho-formula", "approx"},
		"--rho-scale must be positive":   {"--tokens", "27", "--at", "0.5", "--rho-scale", "-1"},
		"--particles must be at least 1": {"--tokens", "27", "--at", "0.5", "--particles", "0"},
		"invalid value":                  {"--tokens", "x", "--at", "0.5"},
		"unexpected argument":            {"--tokens", "27", "--at", "0.5", "extra"},
	}
	for want, args := range cases {
		code, out, errs := runCLI(append([]string{"tables"}, args...)...)
		require.Equal(t, 2, code, "%v: %s", args, errs)
		require.Empty(t, out)
		require.Contains(t, errs, want, "%v", args)
		require.Contains(t, errs, "rdlm tables: ")
	}
}
