package safetensors

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rdlm-go/rdlm/internal/refdata"
	"github.com/stretchr/testify/require"
)

func TestRoundTripF32F16(t *testing.T) {
	vals := []float32{1, -2.5, 0.333, 65504, 1e-3, 0}
	a, err := FromFloat32("a", F32, []int{2, 3}, vals)
	require.NoError(t, err)
	b, err := FromFloat32("b.weight", F16, []int{6}, vals)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "x.safetensors")
	require.NoError(t, WriteFile(path, []Tensor{a, b}, map[string]string{"format": "pt"}))
	f, err := ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b.weight"}, f.Order)
	require.Equal(t, "pt", f.Metadata["format"])
	ga, err := f.Tensors["a"].Float32()
	require.NoError(t, err)
	require.Equal(t, vals, ga)
	gb, err := f.Tensors["b.weight"].Float32()
	require.NoError(t, err)
	for i := range vals {
		require.InDelta(t, vals[i], gb[i], 1e-3*(1+float64(abs(vals[i]))))
	}
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

func TestReadsReferenceFile(t *testing.T) {
	f, err := Read(refdata.TablesK27())
	require.NoError(t, err)
	al, err := f.Get("alphas")
	require.NoError(t, err)
	require.Equal(t, []int{2, 10001}, al.Shape)
}

func TestRejectsCorruptFiles(t *testing.T) {
	a, _ := FromFloat32("weight", F32, []int{4}, []float32{1, 2, 3, 4})
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, []Tensor{a}, nil))
	good := buf.Bytes()

	_, err := Read(good[:5])
	require.ErrorContains(t, err, "shorter than")
	_, err = Read(good[:len(good)-3])
	require.ErrorContains(t, err, `"weight"`)
	bad := append([]byte(nil), good...)
	bad[0] = 0xff
	_, err = Read(bad)
	require.ErrorContains(t, err, "header length")
	bad = append([]byte(nil), good...)
	bad[9] = '!'
	_, err = Read(bad)
	require.ErrorContains(t, err, "not valid JSON")
}

func TestAtomicWriteKeepsOldFileOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keep.safetensors")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	err := WriteFile(path, []Tensor{{Name: "x", DType: F32, Shape: []int{1}, Data: []byte{0, 0, 0, 0}}, {Name: "x", DType: F32, Shape: []int{1}, Data: []byte{0, 0, 0, 0}}}, nil)
	require.ErrorContains(t, err, "duplicate")
	b, _ := os.ReadFile(path)
	require.Equal(t, "old", string(b))
	entries, _ := os.ReadDir(filepath.Dir(path))
	require.Len(t, entries, 1, "temporary file left behind")
}
