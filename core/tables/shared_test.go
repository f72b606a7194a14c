package tables

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The full K = 27 reference-formula table (16384 particles, 10000 steps) is
// built once per test binary and shared: it is the expensive part of the
// package's tests.
var (
	fullOnce   sync.Once
	fullTables *Tables
	fullMoms   *Moments
	fullErr    error
	fullTime   time.Duration
)

func fullK27(t *testing.T) (*Tables, *Moments) {
	t.Helper()
	fullOnce.Do(func() {
		cfg := DefaultConfig(27)
		start := time.Now()
		sched, err := cfg.schedule()
		if err != nil {
			fullErr = err
			return
		}
		fullMoms, fullErr = simulate(cfg.Tokens, cfg.Steps, cfg.Particles, cfg.Seed, sched, 0)
		if fullErr != nil {
			return
		}
		fullTables = fromMoments(cfg, fullMoms)
		fullTime = time.Since(start)
	})
	require.NoError(t, fullErr)
	t.Logf("full K=27 table built in %v (shared by the tests)", fullTime)
	return fullTables, fullMoms
}
