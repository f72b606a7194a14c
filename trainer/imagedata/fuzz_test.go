package imagedata

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"testing"
)

// idx builds an idx file: magic, dimensions, then data bytes.
func idx(magic uint32, dims []uint32, data int) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, make([]byte, data)...)
}

// FuzzMNIST: any bytes, gzipped or not, either parse as idx images and
// labels whose sizes agree with their headers, or give an error; never a
// panic, and nothing allocated beyond the file.
func FuzzMNIST(f *testing.F) {
	f.Add(idx(idxImagesMagic, []uint32{2, 3, 4}, 24))
	f.Add(idx(idxImagesMagic, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, 8))
	f.Add(idx(idxLabelsMagic, []uint32{5}, 5))
	f.Add(idx(idxLabelsMagic, []uint32{0xffffffff}, 1))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(idx(idxImagesMagic, []uint32{1, 2, 2}, 4))
	zw.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, raw := range [][]byte{b, gunzipped(b)} {
			if raw == nil {
				continue
			}
			if im, err := parseIDXImages("fuzz", raw); err == nil {
				if len(im.Labels) > len(raw) {
					t.Fatalf("%d label slots for a %d-byte file", len(im.Labels), len(raw))
				}
				if len(im.Pix) != im.Len()*im.Height*im.Width || len(im.Pix) > len(raw) {
					t.Fatalf("%d pixels for %d images of %dx%d from %d bytes", len(im.Pix), im.Len(), im.Height, im.Width, len(raw))
				}
			}
			if lbl, err := parseIDXLabels("fuzz", raw); err == nil && len(lbl) != len(raw)-8 {
				t.Fatalf("%d labels from %d bytes", len(lbl), len(raw))
			}
		}
	})
}

// gunzipped is b inflated, or nil when b is no gzip stream (fuzz inputs are
// small: their inflation is bounded by gzip's 1032:1 ratio).
func gunzipped(b []byte) []byte {
	out, err := gunzip("fuzz", b)
	if err != nil {
		return nil
	}
	return out
}

// FuzzCIFAR: any bytes either parse as whole CIFAR-10 records (labels 0..9,
// channels interleaved) or give an error; never a panic.
func FuzzCIFAR(f *testing.F) {
	rec := make([]byte, cifarRecord)
	rec[0] = 3
	f.Add(rec)
	f.Add(append(append([]byte(nil), rec...), rec...))
	f.Add(rec[:100])
	bad := append([]byte(nil), rec...)
	bad[0] = 10
	f.Add(bad)
	f.Fuzz(func(t *testing.T, b []byte) {
		im, err := ParseCIFARBatch("fuzz", b)
		if err != nil {
			return
		}
		n := len(b) / cifarRecord
		if im.Len() != n || len(im.Pix) != n*3*cifarPlane {
			t.Fatalf("%d images, %d values from %d records", im.Len(), len(im.Pix), n)
		}
		for i, l := range im.Labels {
			if l > 9 || l != b[i*cifarRecord] {
				t.Fatalf("record %d: label %d", i, l)
			}
		}
		// Interleaving keeps every value: red of pixel 0 is the record's
		// first plane byte.
		if im.Pix[0] != b[1] || im.Pix[1] != b[1+cifarPlane] || im.Pix[2] != b[1+2*cifarPlane] {
			t.Fatalf("pixel 0 is %v, the planes say %d %d %d", im.Pix[:3], b[1], b[1+cifarPlane], b[1+2*cifarPlane])
		}
	})
}
