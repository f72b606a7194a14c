package train

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/rdlm-go/rdlm/trainer/eval"
)

// checkSizes bounds what a run allocates from its settings alone, with an
// error naming the limit: the model's sizes (model.CheckLimits), the
// batch, the memory of the training network with the optimiser's copies
// of the weights and of the evaluator's, and the evaluator's bridge.
func (c Config) checkSizes() error {
	if err := c.Model.CheckLimits(); err != nil {
		return err
	}
	switch {
	case c.Batch > model.MaxBatch:
		return fmt.Errorf("batch %d is beyond the limit of %d sequences per step (model.MaxBatch)", c.Batch, model.MaxBatch)
	case c.EvalBridgeSteps > walk.MaxSteps:
		return fmt.Errorf("eval_bridge_steps %d is beyond the limit of %d (walk.MaxSteps)", c.EvalBridgeSteps, walk.MaxSteps)
	}
	if c.Batch < 1 {
		return nil // Validate names it
	}
	if err := c.Model.CheckNet(c.Batch, c.Model.Length, true); err != nil {
		return err
	}
	return c.Model.CheckNet(min(c.Batch, eval.DefaultBatch), c.Model.Length, false)
}
