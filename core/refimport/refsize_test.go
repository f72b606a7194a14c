package refimport

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/torchckpt"
)

// refState describes (shapes only, no data) the state dict of a
// reference-sized DiT, in the reference's order with its rotary buffer.
func refState(mc model.Config) []namedTensor {
	var out []namedTensor
	for i, s := range mc.Specs() {
		out = append(out, namedTensor{s.Name, &torchckpt.Tensor{Shape: s.Shape}})
		if i == 5 { // after sigma_map, as nn.Module registration puts it
			out = append(out, namedTensor{rotaryBuffer, &torchckpt.Tensor{Shape: []int{mc.HeadDim() / 2}}})
		}
	}
	return out
}

func refConfig(tokens, original, length, blocks int64, data string) torchckpt.Config {
	return torchckpt.Config{Root: map[string]any{
		"tokens": tokens, "original_tokens": original,
		"model": map[string]any{"_target_": "model.dit.DiT", "hidden_size": int64(768), "n_heads": int64(12),
			"cond_dim": int64(128), "n_blocks": blocks, "length": length, "input_dim": "${tokens}", "output_dim": "${tokens}"},
		"data": map[string]any{"train": data},
	}}
}

// The published models' sizes: text8 is the 92,422,939-parameter preset
// (what `rdlm sample --model` then runs), LM1B has 14 blocks on 1280 digit
// positions. Shapes and config only; no 370 MB of weights in a test.
func TestReferenceSizedArchitectures(t *testing.T) {
	text8, err := model.Preset("text8")
	require.NoError(t, err)
	mc, sp, err := architecture(refState(text8), refConfig(27, 27, 256, 12, "text8"))
	require.NoError(t, err)
	require.Nil(t, sp)
	require.Equal(t, text8, mc)
	require.Equal(t, 92422939, mc.NumParams())

	lm1b := model.Config{Vocab: 3, Length: 1280, Hidden: 768, Heads: 12, Blocks: 14, Cond: 128}
	mc, sp, err = architecture(refState(lm1b), refConfig(3, 30522, 128, 14, "lm1b"))
	require.NoError(t, err)
	require.Equal(t, lm1b, mc)
	require.Equal(t, &ckpt.Split{Vocab: 30522, Base: 3, Digits: 10}, sp)

	// A state dict with a foreign entry or a wrong shape is refused.
	st := refState(text8)
	st = append(st, namedTensor{"extra.weight", &torchckpt.Tensor{Shape: []int{1}}})
	_, _, err = architecture(st, refConfig(27, 27, 256, 12, "text8"))
	require.ErrorContains(t, err, "model state has extra.weight")
	st = refState(text8)
	st[len(st)-1].t = &torchckpt.Tensor{Shape: []int{1535}}
	_, _, err = architecture(st, refConfig(27, 27, 256, 12, "text8"))
	require.ErrorContains(t, err, "output_layer.adaLN_modulation.bias has shape [1535], want [1536]")
	_, _, err = architecture(refState(text8), refConfig(27, 27, 256, 11, "text8"))
	require.ErrorContains(t, err, "config model.n_blocks is 11 but the weights have 12")
}
