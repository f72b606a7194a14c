//go:build js && wasm

// Command wasm is the engine the web page runs in a Web Worker. It sets
// globalThis.rdlmEngine, a small promise-based API:
//
//	checkConfig(configBytes: Uint8Array) -> Promise<info>
//	load(configBytes, weightBytes: Uint8Array) -> Promise<{handle, info}>
//	unload(handle)
//	generate(job, handle, requestJSON: string, onStep(event), onBackend(backend)) -> Promise<result>
//
// An image model's info has image {height, width, channels, base, digits};
// its step events and result carry pixels, a Uint8Array of 0-255 values
// (samples, height, width, channels), instead of texts.
//
//	cancel(job)
//	backend() -> {name, gpu, reason}
//	preview(handle, requestJSON) -> Promise<{steps, length, samples, hold, changes}>
//
// preview checks a request exactly as generate would (rejecting with the
// same message) and says what will run: the prompt or template after
// normalising and, in words, what normalising changed. The page and the
// widget validate every request through it.
//
// Errors reject the promise with an Error whose message is meant for the
// user. Work runs on goroutines: a js.FuncOf callback must never block.
package main

import (
	"encoding/json"
	"errors"
	"strings"
	"syscall/js"
)

func main() {
	api := newAPI(NewEngine(openWebGPU))
	js.Global().Set("rdlmEngine", api.object())
	select {} // keep the Go side alive for the callbacks
}

type api struct {
	engine  *Engine
	models  map[int]*Model
	nextID  int
	yielder *yielder
}

func newAPI(e *Engine) *api {
	return &api{engine: e, models: map[int]*Model{}, nextID: 1, yielder: newYielder()}
}

func (a *api) object() js.Value {
	o := js.Global().Get("Object").New()
	o.Set("checkConfig", js.FuncOf(a.checkConfig))
	o.Set("load", js.FuncOf(a.load))
	o.Set("unload", js.FuncOf(a.unload))
	o.Set("generate", js.FuncOf(a.generate))
	o.Set("cancel", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if job, ok := jobArg(args); ok {
			a.engine.Cancel(job)
		}
		return nil
	}))
	o.Set("backend", js.FuncOf(func(js.Value, []js.Value) any { return toJS(a.engine.Backend()) }))
	o.Set("preview", js.FuncOf(a.preview))
	return o
}

func (a *api) checkConfig(_ js.Value, args []js.Value) any {
	return promise(func() (any, error) {
		cfg, err := bytesArg(args, 0, "config.json")
		if err != nil {
			return nil, err
		}
		info, err := CheckConfig(cfg)
		if err != nil {
			return nil, err
		}
		return toJS(info), nil
	})
}

func (a *api) load(_ js.Value, args []js.Value) any {
	return promise(func() (any, error) {
		cfg, err := bytesArg(args, 0, "config.json")
		if err != nil {
			return nil, err
		}
		weights, err := bytesArg(args, 1, "model.safetensors")
		if err != nil {
			return nil, err
		}
		m, err := LoadModel(cfg, weights)
		if err != nil {
			return nil, err
		}
		id := a.nextID
		a.nextID++
		a.models[id] = m
		out := js.Global().Get("Object").New()
		out.Set("handle", id)
		out.Set("info", toJS(m.Info()))
		return out, nil
	})
}

func (a *api) unload(_ js.Value, args []js.Value) any {
	if len(args) > 0 && args[0].Type() == js.TypeNumber {
		delete(a.models, args[0].Int())
	}
	return nil
}

func (a *api) generate(_ js.Value, args []js.Value) any {
	return promise(func() (any, error) {
		job, ok := jobArg(args)
		if !ok || len(args) < 3 || args[1].Type() != js.TypeNumber || args[2].Type() != js.TypeString {
			return nil, errors.New("generate(job, handle, requestJSON, onStep, onBackend): bad arguments")
		}
		m := a.models[args[1].Int()]
		if m == nil {
			return nil, errors.New("no model is loaded under this handle")
		}
		req, err := decodeRequest(args[2].String())
		if err != nil {
			return nil, err
		}
		onStep, onBackend := funcArg(args, 3), funcArg(args, 4)
		var chars []rune // nil for an image model: its steps carry pixels
		if v := m.gen.Vocab(); v != nil {
			chars = []rune(v.Chars())
		}
		hooks := Hooks{Yield: a.yielder.yield}
		if !onStep.IsUndefined() {
			hooks.Step = func(ev *StepEvent) { onStep.Invoke(stepToJS(ev, chars)) }
		}
		if !onBackend.IsUndefined() {
			hooks.Backend = func(b Backend) { onBackend.Invoke(toJS(b)) }
		}
		res, err := a.engine.Generate(job, m, req, hooks)
		if err != nil {
			return nil, err
		}
		out := toJS(res)
		if m.IsImage() {
			out.Set("pixels", uint8ArrayOf(res.Pixels))
		}
		return out, nil
	})
}

func (a *api) preview(_ js.Value, args []js.Value) any {
	return promise(func() (any, error) {
		if len(args) < 2 || args[0].Type() != js.TypeNumber || args[1].Type() != js.TypeString {
			return nil, errors.New("preview(handle, requestJSON): bad arguments")
		}
		m := a.models[args[0].Int()]
		if m == nil {
			return nil, errors.New("no model is loaded under this handle")
		}
		req, err := decodeRequest(args[1].String())
		if err != nil {
			return nil, err
		}
		pv, err := m.Preview(req)
		if err != nil {
			return nil, err
		}
		return toJS(pv), nil
	})
}

// decodeRequest reads a request's JSON; an unknown field is an error (a
// misspelt setting must not be ignored).
func decodeRequest(s string) (Request, error) {
	var req Request
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, errors.New("bad request: " + err.Error())
	}
	return req, nil
}

// jobArg reads a generation id: a positive whole number.
func jobArg(args []js.Value) (uint64, bool) {
	if len(args) == 0 || args[0].Type() != js.TypeNumber {
		return 0, false
	}
	f := args[0].Float()
	if f < 1 || f != float64(uint64(f)) {
		return 0, false
	}
	return uint64(f), true
}
