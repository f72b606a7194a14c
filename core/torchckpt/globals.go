package torchckpt

import (
	"fmt"
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
)

// allowedGlobals is everything a PyTorch training checkpoint of the
// reference (model and EMA state, AdamW state, an OmegaConf config) names.
// Python 2 spellings (__builtin__) appear because torch.save uses protocol
// 2, which maps builtins to their old module names.
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
		return nil, fmt.Errorf("refusing global %q: a model checkpoint never needs it, and this reader loads only the names PyTorch model checkpoints use (never executing code)", full)
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
			return nil, fmt.Errorf("%s called with a %T", g, args[0])
		}
		return t, nil
	case kindObject:
		return &Object{Class: g, Args: args}, nil
	}
	return nil, fmt.Errorf("calling %s is not supported by this restricted reader", g)
}

// rebuildTensor checks _rebuild_tensor_v2(storage, offset, size, stride,
// requires_grad, backward_hooks[, metadata]) and returns the view.
func rebuildTensor(args Tuple) (*Tensor, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments, want at least 4", len(args))
	}
	st, ok := args[0].(*Storage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: storage is a %T", args[0])
	}
	off, ok := args[1].(int64)
	if !ok || off < 0 {
		return nil, fmt.Errorf("_rebuild_tensor_v2: bad storage offset %v", args[1])
	}
	shape, err := intTuple(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := intTuple(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(stride) != len(shape) {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %d sizes but %d strides", len(shape), len(stride))
	}
	// The furthest element the view touches must lie inside the storage.
	last := off
	for i, d := range shape {
		if d == 0 {
			last = -1
			break
		}
		last += int64(d-1) * int64(stride[i])
	}
	if last >= st.Numel {
		return nil, fmt.Errorf("tensor of shape %v (offset %d, stride %v) reaches past its storage %s of %d elements", shape, off, stride, st.Key, st.Numel)
	}
	return &Tensor{Storage: st, Offset: off, Shape: shape, Stride: stride}, nil
}

// maxDim bounds every tensor dimension so that products cannot overflow.
const maxDim = 1 << 31

func intTuple(v any, what string) ([]int, error) {
	t, ok := v.(Tuple)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %s is a %T, want a tuple", what, v)
	}
	out := make([]int, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 || n > maxDim {
			return nil, fmt.Errorf("_rebuild_tensor_v2: %s %v has a bad entry %v", what, t, x)
		}
		out[i] = int(n)
	}
	return out, nil
}

// storageTypeName maps "torch.HalfStorage" to its dtype.
func storageTypeOf(v any) (DType, error) {
	g, ok := v.(*Global)
	if !ok || g.Module != "torch" || !strings.HasSuffix(g.Name, "Storage") {
		return "", fmt.Errorf("storage type is %v, want a torch.*Storage class", v)
	}
	dt, ok := storageDTypes[g.Name]
	if !ok {
		return "", fmt.Errorf("unknown storage type torch.%s", g.Name)
	}
	return dt, nil
}
