package ckpt

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/stretchr/testify/require"
)

// An image model's layout is its image shape with its split's digits; a text
// model has none.
func TestImageLayout(t *testing.T) {
	_, err := Process{Vocab: "text8"}.ImageLayout()
	require.ErrorContains(t, err, "not an image model")
	im := pixels.Image{Height: 14, Width: 14, Channels: 1}
	l, err := Process{Image: &im, Split: &Split{Vocab: 256, Base: 16, Digits: 2}}.ImageLayout()
	require.NoError(t, err)
	require.Equal(t, 392, l.Positions())
	l, err = Process{Image: &im}.ImageLayout()
	require.NoError(t, err)
	require.Equal(t, pixels.Layout{Image: im, Base: 256, Digits: 1}, l)
	_, err = Process{Image: &im, Split: &Split{Vocab: 256, Base: 4, Digits: 4}}.ImageLayout()
	require.ErrorContains(t, err, "base 4")
}
