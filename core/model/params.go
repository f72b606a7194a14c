package model

import (
	"fmt"
	"math"
	"strings"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/rng"
)

// ParamSpec names one parameter tensor: the reference state-dict name and its
// PyTorch shape (a linear layer's weight is [out, in]).
type ParamSpec struct {
	Name  string
	Shape []int
}

// Numel is the number of elements of the tensor.
func (s ParamSpec) Numel() int {
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	return n
}

// Specs lists every parameter in the reference implementation's order, which
// is also the order of the tensors inside Params.Flat.
func (c Config) Specs() []ParamSpec {
	D, K, C := c.Hidden, c.Vocab, c.Cond
	s := []ParamSpec{
		{"vocab_embed.embedding.weight", []int{D, K}},
		{"vocab_embed.embedding.bias", []int{D}},
		{"sigma_map.mlp.0.weight", []int{C, TimeFeatures}},
		{"sigma_map.mlp.0.bias", []int{C}},
		{"sigma_map.mlp.2.weight", []int{C, C}},
		{"sigma_map.mlp.2.bias", []int{C}},
	}
	for i := 0; i < c.Blocks; i++ {
		p := fmt.Sprintf("blocks.%d.", i)
		s = append(s,
			ParamSpec{p + "norm1.weight", []int{D}},
			ParamSpec{p + "attn_qkv.weight", []int{3 * D, D}},
			ParamSpec{p + "attn_out.weight", []int{D, D}},
			ParamSpec{p + "norm2.weight", []int{D}},
			ParamSpec{p + "mlp.0.weight", []int{MLPRatio * D, D}},
			ParamSpec{p + "mlp.0.bias", []int{MLPRatio * D}},
			ParamSpec{p + "mlp.2.weight", []int{D, MLPRatio * D}},
			ParamSpec{p + "mlp.2.bias", []int{D}},
			ParamSpec{p + "adaLN_modulation.weight", []int{6 * D, C}},
			ParamSpec{p + "adaLN_modulation.bias", []int{6 * D}},
		)
	}
	s = append(s,
		ParamSpec{"output_layer.norm_final.weight", []int{D}},
		ParamSpec{"output_layer.linear.weight", []int{K, D}},
		ParamSpec{"output_layer.linear.bias", []int{K}},
		ParamSpec{"output_layer.adaLN_modulation.weight", []int{2 * D, C}},
		ParamSpec{"output_layer.adaLN_modulation.bias", []int{2 * D}},
	)
	return s
}

// NumParams is the total number of parameters.
func (c Config) NumParams() int {
	n := 0
	for _, s := range c.Specs() {
		n += s.Numel()
	}
	return n
}

// BlockParams are the views of one transformer block's tensors.
type BlockParams[T cpu.Float] struct {
	Norm1 []T // (D) layer norm weight before attention
	QKV   []T // (3D, D) fused q, k, v projection, no bias
	Out   []T // (D, D) attention output projection, no bias
	Norm2 []T // (D) layer norm weight before the MLP
	MLP0W []T // (4D, D)
	MLP0B []T // (4D)
	MLP2W []T // (D, 4D)
	MLP2B []T // (D)
	AdaW  []T // (6D, C) modulation: shift1, scale1, gate1, shift2, scale2, gate2
	AdaB  []T // (6D)
}

// Params holds every parameter of a denoiser in one flat block, in Specs
// order; the named fields are views into Flat. The same type holds gradients
// and optimiser moments.
type Params[T cpu.Float] struct {
	Cfg  Config
	Flat []T // all parameters, Specs order

	EmbedW, EmbedB []T // (D, K), (D): input embedding (a linear layer)
	Time0W, Time0B []T // (C, 256), (C): first layer of the time MLP
	Time1W, Time1B []T // (C, C), (C): second layer of the time MLP
	Blocks         []BlockParams[T]
	FinalNorm      []T // (D)
	OutW, OutB     []T // (K, D), (K): logits projection
	FinalAdaW      []T // (2D, C): final modulation (shift, scale)
	FinalAdaB      []T // (2D)

	offsets map[string][2]int // name -> [lo, hi) in Flat
}

// NewParams allocates zeroed parameters for a configuration. It panics on an
// invalid configuration: call Config.Validate first on untrusted input.
func NewParams[T cpu.Float](c Config) *Params[T] {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	specs := c.Specs()
	p := &Params[T]{Cfg: c, Flat: make([]T, c.NumParams()), offsets: make(map[string][2]int, len(specs))}
	off := 0
	for _, s := range specs {
		p.offsets[s.Name] = [2]int{off, off + s.Numel()}
		off += s.Numel()
	}
	p.EmbedW, p.EmbedB = p.View("vocab_embed.embedding.weight"), p.View("vocab_embed.embedding.bias")
	p.Time0W, p.Time0B = p.View("sigma_map.mlp.0.weight"), p.View("sigma_map.mlp.0.bias")
	p.Time1W, p.Time1B = p.View("sigma_map.mlp.2.weight"), p.View("sigma_map.mlp.2.bias")
	p.Blocks = make([]BlockParams[T], c.Blocks)
	for i := range p.Blocks {
		v := func(n string) []T { return p.View(fmt.Sprintf("blocks.%d.%s", i, n)) }
		p.Blocks[i] = BlockParams[T]{
			Norm1: v("norm1.weight"), QKV: v("attn_qkv.weight"), Out: v("attn_out.weight"),
			Norm2: v("norm2.weight"), MLP0W: v("mlp.0.weight"), MLP0B: v("mlp.0.bias"),
			MLP2W: v("mlp.2.weight"), MLP2B: v("mlp.2.bias"),
			AdaW: v("adaLN_modulation.weight"), AdaB: v("adaLN_modulation.bias"),
		}
	}
	p.FinalNorm = p.View("output_layer.norm_final.weight")
	p.OutW, p.OutB = p.View("output_layer.linear.weight"), p.View("output_layer.linear.bias")
	p.FinalAdaW, p.FinalAdaB = p.View("output_layer.adaLN_modulation.weight"), p.View("output_layer.adaLN_modulation.bias")
	return p
}

// View returns the named tensor as a slice of Flat (shared memory), or nil if
// the name is not a parameter of this configuration.
func (p *Params[T]) View(name string) []T {
	o, ok := p.offsets[name]
	if !ok {
		return nil
	}
	return p.Flat[o[0]:o[1]:o[1]]
}

// Zero sets every parameter (or gradient) to 0.
func (p *Params[T]) Zero() { clear(p.Flat) }

// Init fills the parameters like the reference's initialisation: every linear
// layer uniform in +-1/sqrt(fan_in) (PyTorch's default), layer norm weights 1,
// and, when zeroInit is true, the adaLN modulation layers and the output
// projection zero, so that every block starts as the identity and the logits
// start at 0. With zeroInit false those layers get small random values and the
// norm weights are perturbed around 1, so that tests exercise every path.
//
// Tensor i of Specs draws from rng stream i of seed: the values do not depend
// on the element type or on the number of threads.
func (p *Params[T]) Init(seed uint64, zeroInit bool) {
	for i, s := range p.Cfg.Specs() {
		v := p.View(s.Name)
		st := rng.NewStream(seed, uint64(i))
		uniform := func(bound float64) {
			for j := range v {
				v[j] = T(bound * (2*st.Float64() - 1))
			}
		}
		fanIn := s.Shape[len(s.Shape)-1]
		if len(s.Shape) == 1 { // a bias: PyTorch bounds it by the fan-in of its weight
			fanIn = p.biasFanIn(s.Name)
		}
		bound := 1 / math.Sqrt(float64(fanIn))
		switch {
		case strings.HasSuffix(s.Name, "norm1.weight"), strings.HasSuffix(s.Name, "norm2.weight"), strings.HasSuffix(s.Name, "norm_final.weight"):
			for j := range v {
				v[j] = 1
			}
			if !zeroInit {
				for j := range v {
					v[j] += T(0.2 * (2*st.Float64() - 1))
				}
			}
		case strings.HasPrefix(s.Name, "output_layer.linear.") || strings.Contains(s.Name, "adaLN_modulation."):
			if zeroInit {
				clear(v)
			} else {
				uniform(0.5 * bound)
			}
		default:
			uniform(bound)
		}
	}
}

// biasFanIn is the input width of the linear layer that owns a bias.
func (p *Params[T]) biasFanIn(name string) int {
	c := p.Cfg
	switch {
	case name == "vocab_embed.embedding.bias":
		return c.Vocab
	case name == "sigma_map.mlp.0.bias":
		return TimeFeatures
	case name == "sigma_map.mlp.2.bias":
		return c.Cond
	case strings.HasSuffix(name, "mlp.0.bias"):
		return c.Hidden
	case strings.HasSuffix(name, "mlp.2.bias"):
		return MLPRatio * c.Hidden
	case strings.HasSuffix(name, "adaLN_modulation.bias"):
		return c.Cond
	case name == "output_layer.linear.bias":
		return c.Hidden
	}
	return 1 // a norm weight: not drawn from a fan-in bound
}
