//go:build ignore

// mkcorpus rebuilds corpus/shakespeare.txt.gz from the original Tiny
// Shakespeare (the copy in internal/refdata unless -in names another) and prints the
// SHA-256 and length that shakespeare.go pins. Run it with go generate.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/text"
	"github.com/rdlm-go/rdlm/internal/refdata"
)

// The published checksum of the original input.txt.
const originalSHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"

func main() {
	in := flag.String("in", "", "original Tiny Shakespeare input.txt (default: internal/refdata's copy)")
	out := flag.String("out", "corpus/shakespeare.txt.gz", "gzipped normalised corpus to write")
	flag.Parse()
	var orig []byte
	var err error
	if *in == "" {
		*in = "internal/refdata/testdata/tinyshakespeare-input.txt.gz"
		orig, err = refdata.TinyShakespeare()
	} else {
		orig, err = os.ReadFile(*in)
	}
	if err != nil {
		log.Fatal(err)
	}
	if got := fmt.Sprintf("%x", sha256.Sum256(orig)); got != originalSHA256 {
		log.Fatalf("%s: sha256 %s, the original's is %s", *in, got, originalSHA256)
	}
	norm := []byte(text.NormalizeText8(string(orig)))
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	zw.Name = "shakespeare.txt" // no ModTime: the output depends on the input only
	if _, err := zw.Write(norm); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := atomicfile.Write(*out, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d bytes gzipped, %d characters, sha256 %x\n", *out, buf.Len(), len(norm), sha256.Sum256(norm))
}
