package shaders

import (
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/sphere"
)

//go:embed *.wgsl
var files embed.FS

// Snippets shared by several kernels (WGSL has no includes): a kernel line
// `//!use NAME` puts lib/NAME.wgsl into its source, ahead of the kernel.
//
//go:embed lib/*.wgsl
var lib embed.FS

// shared are the constants the kernels share with the CPU code, declared in
// every kernel's prelude from their Go owners, in this order.
var shared = []struct {
	name  string
	value any // float64: an f32 constant; uint32: a u32 one
}{
	{"LN_EPS", nn.LayerNormEps},                 // layernorm.wgsl: rstd = 1/sqrt(var + LN_EPS)
	{"GELU_SCALE", nn.GeluScale},                // gelu.wgsl: u = GELU_SCALE (x + GELU_CUBIC x^3)
	{"GELU_CUBIC", nn.GeluCubic},                //
	{"LOG_CLIP", sphere.LogClip},                // sphere.wgsl: cosines clipped to [-1+LOG_CLIP, 1-LOG_CLIP]
	{"EXP_SERIES_BELOW", sphere.ExpSeriesBelow}, // lib/sincos.wgsl: cos_sinc, the exp map's series below this norm
	{"PHILOX_MUL_A", uint32(rng.PhiloxMulA)},    // sphere.wgsl: the walk's noise, core/rng's Philox4x32-10
	{"PHILOX_MUL_B", uint32(rng.PhiloxMulB)},
	{"PHILOX_WEYL_A", uint32(rng.PhiloxWeylA)},
	{"PHILOX_WEYL_B", uint32(rng.PhiloxWeylB)},
	{"PHILOX_ROUNDS", uint32(rng.PhiloxRounds)},
}

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
// when f16 is true), one `const NAME: u32 = VALUE;` per entry of consts, the
// constants shared with the CPU code, and the shared snippets the kernel asks
// for with `//!use NAME`.
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
	for _, c := range shared {
		if _, ok := consts[c.name]; ok {
			return "", fmt.Errorf("shaders: kernel %q: constant %s is shared with the CPU code and cannot be set per pipeline", name, c.name)
		}
		switch v := c.value.(type) {
		case float64:
			fmt.Fprintf(&b, "const %s: f32 = %s;\n", c.name, wgslFloat(v))
		case uint32:
			fmt.Fprintf(&b, "const %s: u32 = %du;\n", c.name, v)
		}
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

// wgslFloat writes v as a WGSL float literal: the shortest decimal that reads
// back as v, with a decimal point or an exponent so that it is not an integer.
func wgslFloat(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") { // n: NaN and Inf, which no constant here is
		s += ".0"
	}
	return s
}
