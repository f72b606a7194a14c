package torchckpt

import (
	"archive/zip"
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets for the restricted unpickler and the whole .pth reader.
// go test runs their seed corpora (the fixtures, small forms of the hostile
// cases of hostile_test.go, and what fuzzing found, in testdata/fuzz/) as
// ordinary tests; go test -run XXX -fuzz FuzzArchive ./core/torchckpt/
// explores further. Whatever the input, the reader must return values or a
// short one-line error: no panic, no stack overflow, no unbounded memory.

var fixtures = []string{"dtypes.pth", "evil.pth", "no_config.pth", "text8_tiny.pth", "lm1b_tiny.pth"}

// fixturePickle returns the data.pkl of a fixture archive.
func fixturePickle(tb testing.TB, archive []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		tb.Fatal(err)
	}
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/data.pkl") {
			rc, err := zf.Open()
			if err != nil {
				tb.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			if err != nil {
				tb.Fatal(err)
			}
			return b
		}
	}
	tb.Fatal("no data.pkl")
	return nil
}

// hostilePickles are small forms of the hostile cases, as seeds.
func hostilePickles() []string {
	f8 := npScalar(npDType("f8", "<"), []byte{0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f}, true)
	return []string{
		proto2 + "N" + strings.Repeat("\x85", 300) + "Q.",
		proto2 + strings.Repeat("(", 300) + "N" + strings.Repeat("l", 300) + ".",
		proto2 + "N" + strings.Repeat("q\x000]h\x00a", 300) + ".",
		proto2 + "N" + strings.Repeat("q\x000}\x8c\x01kh\x00s", 300) + ".",
		proto2 + strings.Repeat("}", 10_000) + ".",
		proto2 + "}q\x00(\x8c\x04selfh\x00u.",
		proto2 + "}(" + uni("lr") + f8 + uni("i") + npScalar(npDType("i8", ">"), make([]byte, 8), false) + "u.",
		proto2 + dictOf(tensorOf(storageRef("0", 4), math.MaxInt64, tup(2), tup(1))) + ".",
		proto2 + dictOf(tensorOf(storageRef("0", 4), 0, tup(3), tup(1<<62))) + ".",
		proto2 + dictOf(tensorOf(storageRef("0", 12), 1, tup(2, 3), tup(1, 2))) + ".",
		proto2 + "(" + uni("storage") + glob("torch", "HalfStorage") + uni("1") + uni("cpu") + "K\x18tQ.",
		"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x8c\x04eval\x93.",
	}
}

// requireShortError fails unless err is one line of bounded length.
func requireShortError(t *testing.T, err error) {
	if msg := err.Error(); strings.Contains(msg, "\n") || len(msg) > 1000 {
		t.Fatalf("error is not one short line (%d bytes): %.300q", len(msg), msg)
	}
}

func FuzzUnpickle(f *testing.F) {
	for _, name := range fixtures {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(fixturePickle(f, b))
	}
	for _, p := range hostilePickles() {
		f.Add([]byte(p))
	}
	// Storage references resolve against a real archive's records.
	dtypes, err := os.ReadFile(filepath.Join("testdata", "dtypes.pth"))
	if err != nil {
		f.Fatal(err)
	}
	archive, err := openBytes(dtypes)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		archive.storages = map[string]*Storage{}
		v, err := unpickle(b, archive.loadStorage, budgetFor(int64(len(b))))
		if err != nil {
			requireShortError(t, err)
			return
		}
		if s := Describe(v); len(s) > 200 {
			t.Fatalf("Describe gave %d bytes", len(s))
		}
		if _, err := Plain(v); err != nil {
			requireShortError(t, err)
		}
		eachTensor(v, func(tt *Tensor) {
			if _, err := archive.Float32(tt); err != nil {
				requireShortError(t, err)
			}
		})
	})
}

func FuzzOpen(f *testing.F) {
	for _, name := range fixtures {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, p := range hostilePickles() {
		f.Add(pthOf(f, p, floats(12, func(i int) float32 { return float32(i) })))
	}
	f.Add(archiveOf(f, record{name: "archive/data.pkl", data: []byte(proto2 + strings.Repeat("}", 100_000) + "."), deflate: true}))
	f.Add(archiveOf(f, record{name: "archive/data.pkl", data: []byte(proto2 + dictOf(tensorOf(storageRef("0", 1<<16), 5, tup(2), tup(1<<15))) + ".")},
		record{name: "archive/data/0", data: make([]byte, 4<<16), deflate: true}))
	f.Fuzz(checkOpen)
}

// FuzzArchive fuzzes the pickle and the storage inside a well-formed
// archive: FuzzOpen's mutations mostly break the zip structure or data.pkl's
// CRC, so this is what reaches storages and views through Open.
func FuzzArchive(f *testing.F) {
	storage := floats(12, func(i int) float32 { return float32(i) })
	for _, name := range fixtures {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(fixturePickle(f, b), storage, false, false)
	}
	for i, p := range hostilePickles() {
		f.Add([]byte(p), storage, i%2 == 0, i%3 == 0)
	}
	f.Fuzz(func(t *testing.T, pickle, storage []byte, deflatePickle, deflateStorage bool) {
		half := len(storage) / 2
		checkOpen(t, archiveOf(t,
			record{name: "archive/data.pkl", data: pickle, deflate: deflatePickle},
			record{name: "archive/data/0", data: storage[:half], deflate: deflateStorage},
			record{name: "archive/data/1", data: storage[half:]}))
	})
}

// checkOpen opens an archive and reads what it holds: its config and every
// tensor it reaches. Anything may fail, but only with a short message.
func checkOpen(t *testing.T, b []byte) {
	cf, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		requireShortError(t, err)
		return
	}
	if s := Describe(cf.Root); len(s) > 200 {
		t.Fatalf("Describe gave %d bytes", len(s))
	}
	if d, ok := cf.Root.(*Dict); ok {
		if c, ok := d.Get("config"); ok {
			if _, err := Plain(c); err != nil {
				requireShortError(t, err)
			}
		}
	}
	eachTensor(cf.Root, func(tt *Tensor) {
		if _, err := cf.Float32(tt); err != nil {
			requireShortError(t, err)
		}
	})
}

// eachTensor calls fn for the tensors v reaches, each once, visiting at
// most a few thousand values (v may contain itself).
func eachTensor(v any, fn func(*Tensor)) {
	seen := map[any]bool{}
	budget := 10_000
	var walk func(v any)
	walk = func(v any) {
		if budget--; budget < 0 {
			return
		}
		switch x := v.(type) {
		case *Tensor:
			if !seen[x] {
				seen[x] = true
				fn(x)
			}
		case Tuple:
			for _, it := range x {
				walk(it)
			}
		case *List:
			if !seen[x] {
				seen[x] = true
				for _, it := range x.Items {
					walk(it)
				}
			}
		case *Dict:
			if !seen[x] {
				seen[x] = true
				for _, it := range x.Values {
					walk(it)
				}
			}
		case *Object:
			if !seen[x] {
				seen[x] = true
				walk(x.Args)
				walk(x.State)
			}
		}
	}
	walk(v)
}
