package ckpt

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func readSaved(t *testing.T) (cfg, weights []byte, c *Checkpoint) {
	dir, c := saved(t, DTypeF32)
	cfg, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	require.NoError(t, err)
	weights, err = os.ReadFile(filepath.Join(dir, WeightsFile))
	require.NoError(t, err)
	return cfg, weights, c
}

func TestFromBytesMatchesSavedCheckpoint(t *testing.T) {
	cfg, weights, c := readSaved(t)
	got, err := FromBytes(cfg, weights)
	require.NoError(t, err)
	require.Equal(t, c.Config, got.Config)
	require.Equal(t, c.Params.Flat, got.Params.Flat)
}

func TestFromBytesRejectsDamage(t *testing.T) {
	cfg, weights, _ := readSaved(t)
	flipped := append([]byte(nil), weights...)
	flipped[len(flipped)-1] ^= 1
	cases := []struct {
		name        string
		cfg, w      []byte
		errContains string
	}{
		{"config not JSON", []byte("<html>"), weights, "not a valid checkpoint config"},
		{"unknown field", []byte(`{"format":1,"surprise":2}`), weights, "surprise"},
		{"trailing data", append(append([]byte(nil), cfg...), []byte("{}")...), weights, "trailing data"},
		{"weights not safetensors", cfg, []byte("not a safetensors file"), WeightsFile},
		{"flipped bit", cfg, flipped, "sha256"},
		{"empty weights", cfg, nil, WeightsFile},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromBytes(tc.cfg, tc.w)
			require.ErrorContains(t, err, tc.errContains)
		})
	}
}

func TestParseConfigValidates(t *testing.T) {
	cfg, _, c := readSaved(t)
	got, err := ParseConfig(cfg)
	require.NoError(t, err)
	require.Equal(t, c.Config, got)
	_, err = ParseConfig([]byte(`{"format":99}`))
	require.ErrorContains(t, err, "format 99")
}
