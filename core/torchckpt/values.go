// Package torchckpt reads PyTorch checkpoint files (torch.save's zip
// archive: a pickle, data.pkl, plus one raw file per tensor storage) without
// executing anything.
//
// Python's pickle format is a small stack machine whose GLOBAL opcode names
// any importable callable and whose REDUCE opcode calls it: loading an
// arbitrary pickle runs arbitrary code. This reader implements only the
// opcodes that torch.save writes (protocols 2 to 5) and turns the few
// globals that model checkpoints use into inert Go values (dicts, tensors
// described by their storage, OmegaConf configs as plain objects, numpy
// scalars as numbers). Any other global is refused by name before anything
// is built from it.
//
// The file is untrusted: every size, offset and count it states is checked
// before it is used, the unpickler works within a memory budget set by the
// size of data.pkl in the archive and a bound on nesting depth, and error
// messages show attacker-controlled values only through Describe, which
// bounds their length.
//
// Tensor data is not read while unpickling: a Tensor names its storage, and
// Tensor.Float32 reads just the bytes its view covers. A training
// checkpoint holds the model, the EMA copy and two optimiser moments; a
// converter needs only one of them, so it reads a quarter of the file.
package torchckpt

import (
	"fmt"
	"strconv"
	"strings"
)

// Dict is a Python dict (or OrderedDict or defaultdict), in insertion order.
// Keys and Values may be read freely. A Dict from the unpickler carries a
// hash index of its keys; one assembled or edited by hand (the index no
// longer covers every key) is searched linearly instead.
type Dict struct {
	Keys   []any
	Values []any
	// Attrs holds attributes set on the dict object itself (PyTorch stores
	// a state dict's version table as OrderedDict._metadata).
	Attrs map[string]any

	index map[any]int // key -> position in Keys, kept by set
	depth int         // nesting depth, see unpickler.depthOf
}

// Get returns the value under a string key.
func (d *Dict) Get(key string) (any, bool) {
	if i, ok := d.find(key); ok {
		return d.Values[i], true
	}
	return nil, false
}

// Len is the number of entries.
func (d *Dict) Len() int { return len(d.Keys) }

func (d *Dict) find(k any) (int, bool) {
	if d.index != nil && len(d.index) == len(d.Keys) {
		i, ok := d.index[k]
		return i, ok
	}
	for i, old := range d.Keys {
		if old == k {
			return i, true
		}
	}
	return 0, false
}

// set replaces the value of an existing key or appends a new one, in
// constant time so that building a dict of n keys costs O(n). Keys are
// compared as Go values, which is right for the str and int keys that
// checkpoints use (Python would also merge 1, 1.0 and True).
func (d *Dict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, nil, float64:
	default:
		return fmt.Errorf("dict key of type %s is not supported", typeName(k))
	}
	if i, ok := d.find(k); ok {
		d.Values[i] = v
		return nil
	}
	if d.index == nil || len(d.index) != len(d.Keys) {
		d.index = make(map[any]int, len(d.Keys)+1)
		for i, old := range d.Keys {
			d.index[old] = i
		}
	}
	d.index[k] = len(d.Keys)
	d.Keys = append(d.Keys, k)
	d.Values = append(d.Values, v)
	return nil
}

// List is a Python list. It is a pointer so that APPEND after a memo
// reference updates every holder, as in Python.
type List struct {
	Items []any
	depth int
}

// Tuple is a Python tuple.
type Tuple []any

// Global is a reference to an allowed Python name, such as typing.Any or
// builtins.dict, kept as data (OmegaConf records type annotations).
type Global struct{ Module, Name string }

func (g *Global) String() string { return g.Module + "." + g.Name }

// Object is an instance of an allowed class (an OmegaConf node or its
// metadata, a numpy dtype), built without running its constructor: Args
// are the constructor arguments and State what pickle's BUILD gave it
// (usually a *Dict of its attributes).
type Object struct {
	Class *Global
	Args  Tuple
	State any
	depth int
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
// describes it. The unpickler only builds views that lie inside their
// storage, with an element count that fits in an int.
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

// Describe formats a value read from a checkpoint for an error message or
// a report: short scalars as Python would print them, long strings cut,
// containers by their first few items, and never more than about a hundred
// characters, whatever the file holds (a name may be megabytes long, a
// tuple nested thousands deep, a dict may contain itself).
func Describe(v any) string {
	var b strings.Builder
	describe(&b, v, 0)
	return clip(b.String(), maxDescribe)
}

// maxDescribe bounds Describe's output; describeMaxItems and describeDepth
// bound the work it does to get there.
const (
	maxDescribe      = 120
	describeMaxItems = 4
	describeDepth    = 3
)

func describe(b *strings.Builder, v any, depth int) {
	if b.Len() > maxDescribe {
		return
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case string:
		if len(x) > maxDescribe {
			fmt.Fprintf(b, "%q (%d bytes)", clip(x, 40), len(x))
		} else {
			b.WriteString(strconv.Quote(x))
		}
	case []byte:
		fmt.Fprintf(b, "bytes[%d]", len(x))
	case Tuple:
		describeItems(b, "(", ")", x, depth)
	case []any: // a plain list (Plain)
		describeItems(b, "[", "]", x, depth)
	case map[string]any: // a plain mapping (Plain), in no order to show
		fmt.Fprintf(b, "{%d keys}", len(x))
	case *List:
		describeItems(b, "[", "]", x.Items, depth)
	case *Dict:
		if depth >= describeDepth {
			fmt.Fprintf(b, "{%d keys}", len(x.Keys))
			return
		}
		b.WriteString("{")
		for i, k := range x.Keys {
			if i == describeMaxItems {
				fmt.Fprintf(b, ", ... %d keys", len(x.Keys))
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			describe(b, k, depth+1)
			b.WriteString(": ")
			describe(b, x.Values[i], depth+1)
		}
		b.WriteString("}")
	case *Global:
		b.WriteString(clip(x.String(), 60))
	case *Object:
		if x.Class == nil {
			b.WriteString("object")
			return
		}
		fmt.Fprintf(b, "%s object", clip(x.Class.String(), 60))
	case *Storage:
		fmt.Fprintf(b, "storage %s of %d %s", clip(x.Key, 20), x.Numel, x.DType)
	case *Tensor:
		if len(x.Shape) > 8 {
			fmt.Fprintf(b, "tensor of rank %d", len(x.Shape))
		} else {
			fmt.Fprintf(b, "tensor%v", x.Shape)
		}
	default:
		b.WriteString(typeName(v))
	}
}

func describeItems(b *strings.Builder, open, close string, items []any, depth int) {
	if depth >= describeDepth {
		fmt.Fprintf(b, "%s%d items%s", open, len(items), close)
		return
	}
	b.WriteString(open)
	for i, it := range items {
		if i == describeMaxItems {
			fmt.Fprintf(b, ", ... %d items", len(items))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		describe(b, it, depth+1)
	}
	b.WriteString(close)
}

// typeName names a value's Python-facing kind for messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Dict:
		return "dict"
	case *Global:
		return "global"
	case *Object:
		return "object"
	case *Storage:
		return "storage"
	case *Tensor:
		return "tensor"
	case []any:
		return "list"
	case map[string]any:
		return "mapping"
	}
	return fmt.Sprintf("%T", v)
}

// clip cuts s to at most n bytes, at a UTF-8 boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}

// label formats a name from the file (a record, a storage key) for a
// message: as it is when short and plain, else as Describe quotes it.
func label(s string) string {
	if len(s) > 60 {
		return Describe(s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || s[i] == '"' {
			return Describe(s)
		}
	}
	return s
}
