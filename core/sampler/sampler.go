package sampler

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/walk"
)

// Sampler holds every buffer of the walk for up to Batch sequences of Length
// positions, so that sampling allocates nothing. It is not safe for
// concurrent use; run one Sampler per goroutine.
type Sampler struct {
	cfg   walk.Config
	d     model.Denoiser
	v     int // V = K+1 coordinates per position
	start process.Start
	times walk.Times
	// blocksPerStep is the Philox blocks one position spends per step
	// (walk.BlocksPerStep).
	blocksPerStep uint64

	x      []float32         // (B, L, V) the walk's points
	xin    []float32         // (B, L, K) x without the mask coordinate: the network input
	logits []float32         // (B, L, K) logits, turned into p_theta in place
	t      []float32         // (B) the network's time input
	mover  process.EulerStep // one position's step: its drift, noise and exp map
	hold   []int             // (L) Free or the token a position is held at
	stream rng.Stream

	observer walk.Observer
	info     walk.StepInfo
	top      []int     // (B, L)
	prob     []float32 // (B, L)
}

// New allocates a Sampler for d.
func New(d model.Denoiser, cfg walk.Config) (*Sampler, error) {
	if d == nil {
		return nil, fmt.Errorf("sampler: nil denoiser")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	times, err := walk.NewTimes(cfg)
	if err != nil {
		return nil, err
	}
	B, L, K := cfg.Batch, cfg.Length, cfg.Vocab
	V := K + 1
	s := &Sampler{
		cfg: cfg, d: d, v: V, start: cfg.Start(), times: times,
		blocksPerStep: walk.BlocksPerStep(K),
		x:             make([]float32, B*L*V),
		xin:           make([]float32, B*L*K),
		logits:        make([]float32, B*L*K),
		t:             make([]float32, B),
		mover:         process.NewEulerStep(V),
		hold:          make([]int, L),
		top:           make([]int, B*L),
		prob:          make([]float32, B*L),
	}
	_ = walk.SetHold(s.hold, nil, 0) // every position free
	return s, nil
}

// The Sampler is the CPU's walk.Walker.
var _ walk.Walker = (*Sampler)(nil)

// Config returns the configuration the Sampler was built with.
func (s *Sampler) Config() walk.Config { return s.cfg }

// Start is where the walk starts: u or e_m, from the model's mixture.
func (s *Sampler) Start() process.Start { return s.start }

// SetHold pins positions for the following runs (walk.Walker).
func (s *Sampler) SetHold(hold []int) error { return walk.SetHold(s.hold, hold, s.cfg.Vocab) }

// SetObserver installs a per-step callback (nil removes it).
func (s *Sampler) SetObserver(o walk.Observer) { s.observer = o }

// Points is the (B, L, V) buffer of sphere points: after Sample, its first
// n sequences hold where the walk ended. It is the Sampler's own memory.
func (s *Sampler) Points() []float32 { return s.x }

// Sample generates sequences first .. first+n-1 of the given seed (n <= Batch)
// and writes their tokens into dst (n, L). A sequence's text depends only on
// (seed, its index, the hold pattern, the steps), not on n or on first.
func (s *Sampler) Sample(dst []int, seed, first uint64, n int) error {
	if err := s.cfg.CheckSample(dst, first, n, n); err != nil {
		return err
	}
	L, V := s.cfg.Length, s.v
	if err := walk.StartPoints(s.x[:n*L*V], V, s.hold, s.start); err != nil {
		return err
	}
	for i := 0; i < s.cfg.Steps; i++ {
		if err := s.step(i, seed, first, n); err != nil {
			return err
		}
	}
	return process.DecodeRows(dst, s.x[:n*L*V], V)
}

// step runs the network at t_i and moves every free position once.
func (s *Sampler) step(i int, seed, first uint64, n int) error {
	L, K, V := s.cfg.Length, s.cfg.Vocab, s.v
	rows := n * L
	ti := s.times.T[i]
	for b := 0; b < n; b++ {
		s.t[b] = float32(ti)
	}
	for r := 0; r < rows; r++ {
		copy(s.xin[r*K:(r+1)*K], s.x[r*V:r*V+K])
	}
	logits := s.logits[:rows*K]
	if err := s.d.Forward(logits, s.xin[:rows*K], s.t[:n]); err != nil {
		return fmt.Errorf("sampler: step %d (t = %g): %v", i, ti, err)
	}
	gamma, beta, dt := s.cfg.Rates(s.times, i)
	observe := s.observer != nil
	for r := 0; r < rows; r++ {
		seq, l := r/L, r%L
		p := logits[r*K : (r+1)*K]
		top, err := softmaxInPlace(p)
		if err != nil {
			return fmt.Errorf("sampler: step %d (t = %g), sequence %d position %d: %v", i, ti, first+uint64(seq), l, err)
		}
		held := s.hold[l]
		if observe {
			if held != walk.Free {
				s.top[r], s.prob[r] = held, 1
			} else {
				s.top[r], s.prob[r] = top, p[top]
			}
		}
		if held != walk.Free {
			continue
		}
		x := s.x[r*V : (r+1)*V]
		s.stream = walk.Noise(seed, first+uint64(seq), l)
		s.stream.Seek(walk.StepBlock(i, s.blocksPerStep))
		s.mover.Move(x, p, gamma, beta, dt, &s.stream) // process.GenerativeDrift, then process.GRWStep
	}
	if observe {
		s.info = walk.StepInfo{Step: i, T: ti, First: first, N: n, L: L, Top: s.top[:rows], Prob: s.prob[:rows]}
		return s.observer(&s.info)
	}
	return nil
}

// softmaxInPlace turns logits into probabilities and returns the index of the
// largest (the first, on ties). Non-finite logits are an error: they would
// put NaN on the sphere and every later step would carry it.
func softmaxInPlace(z []float32) (int, error) {
	for k, v := range z {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("denoiser gave logit %g for token %d", f, k)
		}
	}
	return nn.Softmax(z, z), nil
}
