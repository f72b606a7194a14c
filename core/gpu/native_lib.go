//go:build linux || darwin || freebsd

package gpu

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/ebitengine/purego"
)

// LibraryEnv names the environment variable that points at a webgpu.h
// library (Dawn or wgpu-native) when no explicit path is given.
const LibraryEnv = "RDLM_WEBGPU_LIB"

// InstallHint says how to get a library and a driver; every "unavailable"
// error carries it.
const InstallHint = "install one with core/gpu/testenv/install.sh (Dawn from npm bun-webgpu-linux-x64@0.1.7, " +
	"and SwiftShader's CPU Vulkan driver from Debian chromium-common), or point --webgpu-lib / " + LibraryEnv +
	" at a Dawn or wgpu-native shared library; without a GPU set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json"

// InstalledLibrary is where core/gpu/testenv/install.sh puts Dawn:
// $RDLM_WEBGPU_HOME, else $XDG_CACHE_HOME/rdlm-webgpu, else ~/.cache/rdlm-webgpu,
// then native/libwebgpu_wrapper.so.
func InstalledLibrary() string {
	home := os.Getenv("RDLM_WEBGPU_HOME")
	if home == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			h, err := os.UserHomeDir()
			if err != nil {
				return ""
			}
			cache = filepath.Join(h, ".cache")
		}
		home = filepath.Join(cache, "rdlm-webgpu")
	}
	return filepath.Join(home, "native", "libwebgpu_wrapper.so")
}

// systemLibraries are the usual names of webgpu.h implementations.
func systemLibraries() []string {
	if runtime.GOOS == "darwin" {
		return []string{"libwebgpu_dawn.dylib", "libwgpu_native.dylib", "libwebgpu.dylib"}
	}
	return []string{"libwebgpu_dawn.so", "libwgpu_native.so", "libwebgpu.so"}
}

// LibraryCandidates lists, in order, where the native driver looks: the
// explicit path, $RDLM_WEBGPU_LIB, the installer's place, the system names.
func LibraryCandidates(explicit string) []string {
	var c []string
	if explicit != "" {
		return []string{explicit} // an explicit choice is never silently replaced
	}
	if p := os.Getenv(LibraryEnv); p != "" {
		return []string{p}
	}
	if p := InstalledLibrary(); p != "" {
		c = append(c, p)
	}
	return append(c, systemLibraries()...)
}

// lib is one loaded webgpu.h library with the functions the driver calls.
type lib struct {
	path string

	createInstance         func(desc uintptr) uintptr
	instanceRequestAdapter func(inst uintptr, opts *requestAdapterOptions, cb callbackInfo) uint64
	adapterGetInfo         func(a uintptr, info *adapterInfo) uint32
	adapterInfoFree        func(info adapterInfo)
	adapterGetLimits       func(a uintptr, l *limits) uint32
	adapterHasFeature      func(a uintptr, f uint32) uint32
	adapterRequestDevice   func(a uintptr, d *deviceDescriptor, cb callbackInfo) uint64
	deviceGetQueue         func(d uintptr) uintptr
	deviceCreateBuffer     func(d uintptr, desc *bufferDescriptor) uintptr
	deviceCreateShader     func(d uintptr, desc *shaderModuleDescriptor) uintptr
	deviceCreateCompute    func(d uintptr, desc *computePipelineDescriptor) uintptr
	pipelineGetLayout      func(p uintptr, group uint32) uintptr
	deviceCreateBindGroup  func(d uintptr, desc *bindGroupDescriptor) uintptr
	bufferMapAsync         func(b uintptr, mode uint64, offset, size uintptr, cb callbackInfo) uint64
	bufferGetConstRange    func(b uintptr, offset, size uintptr) uintptr
	bufferUnmap            func(b uintptr)
	queueWorkDone          func(q uintptr, cb callbackInfo) uint64

	// Called per step through native.call (no reflection, no garbage).
	createEncoder, beginPass, setPipeline, setBindGroup, dispatch, endPass uintptr
	releasePass, copyB2B, finish, submit, releaseCmd, releaseEnc, writeBuf uintptr
	instanceProcessEvents                                                  uintptr // pumped while waiting

	// Releases, called once per object at Close.
	release map[string]uintptr
}

var (
	libMu    sync.Mutex
	libCache = map[string]*lib{}
)

// openLibrary loads the first candidate that opens and exports webgpu.h.
func openLibrary(explicit string) (*lib, error) {
	libMu.Lock()
	defer libMu.Unlock()
	var tried []string
	for _, path := range LibraryCandidates(explicit) {
		if l, ok := libCache[path]; ok {
			return l, nil
		}
		h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (%v)", path, shortErr(err)))
			continue
		}
		l, err := bind(h, path)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (%v)", path, err))
			continue
		}
		libCache[path] = l
		return l, nil
	}
	return nil, fmt.Errorf("%w: no WebGPU library (webgpu.h: Dawn or wgpu-native) could be loaded; tried %s; %s",
		ErrUnavailable, strings.Join(tried, ", "), InstallHint)
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": cannot open"); i >= 0 {
		return "cannot open" + s[i+len(": cannot open"):]
	}
	return s
}

// bind resolves every symbol, failing (rather than crashing later) when the
// library is not a webgpu.h of the expected revision.
func bind(h uintptr, path string) (l *lib, err error) {
	if _, err := purego.Dlsym(h, "wgpuCreateInstance"); err != nil {
		return nil, fmt.Errorf("not a webgpu.h library: %v", err)
	}
	defer func() {
		if r := recover(); r != nil { // RegisterLibFunc panics on a missing symbol
			err = fmt.Errorf("webgpu.h revision mismatch: %v", r)
		}
	}()
	l = &lib{path: path, release: map[string]uintptr{}}
	reg := func(fp any, name string) { purego.RegisterLibFunc(fp, h, name) }
	reg(&l.createInstance, "wgpuCreateInstance")
	reg(&l.instanceRequestAdapter, "wgpuInstanceRequestAdapter")
	reg(&l.adapterGetInfo, "wgpuAdapterGetInfo")
	reg(&l.adapterInfoFree, "wgpuAdapterInfoFreeMembers")
	reg(&l.adapterGetLimits, "wgpuAdapterGetLimits")
	reg(&l.adapterHasFeature, "wgpuAdapterHasFeature")
	reg(&l.adapterRequestDevice, "wgpuAdapterRequestDevice")
	reg(&l.deviceGetQueue, "wgpuDeviceGetQueue")
	reg(&l.deviceCreateBuffer, "wgpuDeviceCreateBuffer")
	reg(&l.deviceCreateShader, "wgpuDeviceCreateShaderModule")
	reg(&l.deviceCreateCompute, "wgpuDeviceCreateComputePipeline")
	reg(&l.pipelineGetLayout, "wgpuComputePipelineGetBindGroupLayout")
	reg(&l.deviceCreateBindGroup, "wgpuDeviceCreateBindGroup")
	reg(&l.bufferMapAsync, "wgpuBufferMapAsync")
	reg(&l.bufferGetConstRange, "wgpuBufferGetConstMappedRange")
	reg(&l.bufferUnmap, "wgpuBufferUnmap")
	reg(&l.queueWorkDone, "wgpuQueueOnSubmittedWorkDone")
	sym := func(name string) uintptr {
		p, e := purego.Dlsym(h, name)
		if e != nil {
			panic(e)
		}
		return p
	}
	l.createEncoder = sym("wgpuDeviceCreateCommandEncoder")
	l.beginPass = sym("wgpuCommandEncoderBeginComputePass")
	l.setPipeline = sym("wgpuComputePassEncoderSetPipeline")
	l.setBindGroup = sym("wgpuComputePassEncoderSetBindGroup")
	l.dispatch = sym("wgpuComputePassEncoderDispatchWorkgroups")
	l.endPass = sym("wgpuComputePassEncoderEnd")
	l.releasePass = sym("wgpuComputePassEncoderRelease")
	l.copyB2B = sym("wgpuCommandEncoderCopyBufferToBuffer")
	l.finish = sym("wgpuCommandEncoderFinish")
	l.submit = sym("wgpuQueueSubmit")
	l.releaseCmd = sym("wgpuCommandBufferRelease")
	l.releaseEnc = sym("wgpuCommandEncoderRelease")
	l.writeBuf = sym("wgpuQueueWriteBuffer")
	l.instanceProcessEvents = sym("wgpuInstanceProcessEvents")
	for _, n := range []string{"Instance", "Adapter", "Device", "Queue", "Buffer", "ShaderModule",
		"ComputePipeline", "BindGroupLayout", "BindGroup"} {
		l.release[n] = sym("wgpu" + n + "Release")
	}
	l.release["BufferDestroy"] = sym("wgpuBufferDestroy")
	l.release["DeviceDestroy"] = sym("wgpuDeviceDestroy")
	return l, nil
}
