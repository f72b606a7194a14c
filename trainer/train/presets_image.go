package train

import (
	"github.com/rdlm-go/rdlm/core/ckpt"
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
// alternative, at the same architecture and budget so that the two compare.
func init() {
	base := Config{
		Objective: objective.CE, Times: objective.TimesImportance, Window: [2]float64{0.3, 0.6},
		StepThr: 0.35, RhoFormula: ckpt.RhoExact, RhoScale: 1, TableParticles: tables.DefaultParticles,
		Data: "mnist14", Batch: 16, Steps: 6000, LR: 1e-3, Warmup: 300, Clip: 1, EMA: 0.999,
		CkptEvery: 500, EvalEvery: 1000, LogEvery: 50, EvalSequences: 64, EvalBridgeSteps: 200,
	}
	direct := base
	direct.Preset = "mnist"
	direct.Model = model.Config{Vocab: 256, Length: 14 * 14, Hidden: 128, Heads: 4, Blocks: 4, Cond: 128}
	presets["mnist"] = direct

	split := base
	split.Preset = "mnist-split"
	split.PixelBase = 16
	split.Model = model.Config{Vocab: 16, Length: 2 * 14 * 14, Hidden: 128, Heads: 4, Blocks: 4, Cond: 128}
	presets["mnist-split"] = split
}
