package eval

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/stretchr/testify/require"
)

const testK = 27 // the text8 alphabet, which ckpt.DefaultProcess names

// memSeqs is an in-memory split: n sequences of length l.
type memSeqs struct {
	l   int
	ids [][]int32
}

func (m memSeqs) Len() int    { return len(m.ids) }
func (m memSeqs) SeqLen() int { return m.l }
func (m memSeqs) Fill(dst []int32, i int) {
	copy(dst[:m.l], m.ids[i])
}

// randomSeqs draws n sequences of length l of uniform tokens.
func randomSeqs(n, l int, seed uint64) memSeqs {
	st := rng.NewStream(seed, 0)
	m := memSeqs{l: l}
	for range n {
		s := make([]int32, l)
		for j := range s {
			s[j] = int32(st.Uint32() % testK)
		}
		m.ids = append(m.ids, s)
	}
	return m
}

// patternToken is the token at position l of every sequence of patternSeqs:
// an oracle that knows the position knows the token.
func patternToken(l int) int32 { return int32((7*l + 3) % testK) }

func patternSeqs(n, l int) memSeqs {
	m := memSeqs{l: l}
	for range n {
		s := make([]int32, l)
		for j := range s {
			s[j] = patternToken(j)
		}
		m.ids = append(m.ids, s)
	}
	return m
}

// uniformNet returns zero logits: p = 1/K everywhere.
type uniformNet struct{}

func (uniformNet) Forward(logits, x, t []float32) error {
	clear(logits)
	return nil
}

// oracleNet puts all its probability (up to e^-margin) on patternToken.
type oracleNet struct {
	k, l   int
	margin float32
}

func (o oracleNet) Forward(logits, x, t []float32) error {
	clear(logits)
	for q := 0; q < len(logits)/o.k; q++ {
		logits[q*o.k+int(patternToken(q%o.l))] = o.margin
	}
	return nil
}

// tinyParams is the tiny preset's network: zero-initialised (zero logits,
// so uniform probabilities) or fully random.
func tinyParams(t *testing.T, zeroInit bool) *model.Params[float32] {
	t.Helper()
	cfg, err := model.Preset("tiny")
	require.NoError(t, err)
	require.Equal(t, testK, cfg.Vocab)
	p := model.NewParams[float32](cfg)
	p.Init(11, zeroInit)
	return p
}

func testProcess() ckpt.Process { return ckpt.DefaultProcess() } // step_thr 0.35, geometric 1e-3..0.2

func mdlmProcess() ckpt.Process {
	p := ckpt.DefaultProcess()
	p.Family = ckpt.FamilyMDLM
	return p
}

func processFor(family string) ckpt.Process {
	if family == FamilyMDLM {
		return mdlmProcess()
	}
	return testProcess()
}
