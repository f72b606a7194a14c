package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/stretchr/testify/require"
)

// decode undoes a variant's Content-Encoding.
func decode(t *testing.T, coding string, b []byte) string {
	t.Helper()
	var r io.Reader
	switch coding {
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		require.NoError(t, err)
		r = zr
	default:
		t.Fatalf("unknown coding %q", coding)
	}
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(out)
}

func TestPrecompressWritesTheVariantsWorthIt(t *testing.T) {
	dir := t.TempDir()
	text := strings.Repeat("function step(x) { return x + 1; }\n", 300)
	noise := make([]byte, 8<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	writeSite(t, dir, map[string]string{
		"index.html":                          "<html></html>", // under the minimum size
		"app.js":                              text,
		"models/default/model.safetensors":    text,
		"models/default/noise.safetensors":    string(noise), // incompressible
		"models/default/noise.safetensors.br": "left over from an earlier build",
		"pic.png":                             text, // not a type worth compressing
		".env.js":                             text, // hidden
		".git/big.js":                         text,
	})
	require.NoError(t, os.Symlink("app.js", filepath.Join(dir, "link.js")))

	code, out, errs := runCLI("precompress", "--dir", dir)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "app.js: 10500 bytes; app.js.br ")
	require.Contains(t, out, "models/default/noise.safetensors: 8192 bytes; no compressed copy (not worth it)")

	for _, name := range []string{"app.js", "models/default/model.safetensors"} {
		for _, e := range contentEncodings {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)+e.suffix))
			require.NoError(t, err, name)
			require.Equal(t, text, decode(t, e.coding, b), name+e.suffix)
		}
	}
	for _, name := range []string{"index.html", "models/default/noise.safetensors", "pic.png", ".env.js", ".git/big.js", "link.js"} {
		for _, e := range contentEncodings {
			_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)+e.suffix))
			require.ErrorIs(t, err, os.ErrNotExist, name+e.suffix)
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.Contains(e.Name(), ".tmp-"), "temporary file %s left behind", e.Name())
	}

	// The same site gives the same bytes (no names or times in the headers).
	first, err := os.ReadFile(filepath.Join(dir, "app.js.gz"))
	require.NoError(t, err)
	code, out, errs = runCLI("precompress", "--dir", dir, "--json")
	require.Equal(t, 0, code, errs)
	again, err := os.ReadFile(filepath.Join(dir, "app.js.gz"))
	require.NoError(t, err)
	require.Equal(t, first, again)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var res precompressed
		require.NoError(t, json.Unmarshal([]byte(line), &res), line)
		require.NotEmpty(t, res.File)
		if res.File == "app.js" {
			require.Equal(t, len(first), res.Variants["gzip"])
		}
	}
}

// What precompress writes, serve sends, and a client decodes to the file.
func TestServeSendsWhatPrecompressWrote(t *testing.T) {
	dir := t.TempDir()
	text := strings.Repeat("{\"weights\": [0.25, 0.5]}\n", 200)
	writeSite(t, dir, map[string]string{"models/default/config.json": text})
	code, _, errs := runCLI("precompress", "--dir", dir)
	require.Equal(t, 0, code, errs)
	srv := httptest.NewServer(siteHandler(dir))
	defer srv.Close()
	for _, e := range contentEncodings {
		resp, body := fetch(t, srv, http.MethodGet, "/models/default/config.json", map[string]string{"Accept-Encoding": e.coding})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, e.coding, resp.Header.Get("Content-Encoding"))
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.Less(t, len(body), len(text))
		require.Equal(t, text, decode(t, e.coding, []byte(body)))
	}
}

func TestPrecompressRefusesAMissingFolder(t *testing.T) {
	code, _, errs := runCLI("precompress", "--dir", filepath.Join(t.TempDir(), "nothing"))
	require.Equal(t, 1, code)
	require.Contains(t, errs, "is not a folder")
	require.Equal(t, 1, strings.Count(errs, "\n"), errs)
}
