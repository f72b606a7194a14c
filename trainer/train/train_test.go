package train

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/trainer/objective"
	"github.com/stretchr/testify/require"
)

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func readMetrics(t *testing.T, out string) []record {
	b, err := os.ReadFile(filepath.Join(out, MetricsFile))
	require.NoError(t, err)
	var rs []record
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r record
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		rs = append(rs, r)
	}
	return rs
}

// A hundred steps on Shakespeare make the training loss and the validation
// BPC of the EMA weights fall, for each objective. The loss is compared by
// medians (the first ten steps, the last twenty): an out-of-window time carries an importance
// weight near 3000 (MDLM's 1/s up to 1e4), so means over a few steps are
// dominated by rare spikes.
func TestTrainingLowersLossAndValidationBPC(t *testing.T) {
	for _, kind := range []string{objective.CE, objective.ELBO, objective.MDLM} {
		t.Run(kind, func(t *testing.T) {
			const steps = 100
			cfg := testConfig(t, steps)
			cfg.SetObjective(kind)
			cfg.Batch, cfg.LR, cfg.Warmup, cfg.EMA = 8, 3e-3, 5, 0.9
			cfg.EvalEvery, cfg.CkptEvery, cfg.LogEvery = steps, steps, 10
			out := runDir(t)
			tr, _ := newTrainer(t, cfg, out, false)
			before, err := tr.eval.Run(tr.valid)
			require.NoError(t, err)
			var losses []float64
			tr.afterStep = func(_ int, loss float64) { losses = append(losses, loss) }
			res, err := tr.Run(t.Context())
			require.NoError(t, err)
			require.Equal(t, steps, res.Step)
			first, last := median(losses[:10]), median(losses[steps-20:])
			t.Logf("%s: median training loss %.2f -> %.2f; validation BPC %.3f -> %.3f", kind, first, last, before.BPC, res.ValidBPC)
			if kind == objective.MDLM {
				// 1/s weights make MDLM's per-step loss so noisy that a
				// hundred steps show it only faintly; its validation
				// NELBO is the clear signal.
				require.Less(t, last, first)
			} else {
				require.Less(t, last, 0.9*first)
			}
			require.Less(t, res.ValidBPC, 0.9*before.BPC)
			require.Len(t, readMetrics(t, out), steps/cfg.LogEvery+1) // + the validation line
			c, err := ckpt.Load(filepath.Join(out, CheckpointDir))
			require.NoError(t, err)
			require.Equal(t, int64(steps), c.Config.Step)
			require.Equal(t, kind == objective.MDLM, c.Config.Process.IsMDLM())
			svg, err := os.ReadFile(filepath.Join(out, CurveFile))
			require.NoError(t, err)
			require.Contains(t, string(svg), "<polyline")
		})
	}
}
