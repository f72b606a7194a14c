//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"syscall/js"
	"unsafe"
)

// promise runs work on a goroutine and settles a JS Promise with its result.
func promise(work func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			defer func() {
				if r := recover(); r != nil {
					reject.Invoke(js.Global().Get("Error").New(fmt.Sprintf("internal error: %v", r)))
				}
			}()
			v, err := work()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}

// await blocks the calling goroutine (never a callback) until p settles.
func await(p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any { ch <- settled{v: arg0(args)}; return nil })
	onErr := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{err: errors.New(js.Global().Get("String").Invoke(arg0(args)).String())}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	p.Call("then", onOK, onErr)
	s := <-ch
	return s.v, s.err
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

func bytesArg(args []js.Value, i int, what string) ([]byte, error) {
	if i >= len(args) || !args[i].InstanceOf(js.Global().Get("Uint8Array")) {
		return nil, fmt.Errorf("%s: expected the file's bytes as a Uint8Array", what)
	}
	b := make([]byte, args[i].Length())
	js.CopyBytesToGo(b, args[i])
	return b, nil
}

func funcArg(args []js.Value, i int) js.Value {
	if i < len(args) && args[i].Type() == js.TypeFunction {
		return args[i]
	}
	return js.Undefined()
}

// toJS converts a Go value through JSON: the results are small.
func toJS(v any) js.Value {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return js.Global().Get("JSON").Call("parse", string(b))
}

// stepToJS builds the live view's event: each sample's most likely text
// (none for an image model, which gets pixels: a Uint8Array of each
// value's most likely level, N*Height*Width*Channels) and a Float32Array
// of the probabilities (N*L), all copied out of the sampler.
func stepToJS(ev *StepEvent, chars []rune) js.Value {
	o := js.Global().Get("Object").New()
	o.Set("step", ev.Step)
	o.Set("steps", ev.Steps)
	o.Set("t", ev.T)
	o.Set("first", float64(ev.First))
	o.Set("n", ev.N)
	o.Set("length", ev.L)
	o.Set("stepMs", ev.StepMs)
	if ev.Pixels != nil {
		o.Set("pixels", uint8ArrayOf(ev.Pixels))
	}
	top := []any{}
	if chars != nil {
		top = make([]any, ev.N)
		buf := make([]rune, ev.L)
		for s := range top {
			for l := range buf {
				buf[l] = chars[ev.Top[s*ev.L+l]]
			}
			top[s] = string(buf)
		}
	}
	o.Set("top", js.ValueOf(top))
	prob := js.Global().Get("Float32Array").New(len(ev.Prob))
	if len(ev.Prob) > 0 {
		raw := unsafe.Slice((*byte)(unsafe.Pointer(&ev.Prob[0])), 4*len(ev.Prob))
		js.CopyBytesToJS(js.Global().Get("Uint8Array").New(prob.Get("buffer")), raw)
	}
	o.Set("prob", prob)
	return o
}

// uint8ArrayOf copies b into a new Uint8Array.
func uint8ArrayOf(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

// yielder hands control back to the browser's event loop for one turn: a
// MessageChannel message is a task without setTimeout's 4 ms clamping, so a
// Stop click is seen between two steps at almost no cost.
type yielder struct {
	port js.Value
	ch   chan struct{}
	fn   js.Func
}

func newYielder() *yielder {
	y := &yielder{ch: make(chan struct{}, 1)}
	y.fn = js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case y.ch <- struct{}{}:
		default:
		}
		return nil
	})
	mc := js.Global().Get("MessageChannel").New()
	mc.Get("port1").Set("onmessage", y.fn)
	y.port = mc.Get("port2")
	return y
}

func (y *yielder) yield() {
	y.port.Call("postMessage", 0)
	<-y.ch
}
