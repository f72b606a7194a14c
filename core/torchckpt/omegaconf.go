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
func Plain(v any) (any, error) { return plain(v, 0) }

// maxConfigDepth bounds the nesting Plain follows (a guard against crafted
// self-referencing objects; real configs are a few levels deep).
const maxConfigDepth = 64

func plain(v any, depth int) (any, error) {
	if depth > maxConfigDepth {
		return nil, fmt.Errorf("config nested deeper than %d levels", maxConfigDepth)
	}
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return x, nil
	case *Dict:
		m := make(map[string]any, len(x.Keys))
		for i, k := range x.Keys {
			ks, ok := k.(string)
			if !ok {
				ks = fmt.Sprint(k)
			}
			pv, err := plain(x.Values[i], depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", ks, err)
			}
			m[ks] = pv
		}
		return m, nil
	case *List:
		return plainList(x.Items, depth)
	case Tuple:
		return plainList(x, depth)
	case *Object:
		switch x.Class.String() {
		case "omegaconf.dictconfig.DictConfig", "omegaconf.listconfig.ListConfig":
			content, ok := x.Attr("_content")
			if !ok {
				return nil, fmt.Errorf("%s without _content", x.Class.Name)
			}
			return plain(content, depth+1)
		case "omegaconf.base.Metadata", "omegaconf.base.ContainerMetadata":
			return nil, fmt.Errorf("unexpected %s in config content", x.Class.Name)
		}
		// A value node (AnyNode, StringNode, ...): its value is _val.
		val, ok := x.Attr("_val")
		if !ok {
			return nil, fmt.Errorf("%s without _val", x.Class.Name)
		}
		return plain(val, depth+1)
	}
	return nil, fmt.Errorf("a %T has no place in a config", v)
}

func plainList(items []any, depth int) ([]any, error) {
	out := make([]any, len(items))
	for i, it := range items {
		pv, err := plain(it, depth+1)
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
	if hops > 16 {
		return nil, fmt.Errorf("config %s: interpolation loop", path)
	}
	var cur any = c.Root
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("config %s: %w (its parent is not a mapping)", path, ErrMissing)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("config %s: %w", path, ErrMissing)
		}
	}
	s, ok := cur.(string)
	switch {
	case !ok:
		return cur, nil
	case s == "???":
		return nil, fmt.Errorf("config %s: %w (the value is '???')", path, ErrMissing)
	case strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") && strings.Count(s, "${") == 1:
		ref := s[2 : len(s)-1]
		if ref == "" || strings.ContainsAny(ref, ":${} ") || strings.HasPrefix(ref, ".") {
			return nil, fmt.Errorf("config %s: interpolation %q needs a resolver or a relative key, which this reader does not evaluate", path, s)
		}
		v, err := c.get(ref, hops+1)
		if err != nil {
			return nil, fmt.Errorf("config %s = %s: %w", path, s, err)
		}
		return v, nil
	case strings.Contains(s, "${"):
		return nil, fmt.Errorf("config %s: string interpolation %q is not evaluated by this reader", path, s)
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
	return 0, fmt.Errorf("config %s is %v (%T), want a number", path, v, v)
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
	return 0, fmt.Errorf("config %s is %v (%T), want an integer", path, v, v)
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
	return "", fmt.Errorf("config %s is %v (%T), want a string", path, v, v)
}
