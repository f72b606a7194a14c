package wordpiece

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A small vocabulary in BERT's layout: specials first, then pieces.
const smallVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nplay\n##ing\n##ed\n.\n,\nisn\n'\nt\ndo\nn't\n"

func load(t *testing.T) *Vocab {
	v, err := Load(strings.NewReader(smallVocab))
	require.NoError(t, err)
	return v
}

func TestDecodeJoinsPiecesAndPunctuation(t *testing.T) {
	v := load(t)
	require.Equal(t, 17, v.Size())
	id := func(tok string) int {
		i, ok := v.ID(tok)
		require.True(t, ok, tok)
		return i
	}
	ids := []int{id("[CLS]"), id("the"), id("cat"), id("play"), id("##ing"), id(","), id("play"), id("##ed"), id("."), id("[SEP]"), id("[PAD]")}
	got, err := v.Decode(ids, true)
	require.NoError(t, err)
	require.Equal(t, "the cat playing, played.", got)

	got, err = v.Decode(ids, false)
	require.NoError(t, err)
	require.Equal(t, "[CLS] the cat playing, played. [SEP] [PAD]", got)

	got, err = v.Decode([]int{id("do"), id("n't"), id("[UNK]")}, true)
	require.NoError(t, err)
	require.Equal(t, "don't [UNK]", got, "contractions rejoin, [UNK] stays visible")

	// A continuation piece at the very start has nothing to join: it is kept.
	got, err = v.Decode([]int{id("##ing"), id("the")}, true)
	require.NoError(t, err)
	require.Equal(t, "##ing the", got)
}

func TestDecodeRejectsIDsOutside(t *testing.T) {
	v := load(t)
	_, err := v.Decode([]int{5, 17}, true)
	require.ErrorContains(t, err, "id 17 outside the vocabulary [0, 17)")
	_, err = v.Decode([]int{-1}, true)
	require.ErrorContains(t, err, "id -1")
}

func TestLoadRejectsBadVocabularies(t *testing.T) {
	_, err := Load(strings.NewReader("a\nb\na\n[UNK]\n"))
	require.ErrorContains(t, err, `token "a" on line 3 repeats line 1`)
	_, err = Load(strings.NewReader("a\nb\n"))
	require.ErrorContains(t, err, "no [UNK]")
	_, err = Load(strings.NewReader("[UNK]\n" + strings.Repeat("x", 2000) + "\n"))
	require.ErrorContains(t, err, "line 2")
	_, err = Load(strings.NewReader("[UNK]\n\xff\n"))
	require.ErrorContains(t, err, "line 2 is not valid UTF-8")
}
