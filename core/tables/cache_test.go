package tables

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func smallConfig() Config {
	cfg := DefaultConfig(3)
	cfg.Particles = 64
	cfg.Steps = 200
	cfg.Seed = 5
	return cfg
}

func TestCacheRoundTrip(t *testing.T) {
	cfg := smallConfig()
	path := filepath.Join(t.TempDir(), "t.safetensors")
	built, fresh, err := LoadOrBuild(path, cfg)
	require.NoError(t, err)
	require.True(t, fresh)
	loaded, fresh, err := LoadOrBuild(path, cfg)
	require.NoError(t, err)
	require.False(t, fresh)
	require.Equal(t, built, loaded, "a loaded table is bit-identical to the built one")

	// Workers do not enter the identity of a table.
	cfg.Workers = 2
	_, err = Load(path, cfg)
	require.NoError(t, err)
}

func TestCacheRejectsOtherParameters(t *testing.T) {
	cfg := smallConfig()
	path := filepath.Join(t.TempDir(), "t.safetensors")
	_, _, err := LoadOrBuild(path, cfg)
	require.NoError(t, err)
	for field, mutate := range map[string]func(*Config){
		"tokens=3 (want 4)":                func(c *Config) { c.Tokens = 4 },
		"formula=reference (want exact)":   func(c *Config) { c.Formula = Exact },
		"rho_scale=1 (want 1.14)":          func(c *Config) { c.RhoScale = 1.14 },
		"particles=64 (want 65)":           func(c *Config) { c.Particles = 65 },
		"seed=5 (want 6)":                  func(c *Config) { c.Seed = 6 },
		"schedule=geometric (want linear)": func(c *Config) { c.Schedule = "linear" },
	} {
		other := cfg
		mutate(&other)
		_, _, err := LoadOrBuild(path, other)
		require.ErrorContains(t, err, field)
		require.ErrorContains(t, err, "other parameters")
	}
}

func TestCacheRejectsCorruption(t *testing.T) {
	cfg := smallConfig()
	dir := t.TempDir()
	path := filepath.Join(dir, "t.safetensors")
	tab, err := Build(cfg)
	require.NoError(t, err)
	require.NoError(t, tab.Save(path))
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	// One flipped bit in the data block.
	bad := append([]byte(nil), good...)
	bad[len(bad)-100] ^= 0x10
	require.NoError(t, os.WriteFile(path, bad, 0o644))
	_, err = Load(path, cfg)
	require.ErrorContains(t, err, "corrupt")
	require.ErrorContains(t, err, "checksum")

	// A truncated file.
	require.NoError(t, os.WriteFile(path, good[:len(good)/2], 0o644))
	_, err = Load(path, cfg)
	require.ErrorContains(t, err, "unreadable")

	// Not a cache at all.
	require.NoError(t, os.WriteFile(path, []byte("hello"), 0o644))
	_, err = Load(path, cfg)
	require.Error(t, err)

	// No file: ErrNoCache, which LoadOrBuild turns into a build.
	_, err = Load(filepath.Join(dir, "none.safetensors"), cfg)
	require.True(t, errors.Is(err, ErrNoCache))
}
