package sampler

// StepInfo is what an Observer sees after each step: the network's belief
// at time T, before the walk moved. The slices are owned by the Sampler and
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

// Observer is called once per step, for tracing and live views. Sampling
// waits for it to return.
type Observer func(info *StepInfo)
