package model

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// Limits on an architecture and on the networks built from it. They lie far
// beyond anything this engine trains or runs (the published text8 model is
// hidden 768, 12 heads, 12 blocks, 256 positions; the largest image model
// here, CIFAR-10 split into digits, has 6,144 positions), and they make a
// typo or a hostile config.json an error naming the limit, where it would
// otherwise be a failed allocation of terabytes (or an int overflow that
// allocates garbage).
const (
	MaxVocab  = 1 << 20 // token categories
	MaxLength = 1 << 14 // positions per sequence (attention keeps L*L scores)
	MaxHidden = 1 << 14
	MaxHeads  = 1 << 8
	MaxBlocks = 1 << 10
	MaxCond   = 1 << 14
	// MaxParams bounds the parameter count: 2^31 float32 weights are
	// 8 GiB, and training holds five such blocks (weights, gradient, two
	// Adam moments, the EMA).
	MaxParams = 1 << 31
	// MaxBatch bounds the sequences of one network pass.
	MaxBatch = 1 << 16
	// MaxNetBytes bounds the buffers of one network (its activations and
	// scratch, and in training the optimiser's copies of the weights).
	MaxNetBytes = 256 << 30
)

// CheckLimits says which size of c is beyond its limit, if any. It runs
// before anything is sized from c (Specs, NumParams, NewParams), so it
// computes the parameter count without them and in int64.
func (c Config) CheckLimits() error {
	fields := []struct {
		name   string
		v, max int
		limit  string
	}{
		{"vocab", c.Vocab, MaxVocab, "MaxVocab"}, {"length", c.Length, MaxLength, "MaxLength"},
		{"hidden", c.Hidden, MaxHidden, "MaxHidden"}, {"heads", c.Heads, MaxHeads, "MaxHeads"},
		{"blocks", c.Blocks, MaxBlocks, "MaxBlocks"}, {"cond", c.Cond, MaxCond, "MaxCond"},
	}
	for _, f := range fields {
		if f.v > f.max {
			return fmt.Errorf("model: config %s = %d is beyond the limit of %d (model.%s)", f.name, f.v, f.max, f.limit)
		}
	}
	if n := c.numParams64(); n > MaxParams {
		return fmt.Errorf("model: config %+v has %d parameters, beyond the limit of %d (model.MaxParams)", c, n, int64(MaxParams))
	}
	return nil
}

// numParams64 is NumParams by formula (Specs' shapes summed), for a config
// whose sizes are within the limits: every product then fits in an int64.
func (c Config) numParams64() int64 {
	D, K, C, nb := int64(c.Hidden), int64(c.Vocab), int64(c.Cond), int64(c.Blocks)
	embed := D*K + D
	timeMLP := C*TimeFeatures + C + C*C + C
	block := D + 3*D*D + D*D + D + MLPRatio*D*D + MLPRatio*D + MLPRatio*D*D + D + 6*D*C + 6*D
	final := D + K*D + K + 2*D*C + 2*D
	return embed + timeMLP + nb*block + final
}

// NetBytes estimates the memory of a network of c for batch sequences of
// length positions: its activations and scratch (see newEngine and
// newBlockActs, which it mirrors to within a few buffers), the caller's
// inputs and logits, and in training the gradient, Adam's two moments and
// the EMA besides the weights. The weights themselves are counted in
// training only: at inference they were read from a file of that size.
func (c Config) NetBytes(batch, length int, training bool) int64 {
	B, L := int64(batch), int64(length)
	N, D, K, C, H := B*L, int64(c.Hidden), int64(c.Vocab), int64(c.Cond), int64(c.Heads)
	hd, W, nb := D/max(H, 1), int64(cpu.Threads()), int64(c.Blocks)
	hid := MLPRatio * D
	floats := N*3*D + W*L*(L+4*hd) + L*hd + B*(TimeFeatures+4*C+8*D) + N*D // qkv, attention scratch, rotary, time, final
	if training {
		perBlock := N*(9*D+2*hid+4) + B*H*L*L + B*6*D // activations kept for the backward, probabilities included
		floats += nb*perBlock + (nb+1)*N*D            // and the residual stream before every block
		floats += N*(7*D+hid) + W*B*6*D               // backward scratch
		floats += 8 * N * K                           // inputs, logits, their gradient, the objective's buffers
		floats += 5 * c.numParams64()                 // weights, gradient, two moments, EMA
	} else {
		floats += N*(4*D+hid) + nb*B*6*D // one set of activations shared by the blocks, each block's modulation
		floats += 5 * N * K              // inputs, logits and the sampler's points
	}
	return 4 * floats
}

// CheckNet refuses a network of c whose buffers would exceed MaxNetBytes
// (or whose batch exceeds MaxBatch), naming the sizes that ask for it.
func (c Config) CheckNet(batch, length int, training bool) error {
	if err := c.CheckLimits(); err != nil {
		return err
	}
	switch {
	case batch > MaxBatch:
		return fmt.Errorf("model: batch %d is beyond the limit of %d sequences per pass (model.MaxBatch)", batch, MaxBatch)
	case length > MaxLength:
		return fmt.Errorf("model: length %d is beyond the limit of %d positions (model.MaxLength)", length, MaxLength)
	}
	if n := c.NetBytes(batch, length, training); n > MaxNetBytes {
		what := "an inference network"
		if training {
			what = "a training network"
		}
		return fmt.Errorf("model: %s of batch %d, length %d, hidden %d, %d heads and %d blocks needs about %d GiB, beyond the limit of %d GiB (model.MaxNetBytes)",
			what, batch, length, c.Hidden, c.Heads, c.Blocks, n>>30, MaxNetBytes>>30)
	}
	return nil
}
