package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdlm-go/rdlm/core/text"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func decodeAll(t *testing.T, c *Corpus) string {
	t.Helper()
	var ids []int
	for _, s := range []Split{c.Train, c.Valid, c.Test} {
		for _, id := range s.Tokens() {
			ids = append(ids, int(id))
		}
	}
	s, err := c.Vocab.Decode(ids)
	require.NoError(t, err)
	return s
}

func TestOpenTextFileNormalisesToText8(t *testing.T) {
	raw := strings.Repeat("To be, or NOT to be: 2 B! ", 10)
	p := writeFile(t, "hamlet.txt", raw)
	c, err := Open(p)
	require.NoError(t, err)
	require.Equal(t, p, c.Name)
	require.Equal(t, "text8", c.Vocab.Name)
	require.Equal(t, text.NormalizeText8(raw), decodeAll(t, c))
	n := len(text.NormalizeText8(raw))
	require.Equal(t, n*90/100, c.Train.Len())
	require.Equal(t, n*95/100-n*90/100, c.Valid.Len())
}

func TestOpenTextFileWithCharVocab(t *testing.T) {
	raw := strings.Repeat("Ça va? «Oui», ça va.\n", 5)
	p := writeFile(t, "fr.txt", raw)
	c, err := Open(p, WithCharVocab())
	require.NoError(t, err)
	require.Equal(t, "char", c.Vocab.Name)
	// By code point: « U+00AB, » U+00BB, Ç U+00C7, ç U+00E7.
	require.Equal(t, "\n ,.?Oaiuv«»Çç", c.Vocab.Chars())
	require.Equal(t, raw, decodeAll(t, c), "the text is kept as it is, character by character")
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		name string
		opts []Option
		want string
	}{
		"empty name":       {"", nil, "no data set named"},
		"unknown name":     {"wikitext", nil, `data set "wikitext": not shakespeare or text8, and no such file`},
		"missing file":     {filepath.Join(dir, "nope.txt"), nil, "no such file"},
		"empty file":       {writeFile(t, "empty.txt", ""), nil, "holds no letters or digits"},
		"only punct":       {writeFile(t, "punct.txt", "?!... ,,"), nil, "holds no letters or digits"},
		"empty char file":  {writeFile(t, "e.txt", ""), []Option{WithCharVocab()}, "is empty"},
		"too short":        {writeFile(t, "short.txt", "abc def"), nil, "too few to split"},
		"bad utf8":         {writeFile(t, "bin.txt", "abc\xffdef"), []Option{WithCharVocab()}, "not valid UTF-8: bad byte 0xff at offset 3"},
		"one character":    {writeFile(t, "aaa.txt", strings.Repeat("a", 100)), []Option{WithCharVocab()}, "at least 2 characters"},
		"char shakespeare": {"shakespeare", []Option{WithCharVocab()}, "text8 vocabulary"},
		"char text8":       {"text8", []Option{WithCharVocab()}, "text8 vocabulary"},
	}
	for name, tc := range cases {
		_, err := Open(tc.name, tc.opts...)
		require.ErrorContains(t, err, tc.want, name)
	}
}

// A local file named text8 is verified as text8, not read as any text.
func TestOpenLocalText8File(t *testing.T) {
	b, sp := fakeText8(t, 5000)
	p := filepath.Join(t.TempDir(), "text8")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	c, err := Open(p, withText8Spec(sp))
	require.NoError(t, err)
	require.Equal(t, string(b), decodeAll(t, c))

	require.NoError(t, os.WriteFile(p, b[:4321], 0o644))
	_, err = Open(p, withText8Spec(sp))
	require.ErrorContains(t, err, p+": 4321 bytes, but text8 has 5000")
}

func TestCharVocabLimits(t *testing.T) {
	var many strings.Builder
	for r := rune(0x100); r < 0x100+MaxVocab+1; r++ {
		many.WriteRune(r)
	}
	_, err := CharVocab("big.txt", []byte(many.String()))
	require.ErrorContains(t, err, "big.txt has 257 distinct characters")
}

func TestEncodeNamesTheBadCharacter(t *testing.T) {
	_, err := encode("x.txt", text.Text8(), []byte("ab Cd"))
	require.ErrorContains(t, err, `x.txt: character 'C' at byte 3`)

	v, err := text.NewVocab("greek", "αβγ ")
	require.NoError(t, err)
	ids, err := encode("g.txt", v, []byte("γα β"))
	require.NoError(t, err)
	require.Equal(t, []uint8{2, 0, 3, 1}, ids)
	_, err = encode("g.txt", v, []byte("αδ"))
	require.ErrorContains(t, err, `g.txt: character 'δ' at byte 2`)
}
