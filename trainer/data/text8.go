package data

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"

	"github.com/rdlm-go/rdlm/core/text"
	"github.com/rdlm-go/rdlm/internal/userfile"
)

// Text8URL is the canonical source of text8.
const Text8URL = "http://mattmahoney.net/dc/text8.zip"

// text8Spec is what a copy of text8 must be. It is a value rather than
// constants so that tests can check the verification on a small fake.
type text8Spec struct {
	member    string // the file inside the zip
	size      int    // bytes
	head      string // the first bytes
	probe     int    // an offset inside the file ...
	probeByte byte   // ... and the byte found there
	tail      string // the last bytes
	sha256    string // hex digest of the whole file
}

// canonicalText8 is the published text8. The anchors are from data.md; the
// digest is the widely published SHA-256 of the unzipped file.
var canonicalText8 = text8Spec{
	member:    "text8",
	size:      100_000_000,
	head:      " anarchism originated as a term of abuse",
	probe:     90_000_000, // the first valid byte: "became" straddles the boundary
	probeByte: 'e',
	tail:      "one nine six five b",
	sha256:    "6e890197040d37d85beb962ae1f041ff1d9a9ca8d20c7d99c85027eebf51dca7",
}

// verify checks b against the spec, cheapest checks first so that the
// commonest damage (truncation) gets the plainest message. name is the file.
func (sp text8Spec) verify(name string, b []byte) error {
	if len(b) != sp.size {
		return fmt.Errorf("%s: %d bytes, but text8 has %d (truncated or not text8)", name, len(b), sp.size)
	}
	if !bytes.HasPrefix(b, []byte(sp.head)) {
		return fmt.Errorf("%s: does not start with %q, as text8 does", name, sp.head)
	}
	if b[sp.probe] != sp.probeByte {
		return fmt.Errorf("%s: byte %d is %q, text8's is %q", name, sp.probe, b[sp.probe], sp.probeByte)
	}
	if !bytes.HasSuffix(b, []byte(sp.tail)) {
		return fmt.Errorf("%s: does not end with %q, as text8 does", name, sp.tail)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != sp.sha256 {
		return fmt.Errorf("%s: sha256 %x, but text8's is %s (corrupted)", name, sum, sp.sha256)
	}
	return nil
}

// readText8File reads a local copy: a zip holding the text8 member (by its
// ".zip" suffix) or the raw file. The returned bytes are verified.
func readText8File(path string, sp text8Spec) ([]byte, error) {
	if filepath.Ext(path) == ".zip" {
		z, err := userfile.Read(path, userfile.Archive)
		if err != nil {
			return nil, err
		}
		return unzipText8(path, z, sp)
	}
	f, size, err := userfile.Open(path, userfile.Text)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Check the size before reading, so that a wrong (perhaps huge) file is
	// refused without loading it.
	if size != int64(sp.size) {
		return nil, fmt.Errorf("%s: %d bytes, but text8 has %d (truncated or not text8)", path, size, sp.size)
	}
	b := make([]byte, sp.size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := sp.verify(path, b); err != nil {
		return nil, err
	}
	return b, nil
}

// unzipText8 extracts and verifies the text8 member of the zip archive z. The
// archive's CRC-32 is checked too, as the member is read to its end.
func unzipText8(name string, z []byte, sp text8Spec) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable zip archive (truncated download?): %w", name, err)
	}
	for _, f := range zr.File {
		if f.Name != sp.member {
			continue
		}
		// The header's size is checked before allocating, so that a wrong
		// archive cannot make us allocate whatever it claims.
		if f.UncompressedSize64 != uint64(sp.size) {
			return nil, fmt.Errorf("%s: member %s is %d bytes, but text8 has %d", name, sp.member, f.UncompressedSize64, sp.size)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer rc.Close()
		b := make([]byte, sp.size)
		if _, err := io.ReadFull(rc, b); err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", name, sp.member, err)
		}
		// Reading past the end is what makes archive/zip compare the CRC-32.
		var one [1]byte
		if n, err := rc.Read(one[:]); n != 0 || err != io.EOF {
			if err == nil || err == io.EOF {
				err = fmt.Errorf("longer than its header says")
			}
			return nil, fmt.Errorf("%s: member %s: %w", name, sp.member, err)
		}
		if err := sp.verify(name+":"+sp.member, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s: the archive holds no member named %q", name, sp.member)
}

// text8Corpus encodes verified text8 bytes (in place) and splits them.
func text8Corpus(name string, b []byte) (*Corpus, error) {
	v := text.Text8()
	ids, err := encode(name, v, b)
	if err != nil {
		return nil, err
	}
	return newCorpus(name, v, ids)
}
