package sampler

import "github.com/rdlm-go/rdlm/core/model"

// Denoiser and DenoiserFunc are model.Denoiser and model.DenoiserFunc, the
// one network interface, under the names the js/wasm engine (wasm/) still
// uses; new code names model's.
type (
	Denoiser     = model.Denoiser
	DenoiserFunc = model.DenoiserFunc
)
