package torchckpt

import (
	"fmt"
	"strings"
)

// Plain turns an unpickled value into plain Go data: OmegaConf DictConfig
// and ListConfig objects (as hydra stores a run's configuration) and Python
// dicts become map[string]any, lists and tuples []any, nodes their values.
// Interpolations such as "${tokens}" are kept as strings; Config.Get
// resolves them.
func Plain(v any) (any, error) {
	visits := 0
	out, err := plain(v, 0, &visits)
	if err != nil {
		// The message is the path to the problem, then the problem: keep
		// both ends of a long one.
		if msg := err.Error(); len(msg) > 300 {
			return nil, fmt.Errorf("%s ... %s", clip(msg, 100), msg[len(msg)-200:])
		}
		return nil, err
	}
	return out, nil
}

// maxConfigDepth and maxConfigNodes bound the nesting Plain follows and
// the values it visits: a crafted pickle can make objects that contain
// themselves, or a chain of dicts each holding the next one twice, which
// a plain walk would follow forever or 2^depth times. Real configs are a
// few levels deep and hold hundreds of values.
const (
	maxConfigDepth = 64
	maxConfigNodes = 1 << 17
)

func plain(v any, depth int, visits *int) (any, error) {
	if depth > maxConfigDepth {
		return nil, fmt.Errorf("config nested deeper than %d levels", maxConfigDepth)
	}
	if *visits++; *visits > maxConfigNodes {
		return nil, fmt.Errorf("config of more than %d values", maxConfigNodes)
	}
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return x, nil
	case *Dict:
		m := make(map[string]any, len(x.Keys))
		for i, k := range x.Keys {
			ks, ok := k.(string)
			if !ok {
				ks = Describe(k)
			}
			pv, err := plain(x.Values[i], depth+1, visits)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", label(ks), err)
			}
			m[ks] = pv
		}
		return m, nil
	case *List:
		return plainList(x.Items, depth, visits)
	case Tuple:
		return plainList(x, depth, visits)
	case *Object:
		switch x.Class.String() {
		case "omegaconf.dictconfig.DictConfig", "omegaconf.listconfig.ListConfig":
			content, ok := x.Attr("_content")
			if !ok {
				return nil, fmt.Errorf("%s without _content", x.Class.Name)
			}
			return plain(content, depth+1, visits)
		case "omegaconf.base.Metadata", "omegaconf.base.ContainerMetadata", "numpy.dtype":
			return nil, fmt.Errorf("unexpected %s in config content", x.Class.Name)
		}
		// A value node (AnyNode, StringNode, ...): its value is _val.
		val, ok := x.Attr("_val")
		if !ok {
			return nil, fmt.Errorf("%s without _val", x.Class.Name)
		}
		return plain(val, depth+1, visits)
	}
	return nil, fmt.Errorf("a %s has no place in a config", typeName(v))
}

func plainList(items []any, depth int, visits *int) ([]any, error) {
	out := make([]any, len(items))
	for i, it := range items {
		pv, err := plain(it, depth+1, visits)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %v", i, err)
		}
		out[i] = pv
	}
	return out, nil
}

// Config is a plain configuration tree with OmegaConf's absolute
// interpolations ("${a.b}") resolved on access.
type Config struct{ Root map[string]any }

// ErrMissing is returned (wrapped) for absent keys and OmegaConf's "???".
var ErrMissing = fmt.Errorf("missing")

// Get returns the value at a dotted path such as "sde.step_thr".
func (c Config) Get(path string) (any, error) { return c.get(path, 0) }

func (c Config) get(path string, hops int) (any, error) {
	name := label(path) // an interpolation's target comes from the file
	if hops > 16 {
		return nil, fmt.Errorf("config %s: interpolation loop", name)
	}
	var cur any = c.Root
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("config %s: %w (its parent is not a mapping)", name, ErrMissing)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("config %s: %w", name, ErrMissing)
		}
	}
	s, ok := cur.(string)
	switch {
	case !ok:
		return cur, nil
	case s == "???":
		return nil, fmt.Errorf("config %s: %w (the value is '???')", name, ErrMissing)
	case strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") && strings.Count(s, "${") == 1:
		ref := s[2 : len(s)-1]
		if ref == "" || len(ref) > 256 || strings.ContainsAny(ref, ":${} ") || strings.HasPrefix(ref, ".") {
			return nil, fmt.Errorf("config %s: interpolation %s needs a resolver or a relative key, which this reader does not evaluate", name, Describe(s))
		}
		v, err := c.get(ref, hops+1)
		if err != nil && hops > 0 {
			return nil, err // the message names the first and the last link of a chain
		} else if err != nil {
			return nil, fmt.Errorf("config %s = %s: %w", name, Describe(s), err)
		}
		return v, nil
	case strings.Contains(s, "${"):
		return nil, fmt.Errorf("config %s: string interpolation %s is not evaluated by this reader", name, Describe(s))
	}
	return s, nil
}

// Float returns a number at path (ints are accepted).
func (c Config) Float(path string) (float64, error) {
	v, err := c.Get(path)
	if err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	}
	return 0, fmt.Errorf("config %s is %s (%s), want a number", path, Describe(v), typeName(v))
}

// Int returns an integer at path.
func (c Config) Int(path string) (int64, error) {
	v, err := c.Get(path)
	if err != nil {
		return 0, err
	}
	if x, ok := v.(int64); ok {
		return x, nil
	}
	return 0, fmt.Errorf("config %s is %s (%s), want an integer", path, Describe(v), typeName(v))
}

// String returns a string at path.
func (c Config) String(path string) (string, error) {
	v, err := c.Get(path)
	if err != nil {
		return "", err
	}
	if x, ok := v.(string); ok {
		return x, nil
	}
	return "", fmt.Errorf("config %s is %s (%s), want a string", path, Describe(v), typeName(v))
}
