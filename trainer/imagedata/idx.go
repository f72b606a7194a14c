package imagedata

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/rdlm-go/rdlm/core/pixels"
)

// The idx magic numbers: two zero bytes, the element type (0x08: unsigned
// byte) and the number of dimensions.
const (
	idxImagesMagic = 0x00000803 // (N, rows, cols) bytes
	idxLabelsMagic = 0x00000801 // (N,) bytes
)

// gunzip inflates a whole .gz file held in memory. name is for errors.
func gunzip(name string, gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("%s: not a gzip file: %v", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: damaged gzip stream: %v", name, err)
	}
	return b, nil
}

// parseIDXImages reads an idx3-ubyte file: a (N, rows, cols) array of grey
// levels. The length must be exactly what the header announces.
func parseIDXImages(name string, b []byte) (*Images, error) {
	if len(b) < 16 {
		return nil, fmt.Errorf("%s: %d bytes, shorter than an idx3 header (16)", name, len(b))
	}
	if m := binary.BigEndian.Uint32(b); m != idxImagesMagic {
		return nil, fmt.Errorf("%s: magic 0x%08x, not an idx3-ubyte image file (0x%08x)", name, m, idxImagesMagic)
	}
	n, rows, cols := binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint32(b[8:]), binary.BigEndian.Uint32(b[12:])
	// An image has pixels: with a zero side, a 16-byte file could announce
	// four billion images, and their labels would be allocated (fuzzing
	// found it). With both sides >= 1, n is at most the file's size.
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("%s: its header announces images of %dx%d: an image needs at least one pixel", name, rows, cols)
	}
	// n*rows*cols can overflow uint64 (and wrap to the file's size, which
	// fuzzing found): compare the pixel area with what the file holds per
	// image first.
	area := uint64(rows) * uint64(cols)
	if n > 0 && area > uint64(len(b)-16)/uint64(n) {
		return nil, fmt.Errorf("%s: %d bytes, but its header announces %d images of %dx%d (more than %d bytes)", name, len(b), n, rows, cols, len(b))
	}
	want := 16 + uint64(n)*area
	if uint64(len(b)) != want {
		return nil, fmt.Errorf("%s: %d bytes, but its header announces %d images of %dx%d (%d bytes)", name, len(b), n, rows, cols, want)
	}
	return &Images{Image: pixels.Image{Height: int(rows), Width: int(cols), Channels: 1}, Pix: b[16:], Labels: make([]uint8, n)}, nil
}

// parseIDXLabels reads an idx1-ubyte file: N class labels.
func parseIDXLabels(name string, b []byte) ([]uint8, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%s: %d bytes, shorter than an idx1 header (8)", name, len(b))
	}
	if m := binary.BigEndian.Uint32(b); m != idxLabelsMagic {
		return nil, fmt.Errorf("%s: magic 0x%08x, not an idx1-ubyte label file (0x%08x)", name, m, idxLabelsMagic)
	}
	if n := binary.BigEndian.Uint32(b[4:]); uint64(len(b)) != 8+uint64(n) {
		return nil, fmt.Errorf("%s: %d bytes, but its header announces %d labels (%d bytes)", name, len(b), n, 8+uint64(n))
	}
	return b[8:], nil
}
