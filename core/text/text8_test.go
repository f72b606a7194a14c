package text

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestText8VocabMatchesReference(t *testing.T) {
	v := Text8()
	require.Equal(t, 27, v.Size())
	ids, err := v.Encode("az ")
	require.NoError(t, err)
	require.Equal(t, []int{0, 25, 26}, ids)
	s, err := v.Decode([]int{7, 8, 26, 0})
	require.NoError(t, err)
	require.Equal(t, "hi a", s)
}

func TestVocabErrors(t *testing.T) {
	v := Text8()
	_, err := v.Encode("abC")
	require.ErrorContains(t, err, `'C'`)
	_, err = v.Decode([]int{3, 27})
	require.ErrorContains(t, err, "27")
	_, err = NewVocab("x", "aa")
	require.ErrorContains(t, err, "twice")
	_, err = NewVocab("x", "a")
	require.Error(t, err)
}

func TestNormalizeText8(t *testing.T) {
	cases := map[string]string{
		"Hello, World!":           "hello world ",
		"In 1998 we":              "in one nine nine eight we",
		"  leading and trailing ": " leading and trailing ",
		"a1b":                     "a one b",
		"Café au lait":            "caf au lait",
		"line\nbreak\ttab":        "line break tab",
		"":                        "",
		"...":                     " ",
	}
	for in, want := range cases {
		require.Equal(t, want, NormalizeText8(in), "input %q", in)
	}
}

// Whatever goes in, what comes out is in the alphabet with no double spaces,
// and normalising twice changes nothing.
func FuzzNormalizeText8(f *testing.F) {
	for _, s := range []string{"Hello, World!", "2024-11-27", "ÀÉÎ õü", "a  b", "\x00\xff"} {
		f.Add(s)
	}
	v := Text8()
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeText8(s)
		_, err := v.Encode(n)
		require.NoError(t, err)
		require.NotContains(t, n, "  ")
		require.Equal(t, n, NormalizeText8(n))
		require.Equal(t, strings.ToLower(n), n)
	})
}
