// Package model is the denoiser of RDLM (rdlm-math.md section 5): a DiT with
// adaLN modulation and rotary attention, on the CPU, in float32 for work and
// float64 for gradient checks. It owns the architecture (Config, presets), the
// parameter layout (the reference implementation's state-dict names and
// shapes, so that checkpoints convert one-to-one) and the network's forward
// and backward passes on preallocated buffers.
package model

import (
	"fmt"
	"maps"
	"slices"
)

// Config is the architecture of a denoiser.
type Config struct {
	Vocab  int `json:"vocab"`  // K token categories: input width and logits width
	Length int `json:"length"` // L positions per sequence the model is built for
	Hidden int `json:"hidden"` // D, the residual stream width
	Heads  int `json:"heads"`  // attention heads; head dim D/Heads must be even (rotary)
	Blocks int `json:"blocks"` // transformer blocks
	Cond   int `json:"cond"`   // C, width of the time conditioning vector
	// Causal makes attention see only the positions up to the query's own:
	// the same network as an autoregressive model (the paper's AR row),
	// reading the previous token at each position.
	Causal bool `json:"causal,omitempty"`
}

// TimeFeatures is the width of the sinusoidal time embedding fed to the time
// MLP (128 frequencies, cos and sin): fixed by the reference architecture.
const TimeFeatures = 256

// MLPRatio is the MLP expansion of every block (Linear D -> 4D -> D).
const MLPRatio = 4

var presets = map[string]Config{
	// tiny matches the reference test state (dit-tiny-state.safetensors).
	"tiny": {Vocab: 27, Length: 32, Hidden: 64, Heads: 4, Blocks: 2, Cond: 128},
	// small trains on a 2-core CPU: 1,275,931 parameters; a training step
	// (forward, loss, backward) of 16 sequences of 128 takes about 0.3 s on
	// two shared AVX-512 cores (BenchmarkSmallTrainStep).
	"small": {Vocab: 27, Length: 128, Hidden: 128, Heads: 4, Blocks: 4, Cond: 128},
	// text8 is the reference's published text8 model (92,422,939 parameters).
	"text8": {Vocab: 27, Length: 256, Hidden: 768, Heads: 12, Blocks: 12, Cond: 128},
}

// Preset returns a named architecture (see PresetNames).
func Preset(name string) (Config, error) {
	c, ok := presets[name]
	if !ok {
		return Config{}, fmt.Errorf("model: unknown preset %q (known: %v)", name, PresetNames())
	}
	return c, nil
}

// PresetNames lists the preset names in sorted order.
func PresetNames() []string { return slices.Sorted(maps.Keys(presets)) }

// HeadDim is D / Heads.
func (c Config) HeadDim() int { return c.Hidden / c.Heads }

// Validate says what is wrong with a configuration, if anything.
func (c Config) Validate() error {
	fields := []struct {
		name string
		v    int
	}{{"vocab", c.Vocab}, {"length", c.Length}, {"hidden", c.Hidden}, {"heads", c.Heads}, {"blocks", c.Blocks}, {"cond", c.Cond}}
	for _, f := range fields {
		if f.v <= 0 {
			return fmt.Errorf("model: config %s = %d, must be positive", f.name, f.v)
		}
	}
	if c.Hidden%c.Heads != 0 {
		return fmt.Errorf("model: hidden %d is not divisible by heads %d", c.Hidden, c.Heads)
	}
	if c.HeadDim()%2 != 0 {
		return fmt.Errorf("model: head dim %d (hidden %d / heads %d) must be even for rotary embeddings", c.HeadDim(), c.Hidden, c.Heads)
	}
	return nil
}
