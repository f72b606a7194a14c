package data

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/rdlm-go/rdlm/core/text"
)

//go:generate go run mkcorpus.go

// The corpus is stored already normalised rather than normalised at load: the
// training data then stays fixed even if NormalizeText8 changes (a test
// catches the two drifting apart), and gzip shrinks it from 1,059,743 to
// about 375 KB (the original text gzipped is 434 KB).
//
//go:embed corpus/shakespeare.txt.gz
var shakespeareGz []byte

// The normalised corpus: its length and SHA-256, checked on every load so that
// a damaged embedded file is an error, not different training data.
const (
	shakespeareLen    = 1059743
	shakespeareSHA256 = "53fd56c9ce20e35ef5fff4620af9630aee69b989a7fe9bf8790c8e43a93ba96c"
)

// ShakespeareText returns the built-in corpus: Tiny Shakespeare normalised to
// the text8 alphabet, verified against its checksum.
func ShakespeareText() ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(shakespeareGz))
	if err != nil {
		return nil, fmt.Errorf("built-in shakespeare corpus: %w", err)
	}
	// One byte more than expected, so that an over-long stream is noticed.
	buf := make([]byte, shakespeareLen+1)
	n, err := io.ReadFull(zr, buf)
	if err != io.ErrUnexpectedEOF && err != nil {
		return nil, fmt.Errorf("built-in shakespeare corpus: %w", err)
	}
	if n != shakespeareLen {
		return nil, fmt.Errorf("built-in shakespeare corpus: %d characters, expected %d", n, shakespeareLen)
	}
	buf = buf[:n]
	if sum := sha256.Sum256(buf); hex.EncodeToString(sum[:]) != shakespeareSHA256 {
		return nil, fmt.Errorf("built-in shakespeare corpus: sha256 %x, expected %s", sum, shakespeareSHA256)
	}
	return buf, nil
}

// Shakespeare returns the built-in corpus split 90/5/5, in the text8 vocabulary.
func Shakespeare() (*Corpus, error) {
	buf, err := ShakespeareText()
	if err != nil {
		return nil, err
	}
	v := text.Text8()
	ids, err := encode("built-in shakespeare corpus", v, buf)
	if err != nil {
		return nil, err
	}
	return newCorpus("shakespeare", v, ids)
}
