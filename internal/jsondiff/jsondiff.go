// Package jsondiff names the fields where two values differ, as their JSON
// spells them: what a message needs when a config on disk disagrees with
// the one a file was written with, or a resumed run's settings with the
// saved ones ("model.length 4096 (saved 128)").
package jsondiff

import (
	"encoding/json"
	"reflect"
	"sort"
)

// Diff is one differing field: its dotted JSON path and both values as
// JSON ("absent" for a field one side omits).
type Diff struct {
	Path string
	A, B string
}

// Fields lists the fields of a and b (values that marshal to JSON objects)
// that differ, sorted by path, nested objects by dotted path.
func Fields(a, b any) []Diff {
	var ma, mb map[string]any
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	_ = json.Unmarshal(ja, &ma)
	_ = json.Unmarshal(jb, &mb)
	var out []Diff
	walk("", ma, mb, &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func walk(prefix string, x, y map[string]any, out *[]Diff) {
	keys := map[string]bool{}
	for k := range x {
		keys[k] = true
	}
	for k := range y {
		keys[k] = true
	}
	for k := range keys {
		xs, xok := x[k].(map[string]any)
		ys, yok := y[k].(map[string]any)
		if xok && yok {
			walk(prefix+k+".", xs, ys, out)
			continue
		}
		if !reflect.DeepEqual(x[k], y[k]) {
			*out = append(*out, Diff{Path: prefix + k, A: value(x[k]), B: value(y[k])})
		}
	}
}

func value(v any) string {
	if v == nil {
		return "absent"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
