package gpu

import (
	"errors"
	"fmt"
	"unsafe"
)

// Buf, Kernel and Group name objects a Driver created: indices into the
// driver's own tables, so that the interface is the same whether the object
// behind it is a C pointer (native) or a JavaScript object (js).
type (
	Buf    int32
	Kernel int32
	Group  int32
)

// BufKind says what a buffer is for; it fixes the WebGPU usage flags.
type BufKind int

const (
	// Storage buffers hold weights and activations: bound read-write in
	// shaders, written from the host, copied to and from.
	Storage BufKind = iota
	// Uniform buffers hold a dispatch's small parameter struct.
	Uniform
)

// Binding is one entry of a bind group: binding i of the kernel's group 0 is
// bindings[i], a byte range of a buffer (Size 0: to the end).
type Binding struct {
	Buf    Buf
	Offset uint64
	Size   uint64
}

// AdapterInfo describes the adapter a Driver runs on and what it allows.
type AdapterInfo struct {
	Name        string // vendor, architecture, device, description as reported
	Backend     string // "vulkan", "metal", "d3d12", "browser", ...
	Fallback    bool   // a software adapter (SwiftShader, lavapipe, ...)
	ShaderF16   bool   // the adapter offers (and the device enabled) shader-f16
	MaxBinding  uint64 // maxStorageBufferBindingSize, bytes
	MaxBuffer   uint64 // maxBufferSize, bytes
	MaxWGStore  uint32 // maxComputeWorkgroupStorageSize, bytes
	MaxWGInvoc  uint32 // maxComputeInvocationsPerWorkgroup
	MaxWGPerDim uint32 // maxComputeWorkgroupsPerDimension
	MinAlign    uint32 // minStorageBufferOffsetAlignment, bytes
}

func (a AdapterInfo) String() string {
	return fmt.Sprintf("%s (%s, fallback %v, shader-f16 %v, max binding %d MiB)", a.Name, a.Backend, a.Fallback, a.ShaderF16, a.MaxBinding>>20)
}

// Driver is the part of WebGPU the engine uses. A Driver is not safe for
// concurrent use. All methods but the stream ones may allocate; the stream
// ones (BeginStream, Dispatch, Copy, Submit) are called per sampling step and
// must not, on the Go side.
type Driver interface {
	Adapter() AdapterInfo
	// CreateBuffer makes a buffer of size bytes (a multiple of 4).
	CreateBuffer(label string, size uint64, kind BufKind) (Buf, error)
	// WriteBuffer queues a host-to-buffer write, ordered before the next
	// submitted stream. len(data) and offset are multiples of 4.
	WriteBuffer(b Buf, offset uint64, data []byte)
	// CreateKernel compiles WGSL whose entry point is "main" into a compute
	// pipeline whose bind group 0 layout is derived from the shader.
	CreateKernel(label, wgsl string) (Kernel, error)
	// CreateGroup binds buffers to a kernel's group 0, entry i = binding i.
	CreateGroup(k Kernel, bindings []Binding) (Group, error)

	// BeginStream starts recording one command stream.
	BeginStream()
	// Dispatch records k over x*y*z workgroups with group g.
	Dispatch(k Kernel, g Group, x, y, z uint32)
	// Copy records a buffer-to-buffer copy (sizes and offsets multiples of 4).
	Copy(src Buf, srcOff uint64, dst Buf, dstOff uint64, size uint64)
	// Submit ends the stream and queues it. Errors the device reported
	// since the last check (validation, out of memory) come back here.
	Submit() error

	// Read copies size bytes of b at offset into dst after all submitted
	// work, blocking until they are there.
	Read(b Buf, offset uint64, dst []byte) error
	// Close releases everything the driver created.
	Close()
}

// ErrUnavailable wraps every "no WebGPU here" failure: library missing,
// no adapter, only the Null backend. Callers fall back to the CPU on it.
var ErrUnavailable = errors.New("webgpu unavailable")

// f32Bytes views a float32 slice as bytes (no copy).
func f32Bytes(s []float32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))
}

// u32Bytes views a uint32 slice as bytes (no copy).
func u32Bytes(s []uint32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))
}

// Options choose how Open finds and sets up WebGPU.
type Options struct {
	// Library is the webgpu.h shared library for the native driver (the
	// --webgpu-lib flag); empty searches LibraryCandidates. Ignored in js.
	Library string
	// NoF16 keeps f32 weights even where the adapter offers shader-f16.
	NoF16 bool
	// MaxBinding, when positive and below the adapter's limit, lowers the
	// largest storage binding the engine assumes: tests use it to make the
	// engine split tensors as it must on adapters with small limits.
	MaxBinding uint64
}
