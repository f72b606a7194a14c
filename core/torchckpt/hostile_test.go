package torchckpt

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Hostile files, written opcode by opcode: each is a way a crafted
// checkpoint could crash, hang or exhaust the reader, and each must end in
// a one-line error (or the right values) within bounded memory and time.

// Pickle pieces.

const proto2 = "\x80\x02"

func le32(n int) string {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(n))
	return string(b[:])
}

// uni is BINUNICODE s.
func uni(s string) string { return "X" + le32(len(s)) + s }

// long8 is LONG1 with 8 bytes: any int64.
func long8(n int64) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	return "\x8a\x08" + string(b[:])
}

func glob(module, name string) string { return "c" + module + "\n" + name + "\n" }

func tup(xs ...int64) string {
	s := "("
	for _, x := range xs {
		s += long8(x)
	}
	return s + "t"
}

// storageRef is BINPERSID ('storage', torch.FloatStorage, key, 'cpu', numel).
func storageRef(key string, numel int64) string {
	return "(" + uni("storage") + glob("torch", "FloatStorage") + uni(key) + uni("cpu") + long8(numel) + "tQ"
}

// tensorOf is _rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict()).
func tensorOf(ref string, off int64, shape, stride string) string {
	return glob("torch._utils", "_rebuild_tensor_v2") + "(" + ref + long8(off) + shape + stride +
		"\x89" + glob("collections", "OrderedDict") + ")R" + "tR"
}

// dictOf is {'t': v}.
func dictOf(v string) string { return "}(" + uni("t") + v + "u" }

// Archive pieces.

type record struct {
	name    string
	data    []byte
	deflate bool
}

func archiveOf(t testing.TB, recs ...record) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	for _, r := range recs {
		method := zip.Store
		if r.deflate {
			method = zip.Deflate
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: r.name, Method: method})
		require.NoError(t, err)
		_, err = fw.Write(r.data)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// pthOf is a torch.save archive of a pickle and storages 0, 1, ...
func pthOf(t testing.TB, pickle string, storages ...[]byte) []byte {
	recs := []record{{name: "archive/data.pkl", data: []byte(pickle)}, {name: "archive/byteorder", data: []byte("little")}}
	for i, s := range storages {
		recs = append(recs, record{name: "archive/data/" + string(rune('0'+i)), data: s})
	}
	return archiveOf(t, recs...)
}

func floats(n int, f func(i int) float32) []byte {
	b := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f(i)))
	}
	return b
}

// requireOneLine checks that err is a short one-line message containing want.
func requireOneLine(t *testing.T, err error, want string, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.ErrorContains(t, err, want, msgAndArgs...)
	require.NotContains(t, err.Error(), "\n", msgAndArgs...)
	require.Less(t, len(err.Error()), 400, "%.500s", err.Error())
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	fn()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// openTensor opens a checkpoint {'t': tensor} and reads its tensor.
func openTensor(b []byte) ([]float32, error) {
	f, err := openBytes(b)
	if err != nil {
		return nil, err
	}
	v, _ := f.Root.(*Dict).Get("t")
	return f.Float32(v.(*Tensor))
}

// A persistent id ten million tuples deep once overflowed the Go stack
// (formatting it into the error message recursed once per level): a fatal
// error no recover catches. Nesting is now bounded while unpickling.
func TestDeepNestingIsAnError(t *testing.T) {
	deep := proto2 + "N" + strings.Repeat("\x85", 10_000_000) + "Q."
	_, err := openBytes(pthOf(t, deep))
	requireOneLine(t, err, "nested deeper than 200 levels")

	// The same through lists and MARKs, and through lists and dicts each
	// holding the previous one through the memo.
	_, err = unpickle([]byte(proto2+strings.Repeat("(", 1_000_000)+"N"+strings.Repeat("l", 1_000_000)+"."), nil, budgetFor(2e6))
	requireOneLine(t, err, "MARKs nested deeper than 200")
	_, err = unpickle([]byte(proto2+"N"+strings.Repeat("q\x000]h\x00a", 100_000)+"."), nil, budgetFor(6e5))
	requireOneLine(t, err, "nested deeper than 200")
	_, err = unpickle([]byte(proto2+"N"+strings.Repeat("q\x000}\x8c\x01kh\x00s", 100_000)+"."), nil, budgetFor(9e5))
	requireOneLine(t, err, "nested deeper than 200")

	// A dict that holds itself is fine (OmegaConf nodes point at their
	// parents); printing it stays short.
	v, err := unpickle([]byte(proto2+"}q\x00(\x8c\x04selfh\x00u."), nil, budgetFor(100))
	require.NoError(t, err)
	require.Equal(t, `{"self": {"self": {"self": {1 keys}}}}`, Describe(v))

	// Real nesting, well inside the bound, reads.
	_, err = unpickle([]byte(proto2+"N"+strings.Repeat("\x85", 150)+"."), nil, budgetFor(200))
	require.NoError(t, err)
}

// Building a dict of n keys once took O(n^2) (each insertion searched the
// keys): 100k keys took 15-20 s.
func TestDictOf100kKeysBuildsInLinearTime(t *testing.T) {
	var p strings.Builder
	p.WriteString(proto2 + "}")
	const n = 100_000
	for i := 0; i < n; i++ {
		if i%1000 == 0 {
			p.WriteString("(")
		}
		p.WriteString(uni("key" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i)))
		p.WriteString("J" + le32(i))
		if i%1000 == 999 {
			p.WriteString("u")
		}
	}
	p.WriteString(".")
	start := time.Now()
	v, err := unpickle([]byte(p.String()), nil, budgetFor(int64(p.Len())))
	require.NoError(t, err)
	require.Less(t, time.Since(start), 3*time.Second)
	d := v.(*Dict)
	require.Equal(t, n, d.Len())
	got, ok := d.Get("key" + strings.Repeat("x", (n-1)%7) + string(rune('a'+(n-1)%26)) + itoa(n-1))
	require.True(t, ok)
	require.Equal(t, int64(n-1), got)
	require.Equal(t, "key"+"a"+"0", d.Keys[0], "insertion order is kept")

	// A repeated key replaces its value in place, as in Python.
	v, err = unpickle([]byte(proto2+"}("+uni("a")+"K\x01"+uni("b")+"K\x02"+uni("a")+"K\x03u."), nil, budgetFor(100))
	require.NoError(t, err)
	require.Equal(t, []any{"a", "b"}, v.(*Dict).Keys)
	require.Equal(t, []any{int64(3), int64(2)}, v.(*Dict).Values)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

// 63M EMPTY_DICT opcodes deflate to 61 kB and once took over 4 GB. The
// pickle may take at most its memory budget, set by the bytes data.pkl
// takes in the file.
func TestEmptyDictFloodStaysWithinBudget(t *testing.T) {
	for _, n := range []int{63_000_000, 4_000_000} {
		pkl := proto2 + strings.Repeat("}", n) + "."
		b := archiveOf(t, record{name: "archive/data.pkl", data: []byte(pkl), deflate: true})
		require.Less(t, len(b), 100_000)
		var err error
		alloc := allocated(func() { _, err = openBytes(b) })
		if n > 10_000_000 {
			requireOneLine(t, err, "more than the")
		} else {
			requireOneLine(t, err, "the pickle builds more than 8 MB of values")
		}
		require.Less(t, alloc, uint64(64<<20), "%d EMPTY_DICTs in a %d-byte file allocated %d MB", n, len(b), alloc>>20)
	}
	// The real fixtures fit in half the budget's rate, without its floor.
	for _, name := range []string{"text8_tiny.pth", "lm1b_tiny.pth", "no_config.pth", "dtypes.pth"} {
		good := readFixture(t, name)
		zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
		require.NoError(t, err)
		for _, zf := range zr.File {
			if strings.HasSuffix(zf.Name, "/data.pkl") {
				rc, err := zf.Open()
				require.NoError(t, err)
				p, err := io.ReadAll(rc)
				require.NoError(t, err)
				_, err = unpickle(p, func(any) (any, error) { return &Storage{DType: Float32, Numel: 1 << 40}, nil }, budgetPerByte/2*int64(len(p)))
				require.NoError(t, err, name)
			}
		}
	}
}

// Offsets, sizes and strides near 2^63 once wrapped the bounds check and
// panicked with a negative slice index.
func TestOffsetsAndStridesCannotWrap(t *testing.T) {
	data := floats(4, func(i int) float32 { return float32(i) })
	cases := []struct {
		name, tensor, want string
	}{
		{"offset", tensorOf(storageRef("0", 4), math.MaxInt64, tup(2), tup(1)), "outside storage 0"},
		{"offset-1", tensorOf(storageRef("0", 4), math.MaxInt64-8, tup(3), tup(math.MaxInt64/2+1)), "outside storage 0"},
		{"stride", tensorOf(storageRef("0", 4), 0, tup(3), tup(1<<62)), "reaches past its storage 0"},
		{"stride sum", tensorOf(storageRef("0", 4), 1, tup(2, 2), tup(math.MaxInt64, math.MaxInt64)), "reaches past"},
		{"negative stride", tensorOf(storageRef("0", 4), 3, tup(2), tup(-1)), "bad entry -1"},
		{"numel", tensorOf(storageRef("0", 4), 0, tup(1<<31, 1<<31, 1<<31), tup(0, 0, 0)), "more than 2^56 elements"},
		{"rank", tensorOf(storageRef("0", 4), 0, "("+strings.Repeat("K\x01", 100)+"t", "("+strings.Repeat("K\x01", 100)+"t"), "100 dimensions"},
		{"storage numel", tensorOf(storageRef("0", 1<<62), 0, tup(1), tup(1)), "malformed storage reference"},
		{"broadcast", tensorOf(storageRef("0", 4), 0, tup(1<<20), tup(0)), "broadcast views are not read"},
	}
	for _, c := range cases {
		var err error
		require.NotPanics(t, func() { _, err = openTensor(pthOf(t, proto2+dictOf(c.tensor)+".", data)) }, c.name)
		requireOneLine(t, err, c.want, c.name)
	}
	// The storage whose element count times 4 wraps to 0 bytes.
	_, err := openTensor(pthOf(t, proto2+dictOf(tensorOf(storageRef("0", 1<<62), 0, tup(1), tup(1)))+".", []byte{}))
	requireOneLine(t, err, "malformed storage reference")
}

// A view of 864 elements over a storage of 16M floats once read the whole
// storage; only the bytes a view covers are read now, from stored and
// deflated records alike, and a sparse view reads its elements one by one.
func TestViewsReadOnlyTheirBytes(t *testing.T) {
	const big = 16 << 20
	data := floats(big, func(i int) float32 {
		if i < 1000 || i%(big/2) == 5 {
			return float32(i)
		}
		return 0
	})
	for _, deflate := range []bool{false, true} {
		recs := []record{{name: "archive/data.pkl", data: []byte(proto2 + "}(" +
			uni("dense") + tensorOf(storageRef("0", big), 10, tup(864), tup(1)) +
			uni("sparse") + tensorOf(storageRef("0", big), 5, tup(2), tup(big/2)) + "u.")},
			{name: "archive/data/0", data: data, deflate: deflate}}
		b := archiveOf(t, recs...)
		f, err := openBytes(b)
		require.NoError(t, err)
		dense, _ := f.Root.(*Dict).Get("dense")
		sparse, _ := f.Root.(*Dict).Get("sparse")
		var got, gotSparse []float32
		alloc := allocated(func() {
			got, err = f.Float32(dense.(*Tensor))
			require.NoError(t, err)
			gotSparse, err = f.Float32(sparse.(*Tensor))
			require.NoError(t, err)
		})
		require.Len(t, got, 864)
		for i, v := range got {
			require.Equal(t, float32(10+i), v)
		}
		require.Equal(t, []float32{5, big/2 + 5}, gotSparse)
		require.Less(t, alloc, uint64(2<<20), "deflate %v: reading 866 elements allocated %d kB", deflate, alloc>>10)
	}

	// Sparse and transposed views of a stored record, against the storage.
	data = floats(100_000, func(i int) float32 { return float32(i) })
	for _, c := range []struct {
		off           int64
		shape, stride string
		want          []float32
	}{
		{7, tup(3), tup(40_000), []float32{7, 40_007, 80_007}},
		{0, tup(2, 2), tup(1, 50_000), []float32{0, 50_000, 1, 50_001}},
		{3, tup(2, 3), tup(0, 1), []float32{3, 4, 5, 3, 4, 5}},
		{9, tup(3, 0), tup(1, 1), []float32{}},
	} {
		got, err := openTensor(pthOf(t, proto2+dictOf(tensorOf(storageRef("0", 100_000), c.off, c.shape, c.stride))+".", data))
		require.NoError(t, err)
		require.Equal(t, c.want, got)
	}
}

// Record headers that claim more bytes than the file can hold are refused
// before anything is read: a stored record must lie in the file, and a
// deflated one can expand at most 1032 times.
func TestRecordsMustFitTheFile(t *testing.T) {
	pkl := proto2 + dictOf(tensorOf(storageRef("0", 700_000_000), 0, tup(864), tup(1))) + "."
	lie := func(method uint16, compressed, size uint64, data []byte) []byte {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		fw, err := w.Create("archive/data.pkl")
		require.NoError(t, err)
		_, err = fw.Write([]byte(pkl))
		require.NoError(t, err)
		fw, err = w.CreateRaw(&zip.FileHeader{Name: "archive/data/0", Method: method, CompressedSize64: compressed, UncompressedSize64: size})
		require.NoError(t, err)
		_, err = fw.Write(data)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		return buf.Bytes()
	}
	_, err := openTensor(lie(zip.Store, 2_800_000_000, 2_800_000_000, make([]byte, 4096)))
	requireOneLine(t, err, "archive/data/0 claims 2800000000 bytes but the file ends first")
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestSpeed)
	fw.Write(make([]byte, 4096))
	fw.Close()
	_, err = openTensor(lie(zip.Deflate, uint64(z.Len()), 2_800_000_000, z.Bytes()))
	requireOneLine(t, err, "more than deflate can produce")
	_, err = openTensor(lie(zip.Store, 4096, 2_800_000_000, make([]byte, 4096)))
	requireOneLine(t, err, "stored uncompressed but claims")
	_, err = openTensor(lie(99, 4096, 2_800_000_000, make([]byte, 4096)))
	requireOneLine(t, err, "compression method 99")
}

// npDType is numpy.dtype(code, False, True) with its BUILD state
// (3, order, None, None, None, -1, -1, 0), as numpy pickles a dtype.
func npDType(code, order string) string {
	return glob("numpy", "dtype") + uni(code) + "\x89\x88\x87R" +
		"(K\x03" + uni(order) + "NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
}

// npScalar is numpy's scalar(dtype, raw): as protocol 2 writes it (bytes as
// _codecs.encode of their latin-1 string) or with a bytes opcode.
func npScalar(dtype string, raw []byte, proto2Bytes bool) string {
	data := "C" + string([]byte{byte(len(raw))}) + string(raw)
	if proto2Bytes {
		runes := make([]rune, len(raw))
		for i, c := range raw {
			runes[i] = rune(c)
		}
		data = glob("_codecs", "encode") + uni(string(runes)) + uni("latin1") + "\x86R"
	}
	return glob("numpy.core.multiarray", "scalar") + dtype + data + "\x86R"
}

// The reference's training loop sets the optimiser's lr to a numpy float64,
// so its checkpoints hold numpy scalars: they read as plain numbers.
func TestNumpyScalarsReadAsNumbers(t *testing.T) {
	le := func(v uint64, n int) []byte {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, v)
		return b[:n]
	}
	be := func(v uint64, n int) []byte {
		b := make([]byte, 8)
		binary.BigEndian.PutUint64(b, v<<(64-8*n))
		return b[:n]
	}
	lr := 3e-4 * 0.25
	cases := []struct {
		name   string
		pickle string
		want   any
	}{
		{"f8 protocol 2", npScalar(npDType("f8", "<"), le(math.Float64bits(lr), 8), true), lr},
		{"f8 protocol 4", npScalar(npDType("f8", "<"), le(math.Float64bits(lr), 8), false), lr},
		{"f8 big-endian", npScalar(npDType("f8", ">"), be(math.Float64bits(lr), 8), true), lr},
		{"f4", npScalar(npDType("f4", "<"), le(uint64(math.Float32bits(0.5)), 4), true), 0.5},
		{"i8", npScalar(npDType("i8", "<"), le(uint64(1)<<40|7, 8), true), int64(1<<40 | 7)},
		{"i8 negative", npScalar(npDType("i8", ">"), be(uint64(math.MaxUint64-2), 8), false), int64(-3)},
		{"i4", npScalar(npDType("i4", "<"), le(uint64(0xfffffffe), 4), true), int64(-2)},
	}
	for _, c := range cases {
		// As the optimiser stores it: {'param_groups': [{'lr': scalar}]}.
		p := proto2 + "}(" + uni("param_groups") + "]}(" + uni("lr") + c.pickle + "uau."
		v, err := unpickle([]byte(p), nil, budgetFor(int64(len(p))))
		require.NoError(t, err, c.name)
		groups, _ := v.(*Dict).Get("param_groups")
		got, _ := groups.(*List).Items[0].(*Dict).Get("lr")
		require.Equal(t, c.want, got, c.name)
	}

	bad := []struct{ name, pickle, want string }{
		{"object dtype", npScalar(npDType("O", "|"), le(0, 8), true), "dtype \"O\" is not supported"},
		{"complex dtype", npScalar(npDType("c16", "<"), le(0, 8), true), "dtype \"c16\" is not supported"},
		{"short data", npScalar(npDType("f8", "<"), le(0, 7), true), "f8 scalar of 7 bytes, want 8"},
		{"no byte order", npScalar(glob("numpy", "dtype")+uni("f8")+"\x89\x88\x87R", le(0, 8), true), "without a '<' or '>' byte order"},
		{"not a dtype", glob("numpy.core.multiarray", "scalar") + uni("f8") + "C\x00\x86R", "numpy scalar of a str, want a numpy.dtype"},
		{"utf-8", glob("_codecs", "encode") + uni("x") + uni("utf-8") + "\x86R", "only the latin-1 encoding"},
		{"not latin-1", glob("_codecs", "encode") + uni("\u20ac") + uni("latin1") + "\x86R", "U+20AC is not latin-1"},
		{"ndarray", glob("numpy.core.multiarray", "_reconstruct"), `refusing global "numpy.core.multiarray._reconstruct"`},
		{"numpy load", glob("numpy", "load"), `refusing global "numpy.load"`},
		{"codecs other", glob("_codecs", "decode"), `refusing global "_codecs.decode"`},
		{"bytes of an int", glob("__builtin__", "bytes") + "K\x05\x85R", "only bytes() is read"},
	}
	for _, c := range bad {
		p := proto2 + c.pickle + "."
		_, err := unpickle([]byte(p), nil, budgetFor(int64(len(p))))
		requireOneLine(t, err, c.want, c.name)
	}
	// bytes() is the empty bytes, as protocol 2 writes b''.
	v, err := unpickle([]byte(proto2+glob("__builtin__", "bytes")+")R."), nil, budgetFor(100))
	require.NoError(t, err)
	require.Equal(t, []byte{}, v)
}

// Values from the file reach error messages only through Describe: a
// megabyte name or a deep tuple gives a short message.
func TestErrorMessagesAreShort(t *testing.T) {
	long := strings.Repeat("A\n", 1<<19)
	cases := []struct{ name, pickle, want string }{
		{"stack global", uni(long) + uni("x") + "\x93", "refusing global"},
		{"persistent id", uni(long) + "Q", "persistent id \"A\\nA"},
		{"storage key", "(" + uni("storage") + glob("torch", "FloatStorage") + uni(long) + uni("cpu") + "K\x01tQ", "is missing from the archive"},
		{"storage kind", "(" + uni(long) + "NNNNtQ", "persistent id of kind"},
		{"deep pid", "N" + strings.Repeat("\x85", 150) + "Q", "is not a 5-tuple"},
		{"wide pid", "(" + strings.Repeat("N", 100_000) + "tQ", "... 100000 items)"},
		{"dict key", "}(]]u", "dict key of type list"},
		{"huge int", "\x8a\xff" + strings.Repeat("\x01", 255), "integer of 255 bytes does not fit"},
	}
	for _, c := range cases {
		_, err := openBytes(pthOf(t, proto2+c.pickle+"."))
		requireOneLine(t, err, c.want, c.name)
	}
}

func TestLong1(t *testing.T) {
	for _, c := range []struct {
		b    string
		want int64
	}{
		{"", 0}, {"\xff", -1}, {"\x80", -128}, {"\x7f", 127}, {"\x00\x80", -32768}, {"\x00\x80\x00", 32768},
		{"\xff\xff\xff\xff\xff\xff\xff\x7f", math.MaxInt64}, {"\x00\x00\x00\x00\x00\x00\x00\x80", math.MinInt64},
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff", -1}, {"\x01\x00\x00\x00\x00\x00\x00\x00\x00", 1},
	} {
		v, err := longToInt64([]byte(c.b))
		require.NoError(t, err, "%x", c.b)
		require.Equal(t, c.want, v, "%x", c.b)
	}
	for _, b := range []string{"\x00\x00\x00\x00\x00\x00\x00\x80\x00", "\xff\xff\xff\xff\xff\xff\xff\x7f\xff", "\x00\x00\x00\x00\x00\x00\x00\x00\x01"} {
		_, err := longToInt64([]byte(b))
		require.ErrorContains(t, err, "does not fit in 64 bits", "%x", b)
	}
}

// withAlias adds a second central-directory entry, named alias, for the
// record named name: two records over the same bytes, the zip bomb that
// makes a small file hold many large records.
func withAlias(t *testing.T, zipped []byte, name, alias string) []byte {
	require.Len(t, alias, len(name))
	eocd := len(zipped) - 22
	require.Equal(t, uint32(0x06054b50), binary.LittleEndian.Uint32(zipped[eocd:]))
	count := binary.LittleEndian.Uint16(zipped[eocd+10:])
	cdSize := binary.LittleEndian.Uint32(zipped[eocd+12:])
	cdOff := binary.LittleEndian.Uint32(zipped[eocd+16:])
	cd := zipped[cdOff : cdOff+cdSize]
	var entry []byte
	for p := 0; p < len(cd); {
		n := int(binary.LittleEndian.Uint16(cd[p+28:]))
		m := int(binary.LittleEndian.Uint16(cd[p+30:]))
		k := int(binary.LittleEndian.Uint16(cd[p+32:]))
		if string(cd[p+46:p+46+n]) == name {
			entry = append([]byte{}, cd[p:p+46+n+m+k]...)
			copy(entry[46:], alias)
		}
		p += 46 + n + m + k
	}
	require.NotNil(t, entry)
	out := append(append([]byte{}, zipped[:eocd]...), entry...)
	tail := append([]byte{}, zipped[eocd:]...)
	binary.LittleEndian.PutUint16(tail[8:], count+1)
	binary.LittleEndian.PutUint16(tail[10:], count+1)
	binary.LittleEndian.PutUint32(tail[12:], cdSize+uint32(len(entry)))
	return append(out, tail...)
}

func TestOverlappingRecordsAreRefused(t *testing.T) {
	pkl := proto2 + "}(" + uni("a") + tensorOf(storageRef("0", 4), 0, tup(4), tup(1)) +
		uni("b") + tensorOf(storageRef("1", 4), 0, tup(4), tup(1)) + "u."
	b := withAlias(t, pthOf(t, pkl, floats(4, func(i int) float32 { return 1 })), "archive/data/0", "archive/data/1")
	_, err := openBytes(b)
	requireOneLine(t, err, "records archive/data/0 and archive/data/1 overlap in the file")
}

// A config of dicts each holding the next one twice has 2^40 paths: Plain
// once walked them all. It now visits a bounded number of values.
func TestPlainBoundsSharedConfigs(t *testing.T) {
	d := &Dict{}
	for i := 0; i < 40; i++ {
		d = &Dict{Keys: []any{"a", "b"}, Values: []any{d, d}}
	}
	start := time.Now()
	_, err := Plain(d)
	requireOneLine(t, err, "config of more than 131072 values")
	require.Less(t, time.Since(start), 2*time.Second)

	// A long path to a problem keeps both ends of the message.
	v := any(&List{})
	for i := 0; i < 60; i++ {
		v = &Dict{Keys: []any{strings.Repeat("k", 50)}, Values: []any{v}}
	}
	v = &Dict{Keys: []any{"x"}, Values: []any{&Tensor{}}}
	for i := 0; i < 60; i++ {
		v = &Dict{Keys: []any{strings.Repeat("k", 50)}, Values: []any{v}}
	}
	_, err = Plain(v)
	requireOneLine(t, err, "a tensor has no place in a config")
}

// Keys and interpolations from the file reach config messages bounded and
// on one line (fuzzing found a key with a newline in a Plain error).
func TestConfigMessagesAreOneLine(t *testing.T) {
	_, err := Plain(&Dict{Keys: []any{"000\n"}, Values: []any{[]byte{}}})
	requireOneLine(t, err, `"000\n": a bytes has no place in a config`)

	long := strings.Repeat("k\n", 100)
	root := map[string]any{"a": "${" + long + "}", long: "${b}", "b": "${a}"}
	_, err = Config{Root: root}.Get("a")
	requireOneLine(t, err, "interpolation loop")
	chain := map[string]any{}
	for i := 0; i < 20; i++ {
		chain[strings.Repeat("n", 200)+itoa(i)] = "${" + strings.Repeat("n", 200) + itoa(i+1) + "}"
	}
	_, err = Config{Root: chain}.Get(strings.Repeat("n", 200) + "0")
	requireOneLine(t, err, "interpolation loop")
}
