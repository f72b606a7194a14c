package main

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/stretchr/testify/require"
)

// imageProcess is a 3x2 image model's process: grey or RGB, direct (base
// 256) or split into two base-16 digits.
func imageProcess(channels int, split bool) ckpt.Process {
	p := ckpt.DefaultProcess()
	p.Vocab = "tiny-images"
	p.Image = &pixels.Image{Height: 3, Width: 2, Channels: channels}
	if split {
		p.Split = &ckpt.Split{Vocab: 256, Base: 16, Digits: 2}
	}
	return p
}

func imageModelConfig(channels int, split bool) model.Config {
	mc := model.Config{Vocab: 256, Length: 6 * channels, Hidden: 16, Heads: 2, Blocks: 1, Cond: 8}
	if split {
		mc.Vocab, mc.Length = 16, 2*mc.Length
	}
	return mc
}

func TestImageModelsGivePixelsPerStepAndAtTheEnd(t *testing.T) {
	for _, c := range []struct {
		name     string
		channels int
		split    bool
	}{{"direct grey", 1, false}, {"split grey", 1, true}, {"split RGB", 3, true}} {
		t.Run(c.name, func(t *testing.T) {
			cfg, w := checkpointBytes(t, imageModelConfig(c.channels, c.split), imageProcess(c.channels, c.split))
			m, err := LoadModel(cfg, w)
			require.NoError(t, err)
			require.True(t, m.IsImage())
			base, digits := 256, 1
			if c.split {
				base, digits = 16, 2
			}
			require.Equal(t, &ImageInfo{Height: 3, Width: 2, Channels: c.channels, Base: base, Digits: digits}, m.Info().Image)
			size := 6 * c.channels
			steps := 0
			var last []uint8
			h := Hooks{Step: func(ev *StepEvent) {
				steps++
				require.Len(t, ev.Pixels, ev.N*size)
				// A split value is its two digits joined, least significant first.
				for i, v := range ev.Pixels {
					s, k := i/size, i%size
					want := ev.Top[s*ev.L+k*digits]
					if digits == 2 {
						want += 16 * ev.Top[s*ev.L+2*k+1]
					}
					require.Equal(t, uint8(want), v)
				}
				last = append(last[:0], ev.Pixels...)
			}}
			// 10 samples: two batches (batchCap 8), so the pixels gather across them.
			res, err := NewEngine(nil).Generate(1, m, Request{Steps: 4, Samples: 10, Seed: 5}, h)
			require.NoError(t, err)
			require.Equal(t, 8, steps)
			require.Equal(t, 10, res.Images)
			require.Len(t, res.Pixels, 10*size)
			require.Empty(t, res.Texts)
			require.Len(t, last, 2*size)
			again, err := NewEngine(nil).Generate(1, m, Request{Steps: 4, Samples: 10, Seed: 5}, Hooks{})
			require.NoError(t, err)
			require.Equal(t, res.Pixels, again.Pixels)
		})
	}
}

func TestImageRequestsAreChecked(t *testing.T) {
	cfg, w := checkpointBytes(t, imageModelConfig(1, true), imageProcess(1, true))
	m, err := LoadModel(cfg, w)
	require.NoError(t, err)
	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{Prompt: "a"}, "prompts and templates are for text models"},
		{Request{Template: "a_"}, "prompts and templates are for text models"},
		{Request{Length: 5}, "whole images of 12 positions"},
	} {
		_, err := NewEngine(nil).Generate(1, m, c.req, Hooks{})
		require.ErrorContains(t, err, c.want, "%+v", c.req)
	}
	res, err := NewEngine(nil).Generate(1, m, Request{Steps: 1, Length: 12}, Hooks{})
	require.NoError(t, err)
	require.Equal(t, 1, res.Images)
}

func TestNonTextNonImageVocabulariesAreRefused(t *testing.T) {
	p := ckpt.DefaultProcess()
	p.Vocab = "bytes"
	cfg, _ := checkpointBytes(t, model.Config{Vocab: 256, Length: 4, Hidden: 16, Heads: 2, Blocks: 1, Cond: 8}, p)
	_, err := CheckConfig(cfg)
	require.ErrorContains(t, err, `vocabulary "bytes" is neither a text vocabulary`)
}
