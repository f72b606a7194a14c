// Package shaders holds the WGSL compute kernels of the WebGPU engine, one
// file per op, each with a small uniform params struct, and assembles the
// variant a device needs from the one source.
//
// A kernel reads weights through the type alias `wt` and may use constants
// the engine fixes at pipeline creation (for example HD, the head size).
// Source prepends the prelude that defines them: `alias wt = f32;` for f32
// weights, or `enable f16;` and `alias wt = f16;` for f16 weights on
// adapters with shader-f16. Arithmetic stays in f32 either way: weights are
// widened as they are loaded, so the f16 variant only halves the weight
// bytes read.
package shaders

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed *.wgsl
var files embed.FS

// Snippets shared by several kernels (WGSL has no includes): a kernel line
// `//!use NAME` puts lib/NAME.wgsl into its source, ahead of the kernel.
//
//go:embed lib/*.wgsl
var lib embed.FS

// Names lists the kernels, one per .wgsl file.
func Names() []string {
	ents, _ := files.ReadDir(".")
	var n []string
	for _, e := range ents {
		n = append(n, strings.TrimSuffix(e.Name(), ".wgsl"))
	}
	return n
}

// Source returns kernel name's WGSL with its prelude: the weight type (f16
// when f16 is true), one `const NAME: u32 = VALUE;` per entry of consts, and
// the shared snippets the kernel asks for with `//!use NAME`.
func Source(name string, f16 bool, consts map[string]uint32) (string, error) {
	body, err := files.ReadFile(name + ".wgsl")
	if err != nil {
		return "", fmt.Errorf("shaders: no kernel %q", name)
	}
	var b strings.Builder
	if f16 {
		b.WriteString("enable f16;\nalias wt = f16;\n")
	} else {
		b.WriteString("alias wt = f32;\n")
	}
	keys := make([]string, 0, len(consts))
	for k := range consts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "const %s: u32 = %du;\n", k, consts[k])
	}
	for _, line := range strings.Split(string(body), "\n") {
		if use, ok := strings.CutPrefix(strings.TrimSpace(line), "//!use "); ok {
			snippet, err := lib.ReadFile("lib/" + strings.TrimSpace(use) + ".wgsl")
			if err != nil {
				return "", fmt.Errorf("shaders: kernel %q uses unknown snippet %q", name, use)
			}
			b.Write(snippet)
		}
	}
	b.Write(body)
	return b.String(), nil
}
