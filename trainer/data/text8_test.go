package data

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/stretchr/testify/require"
)

// fakeText8 makes a small file shaped like text8 (same anchors, random words
// between them) and the spec that accepts it.
func fakeText8(t *testing.T, size int) ([]byte, text8Spec) {
	t.Helper()
	sp := canonicalText8
	sp.size = size
	sp.probe = size * 9 / 10
	b := make([]byte, size)
	s := rng.NewStream(7, 0)
	for i := range b {
		if s.Uint32()%6 == 0 {
			b[i] = ' '
		} else {
			b[i] = byte('a' + s.Uint32()%26)
		}
	}
	copy(b, sp.head)
	copy(b[size-len(sp.tail):], sp.tail)
	b[sp.probe] = sp.probeByte
	sum := sha256.Sum256(b)
	sp.sha256 = hex.EncodeToString(sum[:])
	return b, sp
}

// zipText8 archives content as the member text8, the way text8.zip is made.
func zipText8(t *testing.T, member string, content []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(member)
	require.NoError(t, err)
	_, err = w.Write(content)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestText8VerifyAcceptsGoodCopy(t *testing.T) {
	b, sp := fakeText8(t, 5000)
	require.NoError(t, sp.verify("fake", b))
}

// Each kind of damage is refused with a message naming the file and the check.
func TestText8VerifyRefusesDamage(t *testing.T) {
	good, sp := fakeText8(t, 5000)
	damage := map[string]struct {
		edit func([]byte) []byte
		want string
	}{
		"truncated":   {func(b []byte) []byte { return b[:len(b)-1] }, "4999 bytes, but text8 has 5000"},
		"longer":      {func(b []byte) []byte { return append(b, ' ') }, "5001 bytes"},
		"head":        {func(b []byte) []byte { b[3] = 'x'; return b }, "does not start with"},
		"probe":       {func(b []byte) []byte { b[sp.probe] = 'q'; return b }, "byte 4500 is 'q'"},
		"tail":        {func(b []byte) []byte { b[len(b)-1] = 'c'; return b }, "does not end with"},
		"flipped bit": {func(b []byte) []byte { b[2500] ^= 1; return b }, "corrupted"},
	}
	for name, d := range damage {
		b := d.edit(bytes.Clone(good))
		err := sp.verify("/some/text8", b)
		require.ErrorContains(t, err, "/some/text8", name)
		require.ErrorContains(t, err, d.want, name)
	}
}

func TestReadText8FileRawAndZip(t *testing.T) {
	b, sp := fakeText8(t, 5000)
	dir := t.TempDir()
	raw := filepath.Join(dir, "text8")
	require.NoError(t, os.WriteFile(raw, b, 0o644))
	got, err := readText8File(raw, sp)
	require.NoError(t, err)
	require.Equal(t, b, got)

	zipped := filepath.Join(dir, "text8.zip")
	require.NoError(t, os.WriteFile(zipped, zipText8(t, "text8", b), 0o644))
	got, err = readText8File(zipped, sp)
	require.NoError(t, err)
	require.Equal(t, b, got)

	// A short raw file is refused before it is read.
	require.NoError(t, os.WriteFile(raw, b[:4000], 0o644))
	_, err = readText8File(raw, sp)
	require.ErrorContains(t, err, raw)
	require.ErrorContains(t, err, "4000 bytes")
}

func TestUnzipText8RefusesBadArchives(t *testing.T) {
	b, sp := fakeText8(t, 5000)
	z := zipText8(t, "text8", b)

	_, err := unzipText8("t.zip", z[:len(z)/2], sp)
	require.ErrorContains(t, err, "t.zip: not a readable zip archive")

	_, err = unzipText8("t.zip", zipText8(t, "other", b), sp)
	require.ErrorContains(t, err, `no member named "text8"`)

	_, err = unzipText8("t.zip", zipText8(t, "text8", b[:4990]), sp)
	require.ErrorContains(t, err, "member text8 is 4990 bytes")

	// The member holds other text of the right size: the archive is intact,
	// so it is the content checks that refuse it.
	other := bytes.Clone(b)
	other[100] ^= 1
	_, err = unzipText8("t.zip", zipText8(t, "text8", other), sp)
	require.ErrorContains(t, err, "t.zip:text8: sha256")

	// Corrupt the compressed bytes inside an otherwise well-formed archive:
	// deflate or the CRC-32 must catch it.
	bad := bytes.Clone(z)
	off := bytes.Index(bad, []byte("text8")) + len("text8") + 40 // inside the compressed data
	bad[off] ^= 0xff
	_, err = unzipText8("t.zip", bad, sp)
	require.ErrorContains(t, err, "t.zip: member text8")
}

func TestText8SplitBoundaries(t *testing.T) {
	// Integer arithmetic must give text8's standard boundaries exactly.
	train, valid := splitPoints(100_000_000)
	require.Equal(t, 90_000_000, train)
	require.Equal(t, 95_000_000, valid)

	b, sp := fakeText8(t, 5000)
	c, err := text8Corpus("fake", bytes.Clone(b))
	require.NoError(t, err)
	require.Equal(t, 4500, c.Train.Len())
	require.Equal(t, 250, c.Valid.Len())
	require.Equal(t, 250, c.Test.Len())
	// The valid split starts at the probe byte, as text8's does at 90M.
	require.Equal(t, sp.probeByte-'a', c.Valid.Tokens()[0])
}
