package gpu

import (
	"fmt"
	"strings"

	"github.com/rdlm-go/rdlm/shaders"
	"github.com/x448/float16"
)

// op is one recorded command: a dispatch, or a buffer copy when copy is set.
type op struct {
	name    string // the kernel's name, for per-kernel timing ("copy" for copies)
	k       Kernel
	g       Group
	x, y, z uint32
	copy    *copyOp
}

// copyOp is a recorded buffer-to-buffer copy of size bytes.
type copyOp struct {
	src, dst       Buf
	srcOff, dstOff uint64
	size           uint64
}

// device is the machinery every engine on a Driver shares: the kernel cache
// (a pipeline per kernel and constants, compiled once), buffers with the
// bytes they take, and recorded command lists. Engine (inference) and
// TrainEngine (training) embed it.
type device struct {
	d     Driver
	f16   bool // kernels read weights (wt) as f16
	kern  map[string]Kernel
	bytes uint64 // device memory of every buffer made through buffer/upload
	none  Buf    // a 1-float placeholder for optional bindings
}

func newDevice(d Driver, f16 bool) device {
	return device{d: d, f16: f16, kern: map[string]Kernel{}, none: -1}
}

// DeviceBytes is the memory the engine's buffers take on the device.
func (e *device) DeviceBytes() uint64 { return e.bytes }

// kernel compiles (once) a kernel with its constants.
func (e *device) kernel(name string, consts map[string]uint32) (Kernel, error) {
	key := name
	for k, v := range consts {
		key += fmt.Sprintf(",%s=%d", k, v)
	}
	if k, ok := e.kern[key]; ok {
		return k, nil
	}
	src, err := shaders.Source(name, e.f16, consts)
	if err != nil {
		return -1, err
	}
	k, err := e.d.CreateKernel(name, src)
	if err != nil {
		return -1, err
	}
	e.kern[key] = k
	return k, nil
}

// buffer makes a zeroed storage buffer of n floats (n >= 1).
func (e *device) buffer(label string, n int) (Buf, error) {
	size := uint64(4 * max(n, 1))
	if size > e.d.Adapter().MaxBinding {
		return -1, fmt.Errorf("gpu: activation %s needs %d bytes, above the adapter's %d-byte storage binding: use a smaller batch", label, size, e.d.Adapter().MaxBinding)
	}
	e.bytes += size
	return e.d.CreateBuffer(label, size, Storage)
}

// upload makes a storage buffer holding v.
func (e *device) upload(label string, v []float32) (Buf, error) {
	b, err := e.buffer(label, len(v))
	if err == nil {
		e.d.WriteBuffer(b, 0, f32Bytes(v))
	}
	return b, err
}

// uploadWeight stores a weight tensor as wt: f16 (padded to 4 bytes) or f32.
func (e *device) uploadWeight(label string, v []float32) (Buf, error) {
	if !e.f16 {
		return e.upload(label, v)
	}
	n := (len(v) + 1) / 2 * 2
	h := make([]uint16, n)
	for i, f := range v {
		h[i] = float16.Fromfloat32(f).Bits()
	}
	size := uint64(2 * n)
	e.bytes += size
	b, err := e.d.CreateBuffer(label, size, Storage)
	if err == nil {
		w := make([]uint32, n/2)
		for i := range w {
			w[i] = uint32(h[2*i]) | uint32(h[2*i+1])<<16
		}
		e.d.WriteBuffer(b, 0, u32Bytes(w))
	}
	return b, err
}

// params makes a uniform buffer holding a kernel's params struct.
func (e *device) params(words ...uint32) (Buf, error) {
	for len(words)%4 != 0 { // uniform structs are 16-byte multiples
		words = append(words, 0)
	}
	b, err := e.d.CreateBuffer("params", uint64(4*len(words)), Uniform)
	if err == nil {
		e.d.WriteBuffer(b, 0, u32Bytes(words))
	}
	return b, err
}

// record appends a dispatch of kernel name with uniform params and buffers.
func (e *device) record(list *[]op, name string, consts map[string]uint32, x, y uint32, params []uint32, bufs ...Buf) error {
	k, err := e.kernel(name, consts)
	if err != nil {
		return err
	}
	pb, err := e.params(params...)
	if err != nil {
		return err
	}
	binds := make([]Binding, 0, len(bufs)+1)
	binds = append(binds, Binding{Buf: pb})
	for _, b := range bufs {
		binds = append(binds, Binding{Buf: b})
	}
	g, err := e.d.CreateGroup(k, binds)
	if err != nil {
		return fmt.Errorf("gpu: %s: %v", name, err)
	}
	*list = append(*list, op{name: name, k: k, g: g, x: x, y: y, z: 1})
	return nil
}

// recordCopy appends a copy of n floats from src at float offset srcOff to
// dst at dstOff.
func (e *device) recordCopy(list *[]op, src Buf, srcOff int, dst Buf, dstOff, n int) {
	*list = append(*list, op{name: "copy", copy: &copyOp{src: src, dst: dst, srcOff: 4 * uint64(srcOff), dstOff: 4 * uint64(dstOff), size: 4 * uint64(n)}})
}

func (e *device) run(ops []op) {
	for i := range ops {
		o := &ops[i]
		if c := o.copy; c != nil {
			e.d.Copy(c.src, c.srcOff, c.dst, c.dstOff, c.size)
			continue
		}
		e.d.Dispatch(o.k, o.g, o.x, o.y, o.z)
	}
}

// grid256 spreads n threads of 256-wide workgroups over x and y, keeping x
// within the 65535 workgroups per dimension every adapter allows.
func grid256(n int) (uint32, uint32) {
	wg := (n + 255) / 256
	if wg <= 65535 {
		return uint32(max(wg, 1)), 1
	}
	return 65535, uint32((wg + 65534) / 65535)
}

// rowGrid spreads n workgroups (one per row) over x and y in the same way;
// a kernel finds its row as wg.x + wg.y * num_workgroups.x and returns when
// it is past the last.
func rowGrid(n int) (uint32, uint32) {
	if n <= 65535 {
		return uint32(max(n, 1)), 1
	}
	return 65535, uint32((n + 65534) / 65535)
}

// describeOps counts a command list's dispatches by kernel name, in order
// of first appearance: "linear x12 layernorm x5 ...".
func describeOps(ops []op) string {
	count := map[string]int{}
	var order []string
	for _, o := range ops {
		if count[o.name] == 0 {
			order = append(order, o.name)
		}
		count[o.name]++
	}
	var b strings.Builder
	for _, n := range order {
		fmt.Fprintf(&b, "%s x%d ", n, count[n])
	}
	return strings.TrimSpace(b.String())
}
