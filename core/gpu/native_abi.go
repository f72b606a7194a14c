//go:build linux || darwin || freebsd

package gpu

// Go mirrors of the webgpu.h structs the native driver passes, for the
// header revision Dawn's bun-webgpu build exports (WGPUStringView strings,
// 64-bit flags, callback-info structs). Field order, types and explicit
// padding follow the C layout on 64-bit targets; the limits test checks the
// layout against values the adapter is known to report.

// Enum and flag values from webgpu.h.
const (
	sTypeShaderSourceWGSL = 0x2

	backendNull   = 1
	backendWebGPU = 2
	backendD3D11  = 3
	backendD3D12  = 4
	backendMetal  = 5
	backendVulkan = 6
	backendOpenGL = 7
	backendGLES   = 8

	adapterTypeCPU = 3

	featureShaderF16 = 0xA

	callbackModeAllowProcessEvents = 2
	statusSuccess                  = 1

	usageMapRead  = 0x1
	usageCopySrc  = 0x4
	usageCopyDst  = 0x8
	usageUniform  = 0x40
	usageStorage  = 0x80
	mapModeRead   = 0x1
	wholeSize     = ^uint64(0)
	strlenUnknown = ^uintptr(0)
)

type stringView struct {
	data   uintptr
	length uintptr
}

type chainedStruct struct {
	next  uintptr
	sType uint32
	_     uint32
}

type requestAdapterOptions struct {
	nextInChain          uintptr
	featureLevel         uint32
	powerPreference      uint32
	forceFallbackAdapter uint32
	backendType          uint32
	compatibleSurface    uintptr
}

// callbackInfo is the layout shared by every WGPU*CallbackInfo with a mode.
type callbackInfo struct {
	nextInChain uintptr
	mode        uint32
	_           uint32
	callback    uintptr
	userdata1   uintptr
	userdata2   uintptr
}

type uncapturedErrorCallbackInfo struct {
	nextInChain uintptr
	callback    uintptr
	userdata1   uintptr
	userdata2   uintptr
}

type queueDescriptor struct {
	nextInChain uintptr
	label       stringView
}

type deviceDescriptor struct {
	nextInChain          uintptr
	label                stringView
	requiredFeatureCount uintptr
	requiredFeatures     uintptr
	requiredLimits       uintptr
	defaultQueue         queueDescriptor
	deviceLost           callbackInfo
	uncapturedError      uncapturedErrorCallbackInfo
}

type limits struct {
	nextInChain                               uintptr
	maxTextureDimension1D                     uint32
	maxTextureDimension2D                     uint32
	maxTextureDimension3D                     uint32
	maxTextureArrayLayers                     uint32
	maxBindGroups                             uint32
	maxBindGroupsPlusVertexBuffers            uint32
	maxBindingsPerBindGroup                   uint32
	maxDynamicUniformBuffersPerPipelineLayout uint32
	maxDynamicStorageBuffersPerPipelineLayout uint32
	maxSampledTexturesPerShaderStage          uint32
	maxSamplersPerShaderStage                 uint32
	maxStorageBuffersPerShaderStage           uint32
	maxStorageTexturesPerShaderStage          uint32
	maxUniformBuffersPerShaderStage           uint32
	maxUniformBufferBindingSize               uint64
	maxStorageBufferBindingSize               uint64
	minUniformBufferOffsetAlignment           uint32
	minStorageBufferOffsetAlignment           uint32
	maxVertexBuffers                          uint32
	maxBufferSize                             uint64
	maxVertexAttributes                       uint32
	maxVertexBufferArrayStride                uint32
	maxInterStageShaderVariables              uint32
	maxColorAttachments                       uint32
	maxColorAttachmentBytesPerSample          uint32
	maxComputeWorkgroupStorageSize            uint32
	maxComputeInvocationsPerWorkgroup         uint32
	maxComputeWorkgroupSizeX                  uint32
	maxComputeWorkgroupSizeY                  uint32
	maxComputeWorkgroupSizeZ                  uint32
	maxComputeWorkgroupsPerDimension          uint32
	maxStorageBuffersInVertexStage            uint32
	maxStorageTexturesInVertexStage           uint32
	maxStorageBuffersInFragmentStage          uint32
	maxStorageTexturesInFragmentStage         uint32
}

type adapterInfo struct {
	nextInChain     uintptr
	vendor          stringView
	architecture    stringView
	device          stringView
	description     stringView
	backendType     uint32
	adapterType     uint32
	vendorID        uint32
	deviceID        uint32
	subgroupMinSize uint32
	subgroupMaxSize uint32
}

type bufferDescriptor struct {
	nextInChain      uintptr
	label            stringView
	usage            uint64
	size             uint64
	mappedAtCreation uint32
	_                uint32
}

type shaderSourceWGSL struct {
	chain chainedStruct
	code  stringView
}

type shaderModuleDescriptor struct {
	nextInChain uintptr
	label       stringView
}

type computeState struct {
	nextInChain   uintptr
	module        uintptr
	entryPoint    stringView
	constantCount uintptr
	constants     uintptr
}

type computePipelineDescriptor struct {
	nextInChain uintptr
	label       stringView
	layout      uintptr
	compute     computeState
}

type bindGroupEntry struct {
	nextInChain uintptr
	binding     uint32
	_           uint32
	buffer      uintptr
	offset      uint64
	size        uint64
	sampler     uintptr
	textureView uintptr
}

type bindGroupDescriptor struct {
	nextInChain uintptr
	label       stringView
	layout      uintptr
	entryCount  uintptr
	entries     uintptr
}
