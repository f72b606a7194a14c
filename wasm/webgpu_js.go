//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/model"
)

// openWebGPU is where the WebGPU engine (core/gpu) plugs into the page: it
// opens a device on the browser's adapter and builds the network on it, or
// says why the CPU must run instead. Models stored as f16 still run where
// the adapter lacks shader-f16: core/gpu then keeps f32 weights.
func openWebGPU(p *model.Params[float32], batch, length int) (model.Denoiser, string, error) {
	d, err := gpu.Open(gpu.Options{})
	if err != nil {
		if errors.Is(err, gpu.ErrUnavailable) {
			return nil, "", errors.New("this browser offers no WebGPU adapter")
		}
		return nil, "", fmt.Errorf("WebGPU failed to start: %v", err)
	}
	e, err := gpu.NewEngine(d, p, batch, length)
	if err != nil {
		d.Close()
		return nil, "", fmt.Errorf("the model does not fit this GPU: %v", err)
	}
	return &gpuDenoiser{Engine: e, driver: d}, adapterName(d.Adapter()), nil
}

// gpuDenoiser owns its device, so that releasing it frees every buffer.
type gpuDenoiser struct {
	*gpu.Engine
	driver gpu.Driver
}

func (g *gpuDenoiser) Release() { g.driver.Close() }

// adapterName keeps the non-empty, non-"undefined" words of the adapter's
// self-description.
func adapterName(info gpu.AdapterInfo) string {
	var words []string
	for _, w := range strings.Fields(info.Name) {
		if w != "undefined" && w != "<undefined>" {
			words = append(words, w)
		}
	}
	name := strings.Join(words, " ")
	if name == "" {
		name = "WebGPU adapter"
	}
	if info.Fallback {
		name += " (software)"
	}
	return name
}
