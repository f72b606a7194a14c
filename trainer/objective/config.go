package objective

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/process"
)

// The objectives (Config.Kind).
const (
	CE   = "ce"   // RDLM cross-entropy, the published loss
	ELBO = "elbo" // RDLM drift matching: the NELBO integrand
	MDLM = "mdlm" // masked discrete diffusion (the baseline)
)

// The time samplers (Config.Times).
const (
	TimesImportance = "importance" // the step density on a window, weight Z/w(t)
	TimesUniform    = "uniform"    // t = (1-1e-4) U, weight 1
)

// Config says which loss to train and how times are drawn.
type Config struct {
	Kind    string     // CE, ELBO or MDLM
	Times   string     // TimesImportance or TimesUniform (MDLM: uniform only)
	Window  [2]float64 // (left, right) of the importance density
	StepThr float64    // RDLM mixture: t below it starts at u, else at e_m
}

// Validate reports the first setting out of range.
func (c Config) Validate() error {
	switch c.Kind {
	case CE, ELBO, MDLM:
	default:
		return fmt.Errorf("objective %q: want %s, %s or %s", c.Kind, CE, ELBO, MDLM)
	}
	switch c.Times {
	case TimesUniform:
	case TimesImportance:
		if c.Kind == MDLM {
			return fmt.Errorf("objective %s: times must be %q (the importance window is RDLM's)", MDLM, TimesUniform)
		}
		if _, err := process.NewStepWeight(c.Window[0], c.Window[1]); err != nil {
			return err
		}
	default:
		return fmt.Errorf("times %q: want %s or %s", c.Times, TimesImportance, TimesUniform)
	}
	if c.Kind != MDLM {
		if _, err := process.ParseMixture("step", c.StepThr); err != nil {
			return err
		}
	}
	return nil
}

// timeSampler builds the sampler the config names.
func (c Config) timeSampler() (process.TimeSampler, error) {
	if c.Times == TimesImportance {
		return process.NewStepWeight(c.Window[0], c.Window[1])
	}
	return process.UniformTimes{}, nil
}
