package data

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/core/split"
	"github.com/stretchr/testify/require"
)

// The two forms of MNIST hold the same images: the split corpus's digit
// pairs, decoded by core/split, are the direct corpus's values, and each
// split cuts into whole images.
func TestMNISTCorpusDirectAndSplitAgree(t *testing.T) {
	direct, err := Open(MNIST14)
	require.NoError(t, err)
	digits, err := Open(MNIST14, WithPixelBase(pixels.BaseSplit))
	require.NoError(t, err)

	require.Equal(t, &pixels.Layout{Image: pixels.Image{Height: 14, Width: 14, Channels: 1}, Base: 256, Digits: 1}, direct.Image)
	require.Equal(t, &pixels.Layout{Image: pixels.Image{Height: 14, Width: 14, Channels: 1}, Base: 16, Digits: 2}, digits.Image)
	require.Equal(t, 256, direct.Vocab.Size())
	require.Equal(t, 16, digits.Vocab.Size())
	require.Equal(t, 55000*196, direct.Train.Len())
	require.Equal(t, 5000*196, direct.Valid.Len())
	require.Equal(t, 10000*196, direct.Test.Len())

	sp, err := split.New(256, 16)
	require.NoError(t, err)
	d := digits.Valid.Tokens()[:2*196]
	in := make([]int, len(d))
	for i, v := range d {
		in[i] = int(v)
	}
	ids := make([]int, 196)
	require.NoError(t, sp.Decode(ids, in))
	for i, v := range direct.Valid.Tokens()[:196] {
		require.Equal(t, int(v), ids[i], "value %d", i)
	}
	seqs, err := digits.Test.Sequences(digits.Image.Positions())
	require.NoError(t, err)
	require.Equal(t, 10000, seqs.Len())
}

func TestImageOptionsAreRefusedWhereTheyDoNotApply(t *testing.T) {
	_, err := Open(MNIST14, WithPixelBase(10))
	require.ErrorContains(t, err, "pixel base 10")
	_, err = Open(MNIST, WithCharVocab())
	require.ErrorContains(t, err, "is images")
	_, err = Open(MNIST, WithMNISTDir(t.TempDir()))
	require.ErrorContains(t, err, "missing")
}
