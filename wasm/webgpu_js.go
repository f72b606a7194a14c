//go:build js && wasm

package main

import (
	"errors"
	"fmt"

	"github.com/rdlm-go/rdlm/core/generate"
	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/walk"
)

// openWebGPU is where the device walk (core/gpu through core/generate)
// plugs into the page: it opens a device on the browser's adapter and
// builds the network and the walk on it, or says why the CPU must run
// instead. Models stored as f16 still run where the adapter lacks
// shader-f16: core/gpu then keeps f32 weights.
func openWebGPU(p *model.Params[float32], cfg walk.Config) (*generate.Device, error) {
	d, err := generate.OpenGPU("")(p, cfg)
	switch {
	case err == nil:
		return d, nil
	case errors.Is(err, gpu.ErrUnavailable):
		return nil, errors.New("this browser offers no WebGPU adapter")
	}
	return nil, fmt.Errorf("WebGPU failed to start: %v", err)
}
