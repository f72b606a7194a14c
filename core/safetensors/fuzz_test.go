package safetensors

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// fuzzSeeds are well-formed files and near misses for FuzzRead.
func fuzzSeeds(f *testing.F) {
	a, _ := FromFloat32("a", F32, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	b, _ := FromFloat32("b.weight", F16, []int{3}, []float32{-1, 0.5, 65504})
	var good bytes.Buffer
	if err := Encode(&good, []Tensor{a, b}, map[string]string{"format": "pt"}); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:good.Len()-3])
	header := func(js string, data int) []byte {
		out := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
		return append(append(out, js...), make([]byte, data)...)
	}
	f.Add(header(`{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, 4))
	f.Add(header(`{"x":{"dtype":"BF16","shape":[0,7],"data_offsets":[0,0]}}`, 0))
	f.Add(header(`{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8))
	f.Add(header(`{"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}`, 16))
	f.Add(header(`{"__metadata__":{"k":"v"},"x":{"dtype":"F16","shape":[-1],"data_offsets":[0,2]}}`, 2))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
}

// FuzzRead: any bytes either parse into tensors whose data is exactly their
// shape's worth, lying inside the file and decoding without a panic, that
// encode back to a file read the same; or give an error. Never a panic, and
// nothing allocated beyond the file's own size.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Read(b)
		if err != nil {
			return
		}
		var ts []Tensor
		total := 0
		for _, name := range file.Order {
			tt := file.Tensors[name]
			size, err := tt.DType.Size()
			if err != nil {
				t.Fatalf("%q: dtype %q accepted: %v", name, tt.DType, err)
			}
			if len(tt.Data) != tt.Numel()*size {
				t.Fatalf("%q: %d bytes for shape %v of %s", name, len(tt.Data), tt.Shape, tt.DType)
			}
			total += len(tt.Data)
			if tt.DType != I64 {
				if _, err := tt.Float32(); err != nil {
					t.Fatalf("%q: %v", name, err)
				}
			}
			ts = append(ts, *tt)
		}
		if total > len(b) {
			t.Fatalf("tensors hold %d bytes, the file %d", total, len(b))
		}
		var again bytes.Buffer
		if err := Encode(&again, ts, file.Metadata); err != nil {
			return // duplicate-free by construction; an error here is a bad name (none)
		}
		back, err := Read(again.Bytes())
		if err != nil {
			t.Fatalf("re-encoded file does not read: %v", err)
		}
		for _, name := range file.Order {
			if !bytes.Equal(back.Tensors[name].Data, file.Tensors[name].Data) {
				t.Fatalf("%q changed in the round trip", name)
			}
		}
	})
}
