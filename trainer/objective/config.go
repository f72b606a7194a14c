package objective

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/process"
)

// The objectives (Config.Kind).
const (
	CE     = "ce"      // RDLM cross-entropy, the published loss
	ELBO   = "elbo"    // RDLM drift matching: the NELBO integrand
	CEELBO = "ce+elbo" // RDLM: the sum of the two, per sequence, in nats
	MDLM   = "mdlm"    // masked discrete diffusion (the baseline)
	AR     = "ar"      // autoregressive (the other baseline): causal attention, exact likelihood
)

// The time samplers (Config.Times).
const (
	TimesImportance = "importance" // the step density on a window, weight Z/w(t)
	TimesUniform    = "uniform"    // t = (1-1e-4) U, weight 1
	// TimesAdaptive learns its proposal from the NELBO integrand seen in
	// training (process.AdaptiveTimes), weight 1/(T q(t)).
	TimesAdaptive = "adaptive"
)

// Config says which loss to train and how times are drawn.
type Config struct {
	Kind    string     // CE, ELBO, CEELBO, MDLM or AR
	Times   string     // TimesImportance, TimesUniform or TimesAdaptive (MDLM: uniform or adaptive)
	Window  [2]float64 // (left, right) of the importance density
	StepThr float64    // RDLM mixture: t below it starts at u, else at e_m
}

// Validate reports the first setting out of range.
func (c Config) Validate() error {
	switch c.Kind {
	case CE, ELBO, CEELBO, MDLM:
	case AR:
		if c.Times != TimesUniform {
			return fmt.Errorf("objective %s: times must be %q (an autoregressive model has no diffusion time)", AR, TimesUniform)
		}
		return nil
	default:
		return fmt.Errorf("objective %q: want %s, %s, %s, %s or %s", c.Kind, CE, ELBO, CEELBO, MDLM, AR)
	}
	switch c.Times {
	case TimesUniform, TimesAdaptive:
	case TimesImportance:
		if c.Kind == MDLM {
			return fmt.Errorf("objective %s: times must be %q or %q (the importance window is RDLM's)", MDLM, TimesUniform, TimesAdaptive)
		}
		if _, err := process.NewStepWeight(c.Window[0], c.Window[1]); err != nil {
			return err
		}
	default:
		return fmt.Errorf("times %q: want %s, %s or %s", c.Times, TimesImportance, TimesUniform, TimesAdaptive)
	}
	if c.Kind != MDLM {
		if _, err := process.StepMixture(c.StepThr); err != nil {
			return err
		}
	}
	return nil
}

// timeSampler builds the sampler the config names.
func (c Config) timeSampler() (process.TimeSampler, error) {
	switch c.Times {
	case TimesImportance:
		return process.NewStepWeight(c.Window[0], c.Window[1])
	case TimesAdaptive:
		return process.NewAdaptiveTimes(process.AdaptiveEdges(), process.AdaptiveFloor, process.AdaptiveDecay)
	}
	return process.UniformTimes{}, nil
}
