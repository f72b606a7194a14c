package model

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// The formula and the specs agree, for the presets and for odd shapes.
func TestNumParamsFormulaMatchesSpecs(t *testing.T) {
	cfgs := []Config{{Vocab: 3, Length: 5, Hidden: 6, Heads: 3, Blocks: 0, Cond: 1}, {Vocab: 256, Length: 196, Hidden: 96, Heads: 4, Blocks: 3, Cond: 64}}
	for _, name := range PresetNames() {
		c, err := Preset(name)
		require.NoError(t, err)
		cfgs = append(cfgs, c)
	}
	for _, c := range cfgs {
		require.Equal(t, int64(c.NumParams()), c.numParams64(), "%+v", c)
	}
}

func TestCheckLimitsNamesTheLimit(t *testing.T) {
	small, err := Preset("small")
	require.NoError(t, err)
	require.NoError(t, small.CheckLimits())
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Hidden = 1 << 40 }, "hidden = 1099511627776 is beyond the limit of 16384 (model.MaxHidden)"},
		{func(c *Config) { c.Blocks = 1 << 30 }, "model.MaxBlocks"},
		{func(c *Config) { c.Cond = 1 << 20 }, "model.MaxCond"},
		{func(c *Config) { c.Length = 1 << 20 }, "model.MaxLength"},
		{func(c *Config) { c.Vocab = 1 << 30 }, "model.MaxVocab"},
		{func(c *Config) { c.Heads = 1 << 9 }, "model.MaxHeads"},
		{func(c *Config) { c.Hidden, c.Blocks = MaxHidden, MaxBlocks }, "model.MaxParams"},
	} {
		cfg := small
		c.edit(&cfg)
		require.ErrorContains(t, cfg.CheckLimits(), c.want)
		require.ErrorContains(t, cfg.CheckNet(1, 1, false), c.want)
	}
}

func TestCheckNetRefusesAbsurdNetworks(t *testing.T) {
	text8, err := Preset("text8")
	require.NoError(t, err)
	require.NoError(t, text8.CheckNet(512, 256, true), "the published training setting")
	require.ErrorContains(t, text8.CheckNet(MaxBatch+1, 256, false), "model.MaxBatch")
	require.ErrorContains(t, text8.CheckNet(1, MaxLength+1, false), "model.MaxLength")
	err = text8.CheckNet(4096, MaxLength, true)
	require.ErrorContains(t, err, "beyond the limit of 256 GiB (model.MaxNetBytes)")
	t.Log(err)
}

// allocated is the bytes allocated by f.
func allocated(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// NetBytes is an estimate that must not fall short of what the networks
// really allocate, nor overstate it so much that the limit means nothing.
func TestNetBytesMatchesTheAllocations(t *testing.T) {
	c := Config{Vocab: 27, Length: 64, Hidden: 64, Heads: 4, Blocks: 3, Cond: 32}
	const B = 4
	p := NewParams[float32](c)
	var inf *Inference[float32]
	gotInf := allocated(func() { inf, _ = NewInference(p, B, c.Length) })
	gotInf += int64(2 * 4 * B * c.Length * c.Vocab) // the caller's x and logits
	var net *Net[float32]
	gotNet := allocated(func() { net, _ = NewNet(p, B, c.Length) })
	gotNet += int64(5 * 4 * c.NumParams()) // weights, gradient, moments, EMA
	runtime.KeepAlive(inf)
	runtime.KeepAlive(net)
	for _, k := range []struct {
		name     string
		got, est int64
	}{{"inference", gotInf, c.NetBytes(B, c.Length, false)}, {"training", gotNet, c.NetBytes(B, c.Length, true)}} {
		t.Logf("%s: allocated %d bytes, estimated %d", k.name, k.got, k.est)
		require.GreaterOrEqual(t, float64(k.est), 0.9*float64(k.got), k.name)
		require.Less(t, float64(k.est), 2*float64(k.got), k.name)
	}
}

// The networks check before they allocate: an absurd request is an error.
func TestNetworksRefuseAbsurdSizes(t *testing.T) {
	c := Config{Vocab: 27, Length: 8, Hidden: 16, Heads: 2, Blocks: 1, Cond: 8}
	p := NewParams[float32](c)
	_, err := NewInference(p, 1, 1<<20)
	require.ErrorContains(t, err, "model.MaxLength")
	_, err = NewNet(p, 1<<20, 8)
	require.ErrorContains(t, err, "model.MaxBatch")
	_, err = NewBlockBench(32, 100000, 100000, 4)
	require.ErrorContains(t, err, "model.MaxLength")
	_, err = NewBlockBench(32, 256, 100000, 4)
	require.ErrorContains(t, err, "model.MaxHidden")
	_, err = NewBlockBench(4096, 8192, 4096, 4)
	require.ErrorContains(t, err, "model.MaxNetBytes")
}
