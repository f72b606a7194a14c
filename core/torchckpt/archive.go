package torchckpt

import (
	"archive/zip"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/rdlm-go/rdlm/core/floatbits"
)

// DType is a storage element type.
type DType string

// The storage types a checkpoint may name. Only the float ones can be read
// as float32; the others (optimiser step counters) are described but never
// needed by a converter.
const (
	Float32  DType = "float32"
	Float16  DType = "float16"
	BFloat16 DType = "bfloat16"
	Float64  DType = "float64"
	Int64    DType = "int64"
	Int32    DType = "int32"
	Int16    DType = "int16"
	Int8     DType = "int8"
	Uint8    DType = "uint8"
	Bool     DType = "bool"
)

var storageDTypes = map[string]DType{
	"FloatStorage": Float32, "HalfStorage": Float16, "BFloat16Storage": BFloat16,
	"DoubleStorage": Float64, "LongStorage": Int64, "IntStorage": Int32,
	"ShortStorage": Int16, "CharStorage": Int8, "ByteStorage": Uint8, "BoolStorage": Bool,
}

// Size is the element size in bytes.
func (d DType) Size() int {
	switch d {
	case Float64, Int64:
		return 8
	case Float32, Int32:
		return 4
	case Float16, BFloat16, Int16:
		return 2
	}
	return 1
}

// maxPickleBytes bounds data.pkl: it holds only structure (names, shapes,
// config), a few hundred kB even for the largest reference model. A
// compressed data.pkl is held to its memory budget too (budgetFor), so
// that a small file cannot inflate into a large pickle.
const maxPickleBytes = 16 << 20

// maxInflation is the most deflate can expand: 258 bytes from a 2-bit
// code. A record claiming more than this times its compressed size lies
// about its size (checkRecords).
const maxInflation = 1032

// File is an opened checkpoint: its unpickled root object and the archive
// its storages live in.
type File struct {
	Root     any
	r        io.ReaderAt
	size     int64
	prefix   string               // the archive's top folder, e.g. "checkpoint/"
	records  map[string]*zip.File // archive entries by name
	storages map[string]*Storage
}

// ErrNotZip marks files that are not zip archives at all (for example the
// legacy pre-1.6 torch.save format, or something else entirely).
var ErrNotZip = errors.New("not a PyTorch zip checkpoint")

// Open reads a checkpoint's structure from r (size bytes). Tensor data is
// read later, on demand, through the Tensor values found in Root.
func Open(r io.ReaderAt, size int64) (*File, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		var magic [2]byte
		if _, e := r.ReadAt(magic[:], 0); e == nil && magic[0] == 0x80 {
			return nil, fmt.Errorf("%w: this is a bare pickle or the legacy (PyTorch < 1.6) format; re-save it with a current torch.save", ErrNotZip)
		}
		return nil, fmt.Errorf("%w (%v): a checkpoint.pth from torch.save is a zip archive; the file may be truncated or something else", ErrNotZip, err)
	}
	f := &File{r: r, size: size, records: map[string]*zip.File{}, storages: map[string]*Storage{}}
	if err := checkRecords(zr.File, size); err != nil {
		return nil, err
	}
	var pkl *zip.File
	for _, zf := range zr.File {
		f.records[zf.Name] = zf
		if strings.HasSuffix(zf.Name, "/data.pkl") && strings.Count(zf.Name, "/") == 1 {
			if pkl != nil {
				return nil, fmt.Errorf("the archive holds two pickles (%s and %s)", label(pkl.Name), label(zf.Name))
			}
			pkl = zf
		}
		if zf.Name == "constants.pkl" || strings.HasSuffix(zf.Name, "/constants.pkl") {
			return nil, fmt.Errorf("this is a TorchScript archive, not a checkpoint of weights")
		}
	}
	if pkl == nil {
		return nil, fmt.Errorf("the zip archive has no <name>/data.pkl: it is not a torch.save checkpoint")
	}
	f.prefix = strings.TrimSuffix(pkl.Name, "data.pkl")
	if bo, ok := f.records[f.prefix+"byteorder"]; ok {
		b, err := f.readRecord(bo, 16)
		if err != nil {
			return nil, err
		}
		if string(b) != "little" {
			return nil, fmt.Errorf("storages are %q-endian; only little-endian checkpoints are supported", b)
		}
	}
	budget := budgetFor(int64(pkl.CompressedSize64))
	b, err := f.readRecord(pkl, min(maxPickleBytes, budget))
	if err != nil {
		return nil, err
	}
	root, err := unpickle(b, f.loadStorage, budget)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", label(pkl.Name), err)
	}
	f.Root = root
	return f, nil
}

// checkRecords refuses records whose headers claim what the file cannot
// back: each record's compressed bytes must lie inside the file, apart
// from every other record's (overlapping records are the classic zip bomb,
// one stretch of bytes counted as many large records), and inflating them
// can at most give maxInflation times as many. What the records claim then
// bounds what reading them costs, by a multiple of the file's size.
func checkRecords(files []*zip.File, size int64) error {
	type span struct {
		start, end int64
		name       string
	}
	var spans []span
	for _, zf := range files {
		name := label(zf.Name)
		off, err := zf.DataOffset()
		if err != nil {
			return fmt.Errorf("%s: %v (the file is truncated or damaged)", name, err)
		}
		if off < 0 || off > size || zf.CompressedSize64 > uint64(size-off) {
			return fmt.Errorf("%s claims %d bytes but the file ends first (truncated?)", name, zf.CompressedSize64)
		}
		switch zf.Method {
		case zip.Store:
			if zf.UncompressedSize64 != zf.CompressedSize64 {
				return fmt.Errorf("%s is stored uncompressed but claims %d bytes in %d", name, zf.UncompressedSize64, zf.CompressedSize64)
			}
		case zip.Deflate:
			if zf.UncompressedSize64/maxInflation > zf.CompressedSize64 {
				return fmt.Errorf("%s claims %d bytes from %d compressed ones, more than deflate can produce", name, zf.UncompressedSize64, zf.CompressedSize64)
			}
		default:
			return fmt.Errorf("%s uses zip compression method %d; only stored and deflated records are read", name, zf.Method)
		}
		if zf.CompressedSize64 > 0 {
			spans = append(spans, span{off, off + int64(zf.CompressedSize64), name})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return fmt.Errorf("records %s and %s overlap in the file: a crafted archive", spans[i-1].name, spans[i].name)
		}
	}
	return nil
}

// readRecord reads a whole record of at most limit bytes.
func (f *File) readRecord(zf *zip.File, limit int64) ([]byte, error) {
	name := label(zf.Name)
	if zf.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d this reader accepts", name, zf.UncompressedSize64, limit)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v (the file is truncated or damaged)", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than the %d bytes this reader accepts", name, limit)
	}
	return b, nil
}

// loadStorage is BINPERSID: ('storage', torch.XStorage, key, location, numel).
func (f *File) loadStorage(pid any) (any, error) {
	t, ok := pid.(Tuple)
	if !ok || len(t) != 5 {
		return nil, fmt.Errorf("persistent id %s is not a 5-tuple storage reference", Describe(pid))
	}
	if tag, _ := t[0].(string); tag != "storage" {
		return nil, fmt.Errorf("persistent id of kind %s, want 'storage'", Describe(t[0]))
	}
	dt, err := storageTypeOf(t[1])
	if err != nil {
		return nil, err
	}
	key, ok1 := t[2].(string)
	loc, ok2 := t[3].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 || numel > math.MaxInt64/8 {
		return nil, fmt.Errorf("malformed storage reference %s", Describe(pid))
	}
	if st, ok := f.storages[key]; ok {
		if st.DType != dt || st.Numel != numel {
			return nil, fmt.Errorf("storage %s is referenced as %s[%d] and as %s[%d]", label(key), st.DType, st.Numel, dt, numel)
		}
		return st, nil
	}
	zf, ok := f.records[f.prefix+"data/"+key]
	if !ok {
		return nil, fmt.Errorf("storage %s is missing from the archive (truncated file?)", label(key))
	}
	if want := uint64(numel) * uint64(dt.Size()); zf.UncompressedSize64 != want {
		return nil, fmt.Errorf("storage %s has %d bytes, want %d for %d %s elements", label(key), zf.UncompressedSize64, want, numel, dt)
	}
	st := &Storage{DType: dt, Key: key, Location: loc, Numel: numel}
	f.storages[key] = st
	return st, nil
}

// denseSlack is how many elements a view may skip, beyond as many as it
// has, and still be read as one range of its storage.
const denseSlack = 4096

// Float32 reads the tensor's elements in row-major order, converting
// float16 and bfloat16 exactly. Only float storages can be read, and only
// the bytes the view covers are: a dense view (its elements spread over at
// most about twice as many) as one range, a sparse one element by element
// in storage order. Memory is a small multiple of the view, whatever the
// storage's size.
func (f *File) Float32(t *Tensor) ([]float32, error) {
	st := t.Storage
	if st == nil {
		return nil, fmt.Errorf("tensor without a storage")
	}
	dt := st.DType
	if dt != Float32 && dt != Float16 && dt != BFloat16 {
		return nil, fmt.Errorf("tensor of %s: only float32, float16 and bfloat16 tensors can be read", dt)
	}
	zf := f.records[f.prefix+"data/"+st.Key]
	if zf == nil || zf.UncompressedSize64 != uint64(st.Numel)*uint64(dt.Size()) {
		return nil, fmt.Errorf("storage %s is not in this archive", label(st.Key))
	}
	// A Tensor may have been built by hand: check it as the unpickler does.
	numel, hi, err := checkView(st, t.Offset, t.Shape, t.Stride)
	if err != nil {
		return nil, err
	}
	if numel > st.Numel {
		return nil, fmt.Errorf("tensor of %d elements over storage %s of %d: broadcast views are not read", numel, label(st.Key), st.Numel)
	}
	out := make([]float32, numel)
	if numel == 0 {
		return out, nil
	}
	rr, err := openRecord(f.r, zf)
	if err != nil {
		return nil, err
	}
	defer rr.Close()
	es := int64(dt.Size())
	decode := func(b []byte) float32 {
		switch dt {
		case Float16:
			return floatbits.F16(b)
		case BFloat16:
			return floatbits.BF16(b)
		}
		return floatbits.F32(b)
	}
	lo := t.Offset // strides are never negative: the first element is the lowest
	if hi-lo+1 <= 2*numel+denseSlack {
		raw := make([]byte, (hi-lo+1)*es)
		if err := rr.readAt(raw, lo*es); err != nil {
			return nil, err
		}
		t.eachOffset(func(k int, off int64) { out[k] = decode(raw[(off-lo)*es:]) })
		return out, nil
	}
	offsets := make([]int64, numel)
	t.eachOffset(func(k int, off int64) { offsets[k] = off })
	order := make([]int, numel)
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(offsets[a], offsets[b]) })
	var elem [8]byte
	last := int64(-1)
	for _, k := range order {
		if off := offsets[k]; off != last {
			if err := rr.readAt(elem[:es], off*es); err != nil {
				return nil, err
			}
			last = off
		}
		out[k] = decode(elem[:es])
	}
	return out, nil
}

// eachOffset calls fn with each element's index in row-major order and
// its offset in the storage.
func (t *Tensor) eachOffset(fn func(k int, off int64)) {
	idx := make([]int, len(t.Shape))
	for k, n := 0, t.Numel(); k < n; k++ {
		off := t.Offset
		for d, i := range idx {
			off += int64(i) * int64(t.Stride[d])
		}
		fn(k, off)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < t.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

// recordReader reads byte ranges of one archive record in ascending order,
// holding none of the rest in memory: a stored record (what torch.save
// writes) in place, by position, and a compressed one by inflating past
// what it skips. A stored record's CRC covers the whole record and is not
// checked for the ranges read.
type recordReader struct {
	name   string
	stored *io.SectionReader // a stored record's bytes, or nil
	rc     io.ReadCloser     // a compressed record's inflated stream
	pos    int64             // bytes of rc consumed
}

func openRecord(r io.ReaderAt, zf *zip.File) (*recordReader, error) {
	rr := &recordReader{name: label(zf.Name)}
	if zf.Method == zip.Store {
		off, err := zf.DataOffset()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", rr.name, err)
		}
		rr.stored = io.NewSectionReader(r, off, int64(zf.CompressedSize64))
		return rr, nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", rr.name, err)
	}
	rr.rc = rc
	return rr, nil
}

func (r *recordReader) readAt(dst []byte, off int64) error {
	var err error
	if r.stored != nil {
		_, err = r.stored.ReadAt(dst, off)
	} else {
		if off < r.pos {
			return fmt.Errorf("%s: read at %d after %d", r.name, off, r.pos)
		}
		if _, err = io.CopyN(io.Discard, r.rc, off-r.pos); err == nil {
			_, err = io.ReadFull(r.rc, dst)
		}
		r.pos = off + int64(len(dst))
	}
	if err != nil {
		return fmt.Errorf("%s: bytes %d to %d: %v (the file is truncated or damaged)", r.name, off, off+int64(len(dst)), err)
	}
	return nil
}

func (r *recordReader) Close() error {
	if r.rc != nil {
		return r.rc.Close()
	}
	return nil
}
