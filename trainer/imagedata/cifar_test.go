package imagedata

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// cifarRecords writes records in the official layout: label, then the red,
// green and blue planes. Pixel (y, x) of image i has red i+y, green x, blue
// 255-x, so that a plane mix-up shows.
func cifarRecords(n int) []byte {
	b := make([]byte, 0, n*cifarRecord)
	for i := 0; i < n; i++ {
		b = append(b, byte(i%10))
		for ch := 0; ch < 3; ch++ {
			for y := 0; y < cifarSide; y++ {
				for x := 0; x < cifarSide; x++ {
					v := [3]int{i + y, x, 255 - x}[ch]
					b = append(b, byte(v))
				}
			}
		}
	}
	return b
}

func TestCIFARReadsTheOfficialFormatInterleaved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data_batch_1.bin")
	require.NoError(t, os.WriteFile(path, cifarRecords(3), 0o644))
	im, err := ReadCIFARBatchFile(path)
	require.NoError(t, err)
	require.Equal(t, 3, im.Len())
	require.Equal(t, []uint8{0, 1, 2}, im.Labels)
	require.Equal(t, 32*32*3, im.Values())
	img := im.Pixels(2)
	y, x := 5, 7
	px := img[(y*32+x)*3 : (y*32+x)*3+3]
	require.Equal(t, []uint8{2 + 5, 7, 255 - 7}, px, "pixel (5,7) of image 2 as R, G, B")
}

func TestCIFARRejectsATruncatedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data_batch_1.bin")
	b := cifarRecords(2)
	require.NoError(t, os.WriteFile(path, b[:len(b)-100], 0o644))
	_, err := ReadCIFARBatchFile(path)
	require.ErrorContains(t, err, "not a whole number of 3073-byte records")
	require.ErrorContains(t, err, path)
}

func TestCIFARFolderNeedsFullBatches(t *testing.T) {
	dir := t.TempDir()
	for _, name := range append(append([]string(nil), cifarTrainFiles...), cifarTestFile) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), cifarRecords(2), 0o644))
	}
	_, _, err := LoadCIFAR10(dir)
	require.ErrorContains(t, err, "data_batch_1.bin")
	require.ErrorContains(t, err, "truncated")
}

func TestCIFARArchiveChecksumIsChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), cifarArchiveName)
	require.NoError(t, os.WriteFile(path, []byte("not the archive"), 0o644))
	_, _, err := LoadCIFAR10(path)
	require.ErrorContains(t, err, "truncated download")
}

func TestCIFARRejectsBadLabels(t *testing.T) {
	b := cifarRecords(1)
	b[0] = 10
	_, err := ParseCIFARBatch("x.bin", b)
	require.ErrorContains(t, err, "label 10")
}
