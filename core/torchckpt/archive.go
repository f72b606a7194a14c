package torchckpt

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
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
// config), a few hundred kB even for the largest reference model. The bound
// keeps a crafted archive from making us inflate gigabytes.
const maxPickleBytes = 64 << 20

// File is an opened checkpoint: its unpickled root object and the archive
// its storages live in.
type File struct {
	Root     any
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
	f := &File{records: map[string]*zip.File{}, storages: map[string]*Storage{}}
	var pkl *zip.File
	for _, zf := range zr.File {
		f.records[zf.Name] = zf
		if strings.HasSuffix(zf.Name, "/data.pkl") && strings.Count(zf.Name, "/") == 1 {
			if pkl != nil {
				return nil, fmt.Errorf("the archive holds two pickles (%s and %s)", pkl.Name, zf.Name)
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
		b, err := readRecord(bo, 16)
		if err != nil {
			return nil, err
		}
		if string(b) != "little" {
			return nil, fmt.Errorf("storages are %q-endian; only little-endian checkpoints are supported", b)
		}
	}
	b, err := readRecord(pkl, maxPickleBytes)
	if err != nil {
		return nil, err
	}
	root, err := unpickle(b, f.loadStorage)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", pkl.Name, err)
	}
	f.Root = root
	return f, nil
}

func readRecord(zf *zip.File, limit int64) ([]byte, error) {
	if zf.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d this reader accepts", zf.Name, zf.UncompressedSize64, limit)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", zf.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v (the file is truncated or damaged)", zf.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than the %d bytes this reader accepts", zf.Name, limit)
	}
	return b, nil
}

// loadStorage is BINPERSID: ('storage', torch.XStorage, key, location, numel).
func (f *File) loadStorage(pid any) (any, error) {
	t, ok := pid.(Tuple)
	if !ok || len(t) != 5 {
		return nil, fmt.Errorf("persistent id %v is not a 5-tuple storage reference", pid)
	}
	if tag, _ := t[0].(string); tag != "storage" {
		return nil, fmt.Errorf("persistent id of kind %v, want 'storage'", t[0])
	}
	dt, err := storageTypeOf(t[1])
	if err != nil {
		return nil, err
	}
	key, ok1 := t[2].(string)
	loc, ok2 := t[3].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 {
		return nil, fmt.Errorf("malformed storage reference %v", pid)
	}
	if st, ok := f.storages[key]; ok {
		if st.DType != dt || st.Numel != numel {
			return nil, fmt.Errorf("storage %s is referenced as %s[%d] and as %s[%d]", key, st.DType, st.Numel, dt, numel)
		}
		return st, nil
	}
	zf, ok := f.records[f.prefix+"data/"+key]
	if !ok {
		return nil, fmt.Errorf("storage %s is missing from the archive (truncated file?)", key)
	}
	if want := uint64(numel) * uint64(dt.Size()); zf.UncompressedSize64 != want {
		return nil, fmt.Errorf("storage %s has %d bytes, want %d for %d %s elements", key, zf.UncompressedSize64, want, numel, dt)
	}
	st := &Storage{DType: dt, Key: key, Location: loc, Numel: numel}
	f.storages[key] = st
	return st, nil
}

// Float32 reads the tensor's elements in row-major order, converting
// float16 and bfloat16 exactly. Only float storages can be read.
func (f *File) Float32(t *Tensor) ([]float32, error) {
	dt := t.Storage.DType
	if dt != Float32 && dt != Float16 && dt != BFloat16 {
		return nil, fmt.Errorf("tensor of %s: only float32, float16 and bfloat16 tensors can be read", dt)
	}
	zf := f.records[f.prefix+"data/"+t.Storage.Key]
	if zf == nil {
		return nil, fmt.Errorf("storage %s is not in this archive", t.Storage.Key)
	}
	raw, err := readRecord(zf, int64(zf.UncompressedSize64))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) != t.Storage.Numel*int64(dt.Size()) {
		return nil, fmt.Errorf("storage %s: read %d bytes, want %d", t.Storage.Key, len(raw), t.Storage.Numel*int64(dt.Size()))
	}
	elem := func(i int64) float32 {
		switch dt {
		case Float16:
			return floatbits.F16(raw[2*i:])
		case BFloat16:
			return floatbits.BF16(raw[2*i:])
		}
		return floatbits.F32(raw[4*i:])
	}
	out := make([]float32, t.Numel())
	idx := make([]int, len(t.Shape)) // row-major counter over the view
	for n := range out {
		off := t.Offset
		for d, i := range idx {
			off += int64(i) * int64(t.Stride[d])
		}
		out[n] = elem(off)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < t.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}
