// Package safetensors reads and writes the safetensors format: an 8-byte
// little-endian header length, a JSON header mapping tensor names to
// {dtype, shape, data_offsets}, then the raw little-endian data.
//
// Reading validates everything a corrupt or truncated file could get wrong
// (header size, offsets inside the data block, sizes matching shapes, no
// overlaps) and names the tensor or byte range at fault.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/floatbits"
	"github.com/rdlm-go/rdlm/internal/userfile"
	"github.com/x448/float16"
)

// DType is a tensor's element type as spelled in the header.
type DType string

const (
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
)

// Size is the number of bytes of one element.
func (d DType) Size() (int, error) {
	switch d {
	case F32:
		return 4, nil
	case F16, BF16:
		return 2, nil
	case I64:
		return 8, nil
	}
	return 0, fmt.Errorf("unsupported dtype %q", string(d))
}

// Tensor is one named tensor held as raw little-endian bytes.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// Numel is the product of the shape.
func (t *Tensor) Numel() int {
	n := 1
	for _, s := range t.Shape {
		n *= s
	}
	return n
}

// Float32 decodes the tensor to float32 (from F32, F16 or BF16).
func (t *Tensor) Float32() ([]float32, error) {
	out := make([]float32, t.Numel())
	return out, t.DecodeInto(out)
}

// DecodeInto decodes the tensor into dst, which must have Numel elements.
func (t *Tensor) DecodeInto(dst []float32) error {
	if len(dst) != t.Numel() {
		return fmt.Errorf("tensor %q: %d elements, destination holds %d", t.Name, t.Numel(), len(dst))
	}
	switch t.DType {
	case F32:
		for i := range dst {
			dst[i] = floatbits.F32(t.Data[4*i:])
		}
	case F16:
		for i := range dst {
			dst[i] = floatbits.F16(t.Data[2*i:])
		}
	case BF16:
		for i := range dst {
			dst[i] = floatbits.BF16(t.Data[2*i:])
		}
	default:
		return fmt.Errorf("tensor %q: dtype %s is not a float type", t.Name, t.DType)
	}
	return nil
}

// FromFloat32 encodes values as a tensor of the given float dtype (F32 or F16).
func FromFloat32(name string, dtype DType, shape []int, values []float32) (Tensor, error) {
	t := Tensor{Name: name, DType: dtype, Shape: append([]int(nil), shape...)}
	if t.Numel() != len(values) {
		return t, fmt.Errorf("tensor %q: shape %v has %d elements, got %d values", name, shape, t.Numel(), len(values))
	}
	switch dtype {
	case F32:
		t.Data = make([]byte, 4*len(values))
		for i, v := range values {
			binary.LittleEndian.PutUint32(t.Data[4*i:], math.Float32bits(v))
		}
	case F16:
		t.Data = make([]byte, 2*len(values))
		for i, v := range values {
			binary.LittleEndian.PutUint16(t.Data[2*i:], float16.Fromfloat32(v).Bits())
		}
	default:
		return t, fmt.Errorf("tensor %q: cannot encode dtype %s", name, dtype)
	}
	return t, nil
}

// File is a parsed safetensors file.
type File struct {
	Metadata map[string]string
	Tensors  map[string]*Tensor
	Order    []string // names in data order
}

type headerEntry struct {
	DType   DType    `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// maxHeader bounds the JSON header so that a garbage length cannot make us
// allocate gigabytes.
const maxHeader = 100 << 20

// Read parses safetensors bytes.
func Read(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("safetensors: file is %d bytes, shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil, fmt.Errorf("safetensors: header length %d does not fit in a file of %d bytes (truncated or not safetensors)", n, len(b))
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		return nil, fmt.Errorf("safetensors: header (bytes 8..%d) is not valid JSON: %v", 8+n, err)
	}
	data := b[8+n:]
	f := &File{Tensors: map[string]*Tensor{}}
	type span struct {
		name   string
		lo, hi int64
	}
	var spans []span
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.Metadata); err != nil {
				return nil, fmt.Errorf("safetensors: __metadata__ is not a string map: %v", err)
			}
			continue
		}
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: bad header entry: %v", name, err)
		}
		size, err := e.DType.Size()
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %v", name, err)
		}
		numel := int64(1)
		for _, s := range e.Shape {
			if s < 0 || (s > 0 && numel > math.MaxInt64/int64(s)/8) {
				return nil, fmt.Errorf("safetensors: tensor %q: bad shape %v", name, e.Shape)
			}
			numel *= int64(s)
		}
		lo, hi := e.Offsets[0], e.Offsets[1]
		if lo < 0 || hi < lo || hi > int64(len(data)) {
			return nil, fmt.Errorf("safetensors: tensor %q: bytes %d..%d lie outside the %d-byte data block (truncated file?)", name, lo, hi, len(data))
		}
		if hi-lo != numel*int64(size) {
			return nil, fmt.Errorf("safetensors: tensor %q: bytes %d..%d hold %d bytes, shape %v of %s needs %d", name, lo, hi, hi-lo, e.Shape, e.DType, numel*int64(size))
		}
		f.Tensors[name] = &Tensor{Name: name, DType: e.DType, Shape: e.Shape, Data: data[lo:hi]}
		spans = append(spans, span{name, lo, hi})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	for i := 1; i < len(spans); i++ {
		if spans[i].lo < spans[i-1].hi {
			return nil, fmt.Errorf("safetensors: tensors %q and %q overlap at byte %d", spans[i-1].name, spans[i].name, spans[i].lo)
		}
	}
	for _, s := range spans {
		f.Order = append(f.Order, s.name)
	}
	return f, nil
}

// ReadFile reads and parses a safetensors file: weights, optimiser state, a
// tables cache, forward's input. It reads through userfile's limit for
// safetensors files, so a device, a pipe or an absurdly large file is
// refused before it is read.
func ReadFile(path string) (*File, error) {
	b, err := userfile.Read(path, userfile.Tensors)
	if err != nil {
		return nil, err
	}
	f, err := Read(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Get returns a tensor or an error naming the missing tensor.
func (f *File) Get(name string) (*Tensor, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return nil, fmt.Errorf("safetensors: missing tensor %q", name)
	}
	return t, nil
}

// Encode writes tensors in the given order with optional metadata.
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, t := range tensors {
		if _, dup := header[t.Name]; dup {
			return fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		header[t.Name] = headerEntry{DType: t.DType, Shape: t.Shape, Offsets: [2]int64{off, off + int64(len(t.Data))}}
		off += int64(len(t.Data))
	}
	h, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(h)%8 != 0 { // keep the data block 8-byte aligned, as the format recommends
		h = append(h, ' ')
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(h)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes tensors atomically: to a temporary file in the same
// folder, synced, then renamed over path, so a crash never leaves a torn file.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	return atomicfile.Write(path, func(w io.Writer) error { return Encode(w, tensors, metadata) })
}
