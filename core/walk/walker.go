package walk

// Walker runs walks of one Config: the CPU sampler (core/sampler) and the
// device walk (core/gpu) implement it, and for the same seed, sequence
// indices and hold pattern they give the same tokens up to float rounding.
// A Walker is not safe for concurrent use.
type Walker interface {
	// Config is the configuration the Walker was built for.
	Config() Config
	// SetHold pins positions for the following walks: one entry per
	// position, Free or a token id (see Prompt and Template); nil frees all.
	SetHold(hold []int) error
	// SetObserver installs a per-step callback; nil removes it, and then a
	// walk reports nothing (the device reads nothing back per step).
	SetObserver(o Observer)
	// Sample walks sequences first .. first+n-1 of seed (n <= Batch) and
	// writes their tokens into dst (n, L). A sequence's tokens depend only
	// on (seed, its index, the hold pattern, the Config), not on n or first.
	Sample(dst []int, seed, first uint64, n int) error
}

// StepInfo is what an Observer sees after each step: the network's belief
// at time T, before the walk moved. The slices belong to the Walker and are
// overwritten at the next step; copy what must outlive the call.
type StepInfo struct {
	Step  int     // 0..Steps-1
	T     float64 // the time t_i the network was evaluated at
	First uint64  // global index of the batch's first sequence
	N     int     // sequences in this batch
	L     int     // positions per sequence
	// Top (N, L) is each position's most probable token under p_theta and
	// Prob (N, L) its probability. A held position reports its held token with
	// probability 1: it is fixed text, whatever the network believes.
	Top  []int
	Prob []float32
}

// Observer is called once per step, for traces and live views; the walk
// waits for it to return. An error stops the walk, and Sample returns it
// (a live view abandons a walk that way).
type Observer func(info *StepInfo) error
