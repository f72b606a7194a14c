//go:build unix

package userfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// A device and a named pipe have no size worth trusting: both are refused
// before a byte is read.
func TestReadRefusesDevicesAndPipes(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	// Opening a FIFO for reading blocks until it has a writer: keep one.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	require.NoError(t, err)
	defer w.Close()
	for path, want := range map[string]string{"/dev/zero": "a device", fifo: "a named pipe"} {
		_, err := Read(path, Config)
		require.True(t, errors.Is(err, ErrNotRegular), "%s: %v", path, err)
		require.Contains(t, err.Error(), want)
		require.Contains(t, err.Error(), path)
	}
}
