//go:build js

package gpu

import (
	"fmt"
	"syscall/js"
)

// LibraryEnv is the native driver's library variable; in the browser the
// WebGPU implementation is the page's navigator.gpu.
const LibraryEnv = "RDLM_WEBGPU_LIB"

// InstallHint says how to get WebGPU in a JavaScript host.
const InstallHint = "use a browser with WebGPU (Chrome, Edge, Safari 26+, Firefox 141+ on Windows), or under Node " +
	"preload the npm webgpu@0.6.2 module (see core/gpu/testenv/go_js_wasm_exec)"

// await blocks the calling goroutine until the promise settles. It must not
// run inside a js.FuncOf callback: the event loop has to turn meanwhile.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ch <- result{v: v}
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "rejected"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
		}
		ch <- result{err: fmt.Errorf("%s", msg)}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	r := <-ch
	return r.v, r.err
}

// browser is the navigator.gpu Driver.
type browser struct {
	device, queue js.Value
	info          AdapterInfo
	errMsg        string
	onError       js.Func

	bufs    []js.Value
	kernels []js.Value
	layouts []js.Value
	groups  []js.Value

	enc, pass js.Value
	upload    js.Value // Uint8Array reused for host-to-device writes
	staging   js.Value
	stageSize uint64
}

// Open asks navigator.gpu for an adapter and a device with the adapter's
// limits and shader-f16 where offered.
func Open(opts Options) (Driver, error) {
	nav := js.Global().Get("navigator")
	if nav.IsUndefined() || nav.Get("gpu").IsUndefined() {
		return nil, fmt.Errorf("%w: navigator.gpu is missing; %s", ErrUnavailable, InstallHint)
	}
	adapter, err := await(nav.Get("gpu").Call("requestAdapter"))
	if err != nil || adapter.IsNull() || adapter.IsUndefined() {
		return nil, fmt.Errorf("%w: requestAdapter gave no adapter (%v); %s", ErrUnavailable, err, InstallHint)
	}
	lim := adapter.Get("limits")
	u64 := func(name string) uint64 { return uint64(lim.Get(name).Float()) }
	f16 := !opts.NoF16 && adapter.Get("features").Call("has", "shader-f16").Bool()
	b := &browser{info: AdapterInfo{Backend: "browser", ShaderF16: f16,
		MaxBinding: u64("maxStorageBufferBindingSize"), MaxBuffer: u64("maxBufferSize"),
		MaxWGStore: uint32(u64("maxComputeWorkgroupStorageSize")), MaxWGInvoc: uint32(u64("maxComputeInvocationsPerWorkgroup")),
		MaxWGPerDim: uint32(u64("maxComputeWorkgroupsPerDimension")), MinAlign: uint32(u64("minStorageBufferOffsetAlignment"))}}
	if ai := adapter.Get("info"); !ai.IsUndefined() {
		b.info.Name = fmt.Sprintf("%s %s %s %s", ai.Get("vendor"), ai.Get("architecture"), ai.Get("device"), ai.Get("description"))
		if fb := ai.Get("isFallbackAdapter"); fb.Type() == js.TypeBoolean {
			b.info.Fallback = fb.Bool()
		}
	}
	req := js.Global().Get("Object").New()
	limits := js.Global().Get("Object").New()
	for _, n := range []string{"maxStorageBufferBindingSize", "maxBufferSize", "maxComputeWorkgroupStorageSize", "maxComputeInvocationsPerWorkgroup"} {
		limits.Set(n, lim.Get(n))
	}
	req.Set("requiredLimits", limits)
	if f16 {
		req.Set("requiredFeatures", js.ValueOf([]any{"shader-f16"}))
	}
	if b.device, err = await(adapter.Call("requestDevice", req)); err != nil {
		return nil, fmt.Errorf("%w: requestDevice: %v", ErrUnavailable, err)
	}
	b.queue = b.device.Get("queue")
	b.onError = js.FuncOf(func(_ js.Value, args []js.Value) any {
		if b.errMsg == "" && len(args) > 0 {
			b.errMsg = "webgpu error: " + args[0].Get("error").Get("message").String()
		}
		return nil
	})
	b.device.Call("addEventListener", "uncapturederror", b.onError)
	if opts.MaxBinding > 0 && opts.MaxBinding < b.info.MaxBinding {
		b.info.MaxBinding = opts.MaxBinding
	}
	b.upload = js.Global().Get("Uint8Array").New(1 << 16)
	return b, nil
}

func (b *browser) Adapter() AdapterInfo { return b.info }

func (b *browser) takeError() error {
	if b.errMsg == "" {
		return nil
	}
	err := fmt.Errorf("%s", b.errMsg)
	b.errMsg = ""
	return err
}

func usageConst(name string) int { return js.Global().Get("GPUBufferUsage").Get(name).Int() }

func (b *browser) CreateBuffer(label string, size uint64, kind BufKind) (Buf, error) {
	if size%4 != 0 || size == 0 {
		return -1, fmt.Errorf("webgpu: buffer %q of %d bytes: size must be a positive multiple of 4", label, size)
	}
	usage := usageConst("STORAGE") | usageConst("COPY_SRC") | usageConst("COPY_DST")
	if kind == Uniform {
		usage = usageConst("UNIFORM") | usageConst("COPY_DST")
	}
	buf := b.device.Call("createBuffer", map[string]any{"label": label, "size": size, "usage": usage})
	b.bufs = append(b.bufs, buf)
	return Buf(len(b.bufs) - 1), b.takeError()
}

func (b *browser) WriteBuffer(buf Buf, offset uint64, data []byte) {
	if len(data) == 0 {
		return
	}
	if b.upload.Length() < len(data) {
		b.upload = js.Global().Get("Uint8Array").New(len(data))
	}
	js.CopyBytesToJS(b.upload, data)
	b.queue.Call("writeBuffer", b.bufs[buf], offset, b.upload, 0, len(data))
}

// scoped runs f inside a validation error scope and returns its error.
func (b *browser) scoped(f func() js.Value) (js.Value, error) {
	b.device.Call("pushErrorScope", "validation")
	v := f()
	e, err := await(b.device.Call("popErrorScope"))
	if err != nil {
		return v, err
	}
	if !e.IsNull() && !e.IsUndefined() {
		return v, fmt.Errorf("%s", e.Get("message").String())
	}
	return v, nil
}

func (b *browser) CreateKernel(label, wgsl string) (Kernel, error) {
	p, err := b.scoped(func() js.Value {
		mod := b.device.Call("createShaderModule", map[string]any{"label": label, "code": wgsl})
		return b.device.Call("createComputePipeline", map[string]any{"label": label, "layout": "auto",
			"compute": map[string]any{"module": mod, "entryPoint": "main"}})
	})
	if err != nil {
		return -1, fmt.Errorf("webgpu: pipeline %s: %v", label, err)
	}
	b.kernels = append(b.kernels, p)
	b.layouts = append(b.layouts, p.Call("getBindGroupLayout", 0))
	return Kernel(len(b.kernels) - 1), nil
}

func (b *browser) CreateGroup(k Kernel, bindings []Binding) (Group, error) {
	entries := make([]any, len(bindings))
	for i, bd := range bindings {
		res := map[string]any{"buffer": b.bufs[bd.Buf], "offset": bd.Offset}
		if bd.Size > 0 {
			res["size"] = bd.Size
		}
		entries[i] = map[string]any{"binding": i, "resource": res}
	}
	g, err := b.scoped(func() js.Value {
		return b.device.Call("createBindGroup", map[string]any{"layout": b.layouts[k], "entries": entries})
	})
	if err != nil {
		return -1, fmt.Errorf("webgpu: bind group: %v", err)
	}
	b.groups = append(b.groups, g)
	return Group(len(b.groups) - 1), nil
}

func (b *browser) BeginStream() {
	b.enc = b.device.Call("createCommandEncoder")
	b.pass = js.Undefined()
}

func (b *browser) Dispatch(k Kernel, g Group, x, y, z uint32) {
	if b.pass.IsUndefined() {
		b.pass = b.enc.Call("beginComputePass")
	}
	b.pass.Call("setPipeline", b.kernels[k])
	b.pass.Call("setBindGroup", 0, b.groups[g])
	b.pass.Call("dispatchWorkgroups", x, y, z)
}

func (b *browser) endPass() {
	if !b.pass.IsUndefined() {
		b.pass.Call("end")
		b.pass = js.Undefined()
	}
}

func (b *browser) Copy(src Buf, srcOff uint64, dst Buf, dstOff uint64, size uint64) {
	b.endPass()
	b.enc.Call("copyBufferToBuffer", b.bufs[src], srcOff, b.bufs[dst], dstOff, size)
}

func (b *browser) Submit() error {
	b.endPass()
	b.queue.Call("submit", []any{b.enc.Call("finish")})
	b.enc = js.Undefined()
	return b.takeError()
}

func (b *browser) Read(buf Buf, offset uint64, dst []byte) error {
	size := uint64(len(dst))
	if size == 0 {
		return nil
	}
	if size%4 != 0 || offset%4 != 0 {
		return fmt.Errorf("webgpu: read of %d bytes at %d: both must be multiples of 4", size, offset)
	}
	if size > b.stageSize {
		if !b.staging.IsUndefined() && b.stageSize > 0 {
			b.staging.Call("destroy")
		}
		b.staging = b.device.Call("createBuffer", map[string]any{"label": "staging", "size": size,
			"usage": usageConst("MAP_READ") | usageConst("COPY_DST")})
		b.stageSize = size
	}
	b.BeginStream()
	b.enc.Call("copyBufferToBuffer", b.bufs[buf], offset, b.staging, 0, size)
	if err := b.Submit(); err != nil {
		return err
	}
	mode := js.Global().Get("GPUMapMode").Get("READ")
	if _, err := await(b.staging.Call("mapAsync", mode, 0, size)); err != nil {
		return fmt.Errorf("webgpu: mapping the read-back buffer: %v", err)
	}
	arr := js.Global().Get("Uint8Array").New(b.staging.Call("getMappedRange", 0, size))
	js.CopyBytesToGo(dst, arr)
	b.staging.Call("unmap")
	return b.takeError()
}

func (b *browser) Close() {
	for _, buf := range b.bufs {
		buf.Call("destroy")
	}
	if b.stageSize > 0 {
		b.staging.Call("destroy")
	}
	if !b.device.IsUndefined() {
		b.device.Call("destroy")
		b.onError.Release()
	}
	*b = browser{}
}
