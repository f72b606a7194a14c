package userfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var tiny = Limit{"a test file", 8}

func TestReadWithinTheLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	for _, content := range []string{"", "12345678"} {
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		b, err := Read(p, tiny)
		require.NoError(t, err)
		require.Equal(t, content, string(b))
	}
}

func TestReadRefusesWhatIsNotASmallRegularFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(big, []byte("123456789"), 0o644))
	cases := []struct {
		name, path string
		is         error
		want       []string
	}{
		{"one byte over", big, ErrTooLarge, []string{big, "9 bytes", "a test file may hold at most 8 bytes"}},
		{"a folder", dir, ErrNotRegular, []string{"a folder"}},
		{"missing", filepath.Join(dir, "nope"), fs.ErrNotExist, []string{"nope"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(c.path, tiny)
			require.Error(t, err)
			require.True(t, errors.Is(err, c.is), "%v", err)
			for _, w := range c.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestLimitNamesItsSize(t *testing.T) {
	require.Equal(t, "a config file may hold at most 1 MiB", Config.String())
	require.Equal(t, "a safetensors file may hold at most 16 GiB", Tensors.String())
}
