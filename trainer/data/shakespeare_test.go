package data

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/rdlm-go/rdlm/core/text"
	"github.com/rdlm-go/rdlm/internal/refdata"
	"github.com/stretchr/testify/require"
)

// The stored corpus must be exactly the text8 normalisation of the original
// Tiny Shakespeare, and must split at the stated sizes.
func TestShakespeareIsNormalisedOriginal(t *testing.T) {
	orig, err := refdata.TinyShakespeare()
	require.NoError(t, err)
	sum := sha256.Sum256(orig)
	require.Equal(t, "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", hex.EncodeToString(sum[:]))
	require.Equal(t, 1115394, len(orig))
	want := text.NormalizeText8(string(orig))

	stored, err := ShakespeareText()
	require.NoError(t, err)
	require.Equal(t, want, string(stored), "corpus/shakespeare.txt.gz is stale: run go generate ./trainer/data")

	c, err := Shakespeare()
	require.NoError(t, err)
	require.Equal(t, "text8", c.Vocab.Name)
	// 90/5/5 of 1,059,743 characters, rounded down at each boundary.
	require.Equal(t, 1059743, len(want))
	require.Equal(t, 953768, c.Train.Len())
	require.Equal(t, 52987, c.Valid.Len())
	require.Equal(t, 52988, c.Test.Len())

	var all []int
	for _, s := range []Split{c.Train, c.Valid, c.Test} {
		for _, id := range s.Tokens() {
			all = append(all, int(id))
		}
	}
	got, err := c.Vocab.Decode(all)
	require.NoError(t, err)
	require.Equal(t, want, got, "the splits together must be the corpus, in order")
}

// Opening the built-in corpus needs no network.
func TestOpenShakespeareBuiltIn(t *testing.T) {
	c, err := Open("shakespeare", WithHTTPClient(nil), WithURL("http://127.0.0.1:1/unreachable"))
	require.NoError(t, err)
	require.Equal(t, "shakespeare", c.Name)
	s, err := c.Vocab.Decode(firstInts(c.Train.Tokens(), 20))
	require.NoError(t, err)
	require.Equal(t, "first citizen before", s)
}

func firstInts(ids []uint8, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = int(ids[i])
	}
	return out
}
