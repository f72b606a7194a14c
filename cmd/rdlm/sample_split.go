package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/wordpiece"
	"github.com/rdlm-go/rdlm/internal/userfile"
)

// wordPieceFor is the WordPiece vocabulary that convert stored beside a
// split text model's weights (the reference's LM1B models), through which
// its token ids print as text; nil when the model has none (its samples
// then print as ids) or is not a split text model.
func wordPieceFor(dir string, c *ckpt.Checkpoint) (*wordpiece.Vocab, error) {
	pc := c.Config.Process
	if pc.Split == nil || pc.Image != nil {
		return nil, nil
	}
	v, err := readWordPiece(dir)
	if err == nil && v != nil && v.Size() != pc.Split.Vocab {
		return nil, fmt.Errorf("%s has %d tokens but the model's ids span %d", filepath.Join(dir, VocabFile), v.Size(), pc.Split.Vocab)
	}
	return v, err
}

// readWordPiece reads dir's VocabFile through the size limit of a user's
// file; a missing one is no vocabulary.
func readWordPiece(dir string) (*wordpiece.Vocab, error) {
	path := filepath.Join(dir, VocabFile)
	b, err := userfile.Read(path, userfile.Vocab)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v, err := wordpiece.Load(strings.NewReader(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return v, nil
}
