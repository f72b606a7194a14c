package torchckpt

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// globalKind says what calling an allowed global builds.
type globalKind int

const (
	kindInert         globalKind = iota // a type kept as a name; calling it is refused
	kindDict                            // OrderedDict(), defaultdict(factory): an empty *Dict
	kindRebuildTensor                   // torch._utils._rebuild_tensor_v2: a *Tensor view
	kindRebuildParam                    // torch._utils._rebuild_parameter: the tensor itself
	kindObject                          // an OmegaConf class: an *Object filled by BUILD
	kindStorageType                     // torch.FloatStorage etc.: named in storage ids only
	kindNumpyDType                      // numpy.dtype('f8', False, True): an *Object; BUILD gives its byte order
	kindNumpyScalar                     // numpy's scalar(dtype, raw bytes): a float64 or int64
	kindEncode                          // _codecs.encode(str, 'latin1'): bytes, as protocol 2 writes them
	kindBytes                           // bytes(): the empty bytes, as protocol 2 writes them
)

// allowedGlobals is everything a PyTorch training checkpoint of the
// reference (model and EMA state, AdamW state, an OmegaConf config) names.
// Python 2 spellings (__builtin__) appear because torch.save uses protocol
// 2, which maps builtins to their old module names; for the same reason
// bytes arrive as _codecs.encode of a latin-1 string. The reference's
// training loop sets the learning rate to a numpy float64, so its optimiser
// state holds numpy scalars: numpy's scalar and dtype are here, and build
// only a number.
var allowedGlobals = map[string]globalKind{
	"collections.OrderedDict":          kindDict,
	"collections.defaultdict":          kindDict,
	"torch._utils._rebuild_tensor_v2":  kindRebuildTensor,
	"torch._utils._rebuild_parameter":  kindRebuildParam,
	"omegaconf.dictconfig.DictConfig":  kindObject,
	"omegaconf.listconfig.ListConfig":  kindObject,
	"omegaconf.base.ContainerMetadata": kindObject,
	"omegaconf.base.Metadata":          kindObject,
	"omegaconf.nodes.AnyNode":          kindObject,
	"omegaconf.nodes.StringNode":       kindObject,
	"omegaconf.nodes.IntegerNode":      kindObject,
	"omegaconf.nodes.FloatNode":        kindObject,
	"omegaconf.nodes.BooleanNode":      kindObject,
	"omegaconf.nodes.BytesNode":        kindObject,
	"omegaconf.nodes.PathNode":         kindObject,
	"numpy.dtype":                      kindNumpyDType,
	"numpy.core.multiarray.scalar":     kindNumpyScalar,
	"numpy._core.multiarray.scalar":    kindNumpyScalar, // numpy 2
	"_codecs.encode":                   kindEncode,
	"__builtin__.bytes":                kindBytes,
	"builtins.bytes":                   kindBytes,
	"typing.Any":                       kindInert,
	"__builtin__.dict":                 kindInert,
	"__builtin__.list":                 kindInert,
	"__builtin__.tuple":                kindInert,
	"__builtin__.int":                  kindInert,
	"__builtin__.long":                 kindInert,
	"__builtin__.float":                kindInert,
	"__builtin__.str":                  kindInert,
	"__builtin__.unicode":              kindInert,
	"__builtin__.bool":                 kindInert,
	"__builtin__.object":               kindInert,
	"builtins.dict":                    kindInert,
	"builtins.list":                    kindInert,
	"builtins.tuple":                   kindInert,
	"builtins.int":                     kindInert,
	"builtins.float":                   kindInert,
	"builtins.str":                     kindInert,
	"builtins.bool":                    kindInert,
	"builtins.object":                  kindInert,
}

func init() {
	for name := range storageDTypes {
		allowedGlobals["torch."+name] = kindStorageType
	}
}

// lookupGlobal resolves GLOBAL module name, refusing anything not listed.
func lookupGlobal(module, name string) (*Global, error) {
	full := module + "." + name
	if _, ok := allowedGlobals[full]; !ok {
		return nil, fmt.Errorf("refusing global %s: a model checkpoint never needs it, and this reader loads only the names PyTorch model checkpoints use (never executing code)", Describe(full))
	}
	return &Global{Module: module, Name: name}, nil
}

// construct is REDUCE and NEWOBJ: it builds the inert value an allowed
// callable stands for.
func construct(g *Global, args Tuple) (any, error) {
	switch allowedGlobals[g.String()] {
	case kindDict:
		if g.Name == "OrderedDict" && len(args) != 0 || g.Name == "defaultdict" && len(args) > 1 {
			return nil, fmt.Errorf("%s called with %d arguments", g, len(args))
		}
		return &Dict{}, nil
	case kindRebuildTensor:
		return rebuildTensor(args)
	case kindRebuildParam:
		if len(args) < 1 {
			return nil, fmt.Errorf("%s called without a tensor", g)
		}
		t, ok := args[0].(*Tensor)
		if !ok {
			return nil, fmt.Errorf("%s called with a %s", g, typeName(args[0]))
		}
		return t, nil
	case kindObject:
		return &Object{Class: g, Args: args}, nil
	case kindNumpyDType:
		if len(args) != 3 {
			return nil, fmt.Errorf("numpy.dtype called with %d arguments, want 3", len(args))
		}
		if _, ok := args[0].(string); !ok {
			return nil, fmt.Errorf("numpy.dtype of a %s, want a type code such as 'f8'", typeName(args[0]))
		}
		return &Object{Class: g, Args: args}, nil
	case kindNumpyScalar:
		return numpyScalar(args)
	case kindEncode:
		return latin1(args)
	case kindBytes:
		if len(args) != 0 {
			return nil, fmt.Errorf("%s called with %d arguments; only bytes() is read", g, len(args))
		}
		return []byte{}, nil
	}
	return nil, fmt.Errorf("calling %s is not supported by this restricted reader", g)
}

// latin1 is _codecs.encode(s, 'latin1'): protocol 2 has no bytes opcode,
// so Python writes bytes as the string of their latin-1 characters.
func latin1(args Tuple) ([]byte, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("_codecs.encode called with %d arguments, want 2", len(args))
	}
	s, ok1 := args[0].(string)
	enc, ok2 := args[1].(string)
	if !ok1 || !ok2 || enc != "latin1" && enc != "latin-1" {
		return nil, fmt.Errorf("_codecs.encode(%s, %s): only the latin-1 encoding of a string is read", Describe(args[0]), Describe(args[1]))
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, fmt.Errorf("_codecs.encode: character U+%04X is not latin-1", r)
		}
		out = append(out, byte(r))
	}
	return out, nil
}

// numpyScalar is numpy's scalar(dtype, raw): the value a numpy scalar
// (np.float64(0.1)) pickles as. It becomes a plain float64 or int64.
func numpyScalar(args Tuple) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("numpy scalar with %d arguments, want a dtype and its bytes", len(args))
	}
	dt, ok := args[0].(*Object)
	if !ok || dt.Class.String() != "numpy.dtype" {
		return nil, fmt.Errorf("numpy scalar of a %s, want a numpy.dtype", typeName(args[0]))
	}
	raw, ok := args[1].([]byte)
	if !ok {
		return nil, fmt.Errorf("numpy scalar data is a %s, want bytes", typeName(args[1]))
	}
	code := dt.Args[0].(string) // checked by construct
	size := map[string]int{"f8": 8, "f4": 4, "i8": 8, "i4": 4}[code]
	if size == 0 {
		return nil, fmt.Errorf("numpy scalar of dtype %s is not supported (f8, f4, i8 and i4 are)", Describe(code))
	}
	// numpy.dtype's BUILD state is (version, byte order, ...).
	var order binary.ByteOrder
	if st, ok := dt.State.(Tuple); ok && len(st) >= 2 {
		switch st[1] {
		case "<":
			order = binary.LittleEndian
		case ">":
			order = binary.BigEndian
		}
	}
	if order == nil {
		return nil, fmt.Errorf("numpy dtype %s without a '<' or '>' byte order", Describe(code))
	}
	if len(raw) != size {
		return nil, fmt.Errorf("numpy %s scalar of %d bytes, want %d", code, len(raw), size)
	}
	switch code {
	case "f8":
		return math.Float64frombits(order.Uint64(raw)), nil
	case "f4":
		return float64(math.Float32frombits(order.Uint32(raw))), nil
	case "i8":
		return int64(order.Uint64(raw)), nil
	}
	return int64(int32(order.Uint32(raw))), nil
}

// Bounds on a tensor view: torch has no tensors of more dimensions, and
// no dimension of more elements, than these; maxElements keeps element
// counts (and byte counts, 8 times more) inside int64.
const (
	maxRank     = 64
	maxDim      = 1 << 31
	maxElements = 1 << 56
)

// rebuildTensor checks _rebuild_tensor_v2(storage, offset, size, stride,
// requires_grad, backward_hooks[, metadata]) and returns the view. Every
// element the view reaches must lie in its storage; the check is written
// so that no sum or product can overflow, whatever the file says.
func rebuildTensor(args Tuple) (*Tensor, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments, want at least 4", len(args))
	}
	st, ok := args[0].(*Storage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: storage is a %s", typeName(args[0]))
	}
	off, ok := args[1].(int64)
	if !ok || off < 0 || off > st.Numel {
		return nil, fmt.Errorf("_rebuild_tensor_v2: storage offset %s is outside storage %s of %d elements", Describe(args[1]), label(st.Key), st.Numel)
	}
	shape, err := intTuple(args[2], "size", maxDim)
	if err != nil {
		return nil, err
	}
	stride, err := intTuple(args[3], "stride", math.MaxInt64)
	if err != nil {
		return nil, err
	}
	if len(stride) != len(shape) {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %d sizes but %d strides", len(shape), len(stride))
	}
	if _, _, err := checkView(st, off, shape, stride); err != nil {
		return nil, err
	}
	return &Tensor{Storage: st, Offset: off, Shape: shape, Stride: stride}, nil
}

// checkView returns a view's element count and the offset of its furthest
// element, or an error if the view has too many elements or reaches past
// its storage. It is written so that no sum or product can overflow,
// whatever the file says.
func checkView(st *Storage, off int64, shape, stride []int) (numel, last int64, err error) {
	if len(stride) != len(shape) || len(shape) > maxRank {
		return 0, 0, fmt.Errorf("tensor with %d sizes and %d strides", len(shape), len(stride))
	}
	if off < 0 || off > st.Numel {
		return 0, 0, fmt.Errorf("tensor offset %d is outside storage %s of %d elements", off, label(st.Key), st.Numel)
	}
	numel = 1
	for i, d := range shape {
		if d < 0 || d > maxDim || stride[i] < 0 {
			return 0, 0, fmt.Errorf("tensor of shape %s and stride %s: sizes and strides must be non-negative", ints(shape), ints(stride))
		}
		if d != 0 && numel > maxElements/int64(d) {
			return 0, 0, fmt.Errorf("tensor of shape %s has more than 2^56 elements", ints(shape))
		}
		numel *= int64(d)
	}
	if numel == 0 {
		return 0, off, nil
	}
	// room is how many elements the storage holds past the furthest one
	// reached so far.
	room := st.Numel - 1 - off
	for i, d := range shape {
		if d < 2 {
			continue
		}
		if room < 0 || int64(stride[i]) > room/int64(d-1) {
			room = -1
			break
		}
		room -= int64(d-1) * int64(stride[i])
	}
	if room < 0 {
		return 0, 0, fmt.Errorf("tensor of shape %s (offset %d, stride %s) reaches past its storage %s of %d elements", ints(shape), off, ints(stride), label(st.Key), st.Numel)
	}
	return numel, st.Numel - 1 - room, nil
}

// ints formats a shape or stride for a message, cut to a readable length.
func ints(s []int) string { return clip(fmt.Sprint(s), 60) }

// intTuple reads a size or stride tuple of at most maxRank non-negative
// entries no larger than limit.
func intTuple(v any, what string, limit int64) ([]int, error) {
	t, ok := v.(Tuple)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %s is a %s, want a tuple", what, typeName(v))
	}
	if len(t) > maxRank {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %s has %d dimensions, more than %d", what, len(t), maxRank)
	}
	out := make([]int, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 || n > limit {
			return nil, fmt.Errorf("_rebuild_tensor_v2: %s %s has a bad entry %s", what, Describe(t), Describe(x))
		}
		out[i] = int(n)
	}
	return out, nil
}

// storageTypeOf maps torch.HalfStorage to its dtype.
func storageTypeOf(v any) (DType, error) {
	g, ok := v.(*Global)
	if !ok || g.Module != "torch" || !strings.HasSuffix(g.Name, "Storage") {
		return "", fmt.Errorf("storage type is %s, want a torch.*Storage class", Describe(v))
	}
	dt, ok := storageDTypes[g.Name]
	if !ok {
		return "", fmt.Errorf("unknown storage type torch.%s", clip(g.Name, 60))
	}
	return dt, nil
}
