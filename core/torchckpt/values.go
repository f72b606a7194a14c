// Package torchckpt reads PyTorch checkpoint files (torch.save's zip
// archive: a pickle, data.pkl, plus one raw file per tensor storage) without
// executing anything.
//
// Python's pickle format is a small stack machine whose GLOBAL opcode names
// any importable callable and whose REDUCE opcode calls it: loading an
// arbitrary pickle runs arbitrary code. This reader implements only the
// opcodes that torch.save writes (protocols 2 to 5) and turns the few
// globals that model checkpoints use into inert Go values (dicts, tensors
// described by their storage, OmegaConf configs as plain objects). Any other
// global is refused by name before anything is built from it.
//
// Tensor data is not read while unpickling: a Tensor names its storage, and
// Tensor.Float32 reads just that storage from the archive. A training
// checkpoint holds the model, the EMA copy and two optimiser moments; a
// converter needs only one of them, so it reads a quarter of the file.
package torchckpt

import (
	"fmt"
	"math/big"
)

// Dict is a Python dict (or OrderedDict or defaultdict), in insertion order.
type Dict struct {
	Keys   []any
	Values []any
	// Attrs holds attributes set on the dict object itself (PyTorch stores
	// a state dict's version table as OrderedDict._metadata).
	Attrs map[string]any
}

// Get returns the value under a string key.
func (d *Dict) Get(key string) (any, bool) {
	for i, k := range d.Keys {
		if s, ok := k.(string); ok && s == key {
			return d.Values[i], true
		}
	}
	return nil, false
}

// set replaces the value of an existing key or appends a new one. Keys are
// compared as Go values, which is right for the str and int keys that
// checkpoints use.
func (d *Dict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, nil, float64:
	default:
		return fmt.Errorf("dict key of type %T is not supported", k)
	}
	for i, old := range d.Keys {
		if old == k {
			d.Values[i] = v
			return nil
		}
	}
	d.Keys = append(d.Keys, k)
	d.Values = append(d.Values, v)
	return nil
}

// List is a Python list. It is a pointer so that APPEND after a memo
// reference updates every holder, as in Python.
type List struct{ Items []any }

// Tuple is a Python tuple.
type Tuple []any

// Global is a reference to an allowed Python name, such as typing.Any or
// builtins.dict, kept as data (OmegaConf records type annotations).
type Global struct{ Module, Name string }

func (g *Global) String() string { return g.Module + "." + g.Name }

// Object is an instance of an allowed class (an OmegaConf node or its
// metadata), built without running its constructor: Args are the
// constructor arguments and State what pickle's BUILD gave it (usually a
// *Dict of its attributes).
type Object struct {
	Class *Global
	Args  Tuple
	State any
}

// Attr returns the attribute name from the object's state dict.
func (o *Object) Attr(name string) (any, bool) {
	d, ok := o.State.(*Dict)
	if !ok {
		return nil, false
	}
	return d.Get(name)
}

// Storage describes one tensor storage of the archive: its element type,
// its record name (data/<Key>) and its element count. It holds no data.
type Storage struct {
	DType    DType
	Key      string
	Location string // device it was saved from, e.g. "cuda:0"
	Numel    int64
}

// Tensor is a view of a storage, as torch._utils._rebuild_tensor_v2
// describes it.
type Tensor struct {
	Storage *Storage
	Offset  int64 // in elements
	Shape   []int
	Stride  []int
}

// Numel is the number of elements of the view.
func (t *Tensor) Numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// longToInt64 decodes LONG1's little-endian two's complement; anything
// outside int64 is refused, since no checkpoint field needs it.
func longToInt64(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if !v.IsInt64() {
		return 0, fmt.Errorf("integer %s does not fit in 64 bits", v)
	}
	return v.Int64(), nil
}
