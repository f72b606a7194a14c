//go:build linux || darwin || freebsd

package gpu

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
)

// The C callbacks are made once per process (purego keeps a fixed table of
// them) and report into asyncState, keyed by userdata1. Async calls are
// serialised by asyncMu: a driver waits for each before the next.
var (
	callbacksOnce sync.Once
	cbAdapter     uintptr
	cbDevice      uintptr
	cbMap         uintptr
	cbWorkDone    uintptr
	cbError       uintptr

	asyncMu sync.Mutex
	async   struct {
		done   bool
		status uintptr
		handle uintptr
		msg    string
	}
	errMu     sync.Mutex
	devErrors = map[uintptr]*string{} // device id -> first uncaptured error
)

// goString copies a WGPUStringView's bytes into a Go string.
func goString(data, length uintptr) string {
	if data == 0 {
		return ""
	}
	if length == strlenUnknown {
		n := uintptr(0)
		for *(*byte)(unsafe.Add(unsafe.Pointer(nil), data+n)) != 0 {
			n++
		}
		length = n
	}
	return string(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), data)), length))
}

func makeCallbacks() {
	// A WGPUStringView argument is two integer registers in the C ABI, so
	// it arrives as (data, length).
	cbAdapter = purego.NewCallback(func(status, adapter, msgData, msgLen, ud1, ud2 uintptr) {
		async.status, async.handle, async.msg, async.done = status, adapter, goString(msgData, msgLen), true
	})
	cbDevice = purego.NewCallback(func(status, device, msgData, msgLen, ud1, ud2 uintptr) {
		async.status, async.handle, async.msg, async.done = status, device, goString(msgData, msgLen), true
	})
	cbMap = purego.NewCallback(func(status, msgData, msgLen, ud1, ud2 uintptr) {
		async.status, async.msg, async.done = status, goString(msgData, msgLen), true
	})
	cbWorkDone = purego.NewCallback(func(status, ud1, ud2 uintptr) {
		async.status, async.done = status, true
	})
	cbError = purego.NewCallback(func(device, errType, msgData, msgLen, ud1, ud2 uintptr) {
		errMu.Lock()
		defer errMu.Unlock()
		if p := devErrors[ud1]; p != nil && *p == "" {
			*p = fmt.Sprintf("webgpu error (type %d): %s", errType, goString(msgData, msgLen))
		}
	})
}

var nextDeviceID uintptr

// native is the webgpu.h Driver.
type native struct {
	l        *lib
	instance uintptr
	adapter  uintptr
	device   uintptr
	queue    uintptr
	info     AdapterInfo
	id       uintptr
	errMsg   string

	bufs    []uintptr
	sizes   []uint64
	kernels []uintptr // pipelines
	layouts []uintptr
	modules []uintptr
	groups  []uintptr

	enc, pass uintptr
	cmd       [1]uintptr // the finished command buffer, submitted by address
	argv      [6]uintptr // the arguments of the call in progress (see call)
	staging   uintptr    // map-read buffer for Read, grown on demand
	stageSize uint64
}

// Open loads a webgpu.h library (see LibraryCandidates), asks for an
// adapter on the platform's real backend (Vulkan on Linux, Metal on macOS),
// refuses Dawn's Null backend, and creates a device with the adapter's own
// limits and shader-f16 when offered.
func Open(opts Options) (Driver, error) {
	l, err := openLibrary(opts.Library)
	if err != nil {
		return nil, err
	}
	callbacksOnce.Do(makeCallbacks)
	d := &native{l: l}
	if err := d.init(opts); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// wait pumps the instance's events until the pending callback has fired.
func (d *native) wait(what string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for spins := 0; !async.done; spins++ {
		d.call(d.l.instanceProcessEvents, d.instance)
		if async.done {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webgpu: %s did not complete within 2 minutes", what)
		}
		if spins > 100 {
			time.Sleep(50 * time.Microsecond) // long GPU work: do not burn a core polling
		}
	}
	return nil
}

func (d *native) init(opts Options) error {
	d.instance = d.l.createInstance(0)
	if d.instance == 0 {
		return fmt.Errorf("%w: wgpuCreateInstance failed in %s; %s", ErrUnavailable, d.l.path, InstallHint)
	}
	want := uint32(backendVulkan)
	if runtime.GOOS == "darwin" {
		want = backendMetal
	}
	asyncMu.Lock()
	defer asyncMu.Unlock()
	async.done = false
	ro := requestAdapterOptions{backendType: want}
	d.l.instanceRequestAdapter(d.instance, &ro, callbackInfo{mode: callbackModeAllowProcessEvents, callback: cbAdapter})
	if err := d.wait("requestAdapter"); err != nil {
		return err
	}
	if async.status != statusSuccess || async.handle == 0 {
		return fmt.Errorf("%w: no %s adapter (%s) from %s; %s", ErrUnavailable, backendName(want), async.msg, d.l.path, InstallHint)
	}
	d.adapter = async.handle
	var ai adapterInfo
	if d.l.adapterGetInfo(d.adapter, &ai) != statusSuccess {
		return fmt.Errorf("%w: wgpuAdapterGetInfo failed", ErrUnavailable)
	}
	name := strings.TrimSpace(strings.Join([]string{goString(ai.vendor.data, ai.vendor.length), goString(ai.architecture.data, ai.architecture.length),
		goString(ai.device.data, ai.device.length), goString(ai.description.data, ai.description.length)}, " "))
	backend, atype := ai.backendType, ai.adapterType
	d.l.adapterInfoFree(ai)
	if backend == backendNull || backend != want {
		// Dawn hands out its Null backend when no driver is usable: it
		// "runs" every shader and returns garbage.
		return fmt.Errorf("%w: the adapter is on the %s backend, not %s (no usable %s driver); %s",
			ErrUnavailable, backendName(backend), backendName(want), backendName(want), InstallHint)
	}
	var lim limits
	if d.l.adapterGetLimits(d.adapter, &lim) != statusSuccess {
		return fmt.Errorf("%w: wgpuAdapterGetLimits failed", ErrUnavailable)
	}
	f16 := !opts.NoF16 && d.l.adapterHasFeature(d.adapter, featureShaderF16) != 0
	d.info = AdapterInfo{Name: name, Backend: backendName(backend), Fallback: atype == adapterTypeCPU, ShaderF16: f16,
		MaxBinding: lim.maxStorageBufferBindingSize, MaxBuffer: lim.maxBufferSize,
		MaxWGStore: lim.maxComputeWorkgroupStorageSize, MaxWGInvoc: lim.maxComputeInvocationsPerWorkgroup,
		MaxWGPerDim: lim.maxComputeWorkgroupsPerDimension, MinAlign: lim.minStorageBufferOffsetAlignment}

	nextDeviceID++
	d.id = nextDeviceID
	errMu.Lock()
	devErrors[d.id] = &d.errMsg
	errMu.Unlock()
	features := [1]uint32{featureShaderF16}
	dd := deviceDescriptor{requiredLimits: uintptr(unsafe.Pointer(&lim)),
		uncapturedError: uncapturedErrorCallbackInfo{callback: cbError, userdata1: d.id}}
	if f16 {
		dd.requiredFeatureCount, dd.requiredFeatures = 1, uintptr(unsafe.Pointer(&features[0]))
	}
	async.done = false
	d.l.adapterRequestDevice(d.adapter, &dd, callbackInfo{mode: callbackModeAllowProcessEvents, callback: cbDevice})
	runtime.KeepAlive(&lim)
	runtime.KeepAlive(&features)
	if err := d.wait("requestDevice"); err != nil {
		return err
	}
	if async.status != statusSuccess || async.handle == 0 {
		return fmt.Errorf("%w: requestDevice failed: %s", ErrUnavailable, async.msg)
	}
	d.device = async.handle
	d.queue = d.l.deviceGetQueue(d.device)
	if opts.MaxBinding > 0 && opts.MaxBinding < d.info.MaxBinding {
		d.info.MaxBinding = opts.MaxBinding
	}
	return nil
}

func backendName(b uint32) string {
	switch b {
	case backendNull:
		return "Null"
	case backendWebGPU:
		return "WebGPU"
	case backendD3D11:
		return "D3D11"
	case backendD3D12:
		return "D3D12"
	case backendMetal:
		return "Metal"
	case backendVulkan:
		return "Vulkan"
	case backendOpenGL:
		return "OpenGL"
	case backendGLES:
		return "OpenGLES"
	}
	return fmt.Sprintf("backend %d", b)
}

func (d *native) Adapter() AdapterInfo { return d.info }

// call invokes a C function with up to six integer arguments through
// purego.SyscallN, passing them in the driver's own argv: a fresh variadic
// slice would escape to the heap on every call, and the stream methods run
// per dispatch and must not allocate.
func (d *native) call(fn uintptr, args ...uintptr) uintptr {
	n := copy(d.argv[:], args)
	r, _, _ := purego.SyscallN(fn, d.argv[:n]...)
	return r
}

// takeError returns and clears the device's first uncaptured error.
func (d *native) takeError() error {
	errMu.Lock()
	defer errMu.Unlock()
	if d.errMsg == "" {
		return nil
	}
	err := fmt.Errorf("%s", d.errMsg)
	d.errMsg = ""
	return err
}

func sv(s string) stringView {
	if s == "" {
		return stringView{}
	}
	return stringView{data: uintptr(unsafe.Pointer(unsafe.StringData(s))), length: uintptr(len(s))}
}

func (d *native) CreateBuffer(label string, size uint64, kind BufKind) (Buf, error) {
	if size%4 != 0 || size == 0 {
		return -1, fmt.Errorf("webgpu: buffer %q of %d bytes: size must be a positive multiple of 4", label, size)
	}
	usage := uint64(usageStorage | usageCopySrc | usageCopyDst)
	if kind == Uniform {
		usage = usageUniform | usageCopyDst
	}
	desc := bufferDescriptor{label: sv(label), usage: usage, size: size}
	b := d.l.deviceCreateBuffer(d.device, &desc)
	runtime.KeepAlive(label)
	if b == 0 {
		return -1, fmt.Errorf("webgpu: could not create buffer %q of %d bytes", label, size)
	}
	d.bufs = append(d.bufs, b)
	d.sizes = append(d.sizes, size)
	return Buf(len(d.bufs) - 1), d.takeError()
}

func (d *native) WriteBuffer(b Buf, offset uint64, data []byte) {
	if len(data) == 0 {
		return
	}
	d.call(d.l.writeBuf, d.queue, d.bufs[b], uintptr(offset), uintptr(unsafe.Pointer(&data[0])), uintptr(len(data)))
	runtime.KeepAlive(data)
}

func (d *native) CreateKernel(label, wgsl string) (Kernel, error) {
	src := shaderSourceWGSL{chain: chainedStruct{sType: sTypeShaderSourceWGSL}, code: sv(wgsl)}
	md := shaderModuleDescriptor{nextInChain: uintptr(unsafe.Pointer(&src)), label: sv(label)}
	mod := d.l.deviceCreateShader(d.device, &md)
	runtime.KeepAlive(&src)
	runtime.KeepAlive(wgsl)
	if err := d.takeError(); err != nil || mod == 0 {
		return -1, fmt.Errorf("webgpu: shader %s: %v", label, err)
	}
	entry := "main"
	pd := computePipelineDescriptor{label: sv(label), compute: computeState{module: mod, entryPoint: sv(entry)}}
	p := d.l.deviceCreateCompute(d.device, &pd)
	runtime.KeepAlive(entry)
	runtime.KeepAlive(label)
	if err := d.takeError(); err != nil || p == 0 {
		return -1, fmt.Errorf("webgpu: pipeline %s: %v", label, err)
	}
	d.modules = append(d.modules, mod)
	d.kernels = append(d.kernels, p)
	d.layouts = append(d.layouts, d.l.pipelineGetLayout(p, 0))
	return Kernel(len(d.kernels) - 1), nil
}

func (d *native) CreateGroup(k Kernel, bindings []Binding) (Group, error) {
	entries := make([]bindGroupEntry, len(bindings))
	for i, b := range bindings {
		size := b.Size
		if size == 0 {
			size = wholeSize
		}
		entries[i] = bindGroupEntry{binding: uint32(i), buffer: d.bufs[b.Buf], offset: b.Offset, size: size}
	}
	desc := bindGroupDescriptor{layout: d.layouts[k], entryCount: uintptr(len(entries)), entries: uintptr(unsafe.Pointer(&entries[0]))}
	g := d.l.deviceCreateBindGroup(d.device, &desc)
	runtime.KeepAlive(entries)
	if err := d.takeError(); err != nil || g == 0 {
		return -1, fmt.Errorf("webgpu: bind group: %v", err)
	}
	d.groups = append(d.groups, g)
	return Group(len(d.groups) - 1), nil
}

func (d *native) BeginStream() {
	d.enc = d.call(d.l.createEncoder, d.device, 0)
}

func (d *native) Dispatch(k Kernel, g Group, x, y, z uint32) {
	if d.pass == 0 {
		d.pass = d.call(d.l.beginPass, d.enc, 0)
	}
	d.call(d.l.setPipeline, d.pass, d.kernels[k])
	d.call(d.l.setBindGroup, d.pass, 0, d.groups[g], 0, 0)
	d.call(d.l.dispatch, d.pass, uintptr(x), uintptr(y), uintptr(z))
}

func (d *native) endPass() {
	if d.pass != 0 {
		d.call(d.l.endPass, d.pass)
		d.call(d.l.releasePass, d.pass)
		d.pass = 0
	}
}

func (d *native) Copy(src Buf, srcOff uint64, dst Buf, dstOff uint64, size uint64) {
	d.endPass()
	d.call(d.l.copyB2B, d.enc, d.bufs[src], uintptr(srcOff), d.bufs[dst], uintptr(dstOff), uintptr(size))
}

func (d *native) Submit() error {
	d.endPass()
	cmd := d.call(d.l.finish, d.enc, 0)
	d.cmd[0] = cmd
	d.call(d.l.submit, d.queue, 1, uintptr(unsafe.Pointer(&d.cmd[0])))
	d.call(d.l.releaseCmd, cmd)
	d.call(d.l.releaseEnc, d.enc)
	d.enc = 0
	return d.takeError()
}

func (d *native) Read(b Buf, offset uint64, dst []byte) error {
	size := uint64(len(dst))
	if size == 0 {
		return nil
	}
	if size%4 != 0 || offset%4 != 0 {
		return fmt.Errorf("webgpu: read of %d bytes at %d: both must be multiples of 4", size, offset)
	}
	if size > d.stageSize {
		if d.staging != 0 {
			purego.SyscallN(d.l.release["BufferDestroy"], d.staging)
			purego.SyscallN(d.l.release["Buffer"], d.staging)
		}
		desc := bufferDescriptor{label: sv("staging"), usage: usageMapRead | usageCopyDst, size: size}
		d.staging = d.l.deviceCreateBuffer(d.device, &desc)
		d.stageSize = size
	}
	d.BeginStream()
	d.call(d.l.copyB2B, d.enc, d.bufs[b], uintptr(offset), d.staging, 0, uintptr(size))
	if err := d.Submit(); err != nil {
		return err
	}
	asyncMu.Lock()
	defer asyncMu.Unlock()
	async.done = false
	d.l.bufferMapAsync(d.staging, mapModeRead, 0, uintptr(len(dst)), callbackInfo{mode: callbackModeAllowProcessEvents, callback: cbMap})
	if err := d.wait("mapAsync"); err != nil {
		return err
	}
	if async.status != statusSuccess {
		return fmt.Errorf("webgpu: mapping the read-back buffer failed: %s", async.msg)
	}
	p := d.l.bufferGetConstRange(d.staging, 0, uintptr(len(dst)))
	copy(dst, unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), p)), len(dst)))
	d.l.bufferUnmap(d.staging)
	return d.takeError()
}

func (d *native) Close() {
	if d.l == nil {
		return
	}
	rel := func(kind string, h uintptr) {
		if h != 0 {
			purego.SyscallN(d.l.release[kind], h)
		}
	}
	for _, g := range d.groups {
		rel("BindGroup", g)
	}
	for i := range d.kernels {
		rel("BindGroupLayout", d.layouts[i])
		rel("ComputePipeline", d.kernels[i])
		rel("ShaderModule", d.modules[i])
	}
	for _, b := range append(d.bufs, d.staging) {
		if b != 0 {
			rel("BufferDestroy", b)
			rel("Buffer", b)
		}
	}
	rel("Queue", d.queue)
	rel("Device", d.device)
	rel("Adapter", d.adapter)
	rel("Instance", d.instance)
	errMu.Lock()
	delete(devErrors, d.id)
	errMu.Unlock()
	*d = native{}
}
