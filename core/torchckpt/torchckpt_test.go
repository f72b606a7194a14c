package torchckpt

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/safetensors"
)

// Fixtures come from testdata/make_fixtures.py (PyTorch's own torch.save).

func openBytes(b []byte) (*File, error) { return Open(bytes.NewReader(b), int64(len(b))) }

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func TestReadsHalfBFloat16AndStridedViews(t *testing.T) {
	f, err := openBytes(readFixture(t, "dtypes.pth"))
	require.NoError(t, err)
	want, err := safetensors.ReadFile(filepath.Join("testdata", "dtypes_expected.safetensors"))
	require.NoError(t, err)
	root := f.Root.(*Dict)
	for _, name := range []string{"f16", "bf16", "view"} {
		v, ok := root.Get(name)
		require.True(t, ok, name)
		got, err := f.Float32(v.(*Tensor))
		require.NoError(t, err, name)
		w, err := want.Get(name)
		require.NoError(t, err)
		wv, err := w.Float32()
		require.NoError(t, err)
		require.Equal(t, w.Shape, v.(*Tensor).Shape, name)
		require.Equal(t, wv, got, "%s must be exact: f16 and bf16 widen to f32 without rounding", name)
	}
	view, _ := root.Get("view")
	require.Equal(t, []int{1, 6}, view.(*Tensor).Stride, "the fixture really is a strided view")
	require.Equal(t, int64(1), view.(*Tensor).Offset)
}

func TestRefusesMaliciousGlobal(t *testing.T) {
	_, err := openBytes(readFixture(t, "evil.pth"))
	require.ErrorContains(t, err, `refusing global "posix.system"`)
	require.ErrorContains(t, err, "never executing code")
}

func TestRejectsTruncatedAndForeignFiles(t *testing.T) {
	good := readFixture(t, "text8_tiny.pth")
	for _, n := range []int{0, 10, len(good) / 2, len(good) - 30} {
		_, err := openBytes(good[:n])
		require.ErrorIs(t, err, ErrNotZip, "cut at %d", n)
		require.ErrorContains(t, err, "truncated", "cut at %d", n)
	}
	_, err := openBytes([]byte("hello, this is a text file and not a checkpoint at all"))
	require.ErrorIs(t, err, ErrNotZip)
	_, err = openBytes([]byte{0x80, 0x02, 0x8a, 0x0a})
	require.ErrorContains(t, err, "legacy (PyTorch < 1.6)")
}

// zipOf builds an archive with the given records.
func zipOf(t *testing.T, records map[string][]byte) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, b := range records {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		require.NoError(t, err)
		_, err = fw.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestRejectsWrongContent(t *testing.T) {
	_, err := openBytes(zipOf(t, map[string][]byte{"photos/cat.jpg": []byte("jpeg")}))
	require.ErrorContains(t, err, "no <name>/data.pkl")

	// A storage the pickle names but the archive lacks (a damaged file).
	good := readFixture(t, "dtypes.pth")
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	require.NoError(t, err)
	recs := map[string][]byte{}
	for _, zf := range zr.File {
		if filepath.Base(zf.Name) == "0" {
			continue
		}
		rc, err := zf.Open()
		require.NoError(t, err)
		var b bytes.Buffer
		_, err = b.ReadFrom(rc)
		require.NoError(t, err)
		recs[zf.Name] = b.Bytes()
	}
	_, err = openBytes(zipOf(t, recs))
	require.ErrorContains(t, err, "storage 0 is missing from the archive")

	// A storage record whose size disagrees with its element count.
	for name := range recs {
		if filepath.Base(name) == "1" {
			recs[name] = recs[name][:3]
		}
	}
	_, err = openBytes(zipOf(t, recs))
	require.ErrorContains(t, err, "storage")
}

func TestPickleErrorsNameTheProblem(t *testing.T) {
	cases := []struct {
		name, pickle, want string
	}{
		{"protocol", "\x80\x01N.", "pickle protocol 1 is not supported"},
		{"no stop", "\x80\x02N", "no STOP"},
		{"underflow", "\x80\x02t.", "no MARK"},
		{"pop empty", "\x80\x020.", "stack underflow"},
		{"memo", "\x80\x02h\x07.", "memo entry 7 was never stored"},
		{"opcode", "\x80\x02I1\n.", "opcode 0x49 is not supported"},
		{"string length", "\x80\x02X\xff\xff\xff\x7f.", "truncated"},
		{"global", "\x80\x02cos\nsystem\n.", `refusing global "os.system"`},
		{"stack global", "\x80\x04\x8c\x08builtins\x8c\x04eval\x93.", `refusing global "builtins.eval"`},
		{"call inert", "\x80\x02c__builtin__\ndict\n)R.", "calling __builtin__.dict is not supported"},
		{"persid", "\x80\x02NQ.", "persistent id outside"},
		{"two results", "\x80\x02NN.", "STOP with 2 values"},
		{"huge int", "\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", "does not fit in 64 bits"},
		{"bad utf8", "\x80\x02X\x01\x00\x00\x00\xff.", "not valid UTF-8"},
	}
	for _, c := range cases {
		_, err := unpickle([]byte(c.pickle), nil, budgetFor(int64(len(c.pickle))))
		require.ErrorContains(t, err, c.want, c.name)
	}
}

func TestPickleBuildsDictsListsAndNumbers(t *testing.T) {
	// {'a': [1, -2, 3.5, True, None], 'b': (300, 70000, 'x')} at protocol 2,
	// with the memo and a LONG1.
	p := "\x80\x02}q\x00(X\x01\x00\x00\x00a]q\x01(K\x01J\xfe\xff\xff\xffG@\x0c\x00\x00\x00\x00\x00\x00\x88Ne" +
		"X\x01\x00\x00\x00bM,\x01\x8a\x03p\x11\x01X\x01\x00\x00\x00x\x87h\x01\x86u."
	v, err := unpickle([]byte(p), nil, budgetFor(int64(len(p))))
	require.NoError(t, err)
	d := v.(*Dict)
	a, _ := d.Get("a")
	require.Equal(t, []any{int64(1), int64(-2), 3.5, true, nil}, a.(*List).Items)
	b, _ := d.Get("b")
	bt := b.(Tuple)
	require.Equal(t, Tuple{int64(300), int64(70000), "x"}, bt[0])
	require.Same(t, a, bt[1], "BINGET returns the memoised list itself")
}

func TestConfigResolvesInterpolations(t *testing.T) {
	c := Config{Root: map[string]any{
		"tokens": int64(27), "model": map[string]any{"input_dim": "${tokens}", "n": "???", "r": "${eval:1+1}", "loop": "${model.loop}"},
		"x": 1.5,
	}}
	v, err := c.Int("model.input_dim")
	require.NoError(t, err)
	require.Equal(t, int64(27), v)
	f, err := c.Float("tokens")
	require.NoError(t, err)
	require.Equal(t, 27.0, f)
	_, err = c.Get("model.n")
	require.ErrorIs(t, err, ErrMissing)
	_, err = c.Get("model.absent")
	require.ErrorIs(t, err, ErrMissing)
	require.ErrorContains(t, err, "config model.absent")
	_, err = c.Get("model.r")
	require.ErrorContains(t, err, "needs a resolver")
	_, err = c.Get("model.loop")
	require.ErrorContains(t, err, "interpolation loop")
	_, err = c.Int("x")
	require.ErrorContains(t, err, "want an integer")
}
