//go:build linux || darwin || freebsd

package gpu

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMissingLibraryIsAClearError: a wrong --webgpu-lib is an
// ErrUnavailable that names the path and says how to get a library, and
// is never replaced by a search elsewhere.
func TestMissingLibraryIsAClearError(t *testing.T) {
	_, err := Open(Options{Library: "/nonexistent/libwebgpu_dawn.so"})
	require.Error(t, err)
	require.True(t, errors.Is(err, ErrUnavailable))
	require.Contains(t, err.Error(), "/nonexistent/libwebgpu_dawn.so")
	require.Contains(t, err.Error(), "install.sh")
	require.Equal(t, []string{"/x.so"}, LibraryCandidates("/x.so"))
}
