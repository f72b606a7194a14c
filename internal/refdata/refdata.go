// Package refdata holds the reference data the tests compare against: tensors
// made by the reference implementation and the original Tiny Shakespeare.
// The files live in testdata/ (see its README for what each is and how it was
// made) and are embedded, so a test reads them the same way from any package
// directory, and a clone of the repository needs nothing beside it.
package refdata

import (
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
)

//go:embed testdata/dit-tiny-state.safetensors
var ditTinyState string

//go:embed testdata/tables-k27-reference-formula.safetensors
var tablesK27 string

//go:embed testdata/tinyshakespeare-input.txt.gz
var tinyShakespeareGz string

// DiTTinyState returns dit-tiny-state.safetensors: one training step of the
// reference's tiny DiT (K = 27, D = 64, 4 heads, 2 blocks, C = 128, B = 2,
// L = 32): its weights, inputs, logits, per-sequence losses and gradients.
// The slice is the caller's.
func DiTTinyState() []byte { return []byte(ditTinyState) }

// TablesK27 returns tables-k27-reference-formula.safetensors: the reference's
// x_t tables (alphas, rhos, each (2, 10001): masked, uniform path) for K = 27.
// The slice is the caller's.
func TablesK27() []byte { return []byte(tablesK27) }

// TinyShakespeare returns the original Tiny Shakespeare input.txt (1,115,394
// bytes), stored gzipped.
func TinyShakespeare() ([]byte, error) {
	zr, err := gzip.NewReader(strings.NewReader(tinyShakespeareGz))
	if err != nil {
		return nil, fmt.Errorf("refdata: tinyshakespeare-input.txt.gz: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("refdata: tinyshakespeare-input.txt.gz: %v", err)
	}
	return b, nil
}
