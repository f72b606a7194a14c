package refdata

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

// The embedded files are the ones testdata/README.md describes, byte for byte.
func TestFilesAreTheRecordedOnes(t *testing.T) {
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	require.Equal(t, "c09e888e2ce83be28e5a579a19ab15c6ebe7856e98641be013d0889133d4c164", sum(DiTTinyState()))
	require.Equal(t, "e13e4d7fde69faff5eb2bc420f4f0a22f853bd3da99104a30a91e3eac53f8d94", sum(TablesK27()))
	orig, err := TinyShakespeare()
	require.NoError(t, err)
	require.Equal(t, "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", sum(orig))
	require.Len(t, orig, 1115394)
}
