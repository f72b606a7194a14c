package train

import (
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/rdlm-go/rdlm/trainer/objective"
)

// The MNIST presets train on 14x14 digits (2x2 averages of the 28x28
// originals, still 256 grey levels): 196 positions keep a 4-block,
// 128-wide model near one step a second at batch 16 on a 2-core CPU, where
// the full 784 positions would be some five times slower. "mnist" is the
// direct form (K = 256 per position); "mnist-split" writes each value as
// two base-16 digits (392 positions of K = 16), the dimension-splitting
// alternative, at the same architecture. A split step costs 2.4 times a
// direct one here (twice the positions, so four times the attention), so
// the split preset gets 2,100 steps to the direct one's 5,000: the same
// compute, which is the comparison that matters on this machine.
func init() {
	base := Config{
		Objective: objective.CE, Times: objective.TimesImportance, Window: [2]float64{0.3, 0.6},
		StepThr: 0.35, RhoFormula: tables.Exact, RhoScale: 1, TableParticles: tables.DefaultParticles,
		Data: "mnist14", Batch: 16, Steps: 5000, LR: 1e-3, Warmup: 300, Clip: 1, EMA: 0.999,
		CkptEvery: 500, EvalEvery: 1000, LogEvery: 50, EvalSequences: 64, EvalBridgeSteps: 200,
	}
	direct := base
	direct.Preset = "mnist"
	// The text8 window (0.3, 0.6) leaves the direct form untrained where its
	// bridge concentrates: on a 257-dimensional sphere x_t is still far from
	// its vertex at t = 0.95 (E<x, e_k> = 0.54, against 0.87 for K = 27), and
	// a model that never saw t > 0.6 is unsure there, which the NELBO weighs
	// by gamma^2/beta (thousands of bits per value at t = 0.99). The window
	// runs to 1 instead. The split form, on a 17-dimensional sphere, is sure
	// at late times with the text8 window and keeps it.
	direct.Window = [2]float64{0.3, 1}
	direct.Model = model.Config{Vocab: 256, Length: 14 * 14, Hidden: 128, Heads: 4, Blocks: 4, Cond: 128}
	presets["mnist"] = direct

	split := base
	split.Preset = "mnist-split"
	split.PixelBase = 16
	split.Steps = 2100
	split.Model = model.Config{Vocab: 16, Length: 2 * 14 * 14, Hidden: 128, Heads: 4, Blocks: 4, Cond: 128}
	presets["mnist-split"] = split
}
