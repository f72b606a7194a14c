package data

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// serveZip serves body at /text8.zip, counting requests. lie, when set, is the
// Content-Length announced (to simulate a connection cut mid-body).
func serveZip(t *testing.T, body []byte, lie int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/text8.zip" {
			http.NotFound(w, r)
			return
		}
		n := len(body)
		if lie > 0 {
			n = lie
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestText8DownloadsOnceThenUsesCache(t *testing.T) {
	content, sp := fakeText8(t, 5000)
	z := zipText8(t, "text8", content)
	srv, hits := serveZip(t, z, 0)
	cache := filepath.Join(t.TempDir(), "not", "yet", "made")
	opts := []Option{WithCacheDir(cache), WithURL(srv.URL + "/text8.zip"), withText8Spec(sp)}

	c, err := Open("text8", opts...)
	require.NoError(t, err)
	require.Equal(t, 4500, c.Train.Len())
	require.EqualValues(t, 1, hits.Load())
	cached, err := os.ReadFile(filepath.Join(cache, "text8.zip"))
	require.NoError(t, err)
	require.Equal(t, z, cached)

	srv.Close() // the second open must not need the network
	c2, err := Open("text8", opts...)
	require.NoError(t, err)
	require.Equal(t, c.Train.Tokens(), c2.Train.Tokens())
	require.EqualValues(t, 1, hits.Load())
}

// A failed or bad download is an error and leaves the cache without a file.
func TestText8BadDownloadCachesNothing(t *testing.T) {
	content, sp := fakeText8(t, 5000)
	z := zipText8(t, "text8", content)
	other := append([]byte(nil), content...)
	other[2000] ^= 1

	cases := map[string]struct {
		body []byte
		lie  int
		path string
		want string
	}{
		"cut connection": {z, len(z) + 100, "/text8.zip", "unexpected EOF"},
		"truncated zip":  {z[:len(z)-200], 0, "/text8.zip", "not a readable zip archive"},
		"wrong content":  {zipText8(t, "text8", other), 0, "/text8.zip", "sha256"},
		"not found":      {z, 0, "/missing.zip", "404"},
	}
	for name, tc := range cases {
		srv, _ := serveZip(t, tc.body, tc.lie)
		cache := t.TempDir()
		url := srv.URL + tc.path
		_, err := Open("text8", WithCacheDir(cache), WithURL(url), withText8Spec(sp))
		require.ErrorContains(t, err, tc.want, name)
		require.ErrorContains(t, err, url, name)
		left, err := os.ReadDir(cache)
		require.NoError(t, err)
		require.Empty(t, left, name)
	}
}

// A damaged cache is an error naming the file, which is left as it was.
func TestText8DamagedCacheIsReported(t *testing.T) {
	content, sp := fakeText8(t, 5000)
	z := zipText8(t, "text8", content)
	cache := t.TempDir()
	path := filepath.Join(cache, "text8.zip")
	damaged := z[:len(z)/3]
	require.NoError(t, os.WriteFile(path, damaged, 0o644))
	srv, hits := serveZip(t, z, 0)

	_, err := Open("text8", WithCacheDir(cache), WithURL(srv.URL+"/text8.zip"), withText8Spec(sp))
	require.ErrorContains(t, err, "delete "+path)
	require.EqualValues(t, 0, hits.Load())
	still, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, damaged, still)
}

func TestDownloadRefusesOversizedBody(t *testing.T) {
	srv, _ := serveZip(t, make([]byte, 1000), 0)
	_, err := download(nil, srv.URL+"/text8.zip", 999)
	require.ErrorContains(t, err, "1000 bytes is more than")
}

// Without WithCacheDir the archive goes to os.UserCacheDir()/rdlm, and
// WithLog says where.
func TestText8DefaultCacheDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home) // what os.UserCacheDir reads on Linux
	t.Setenv("HOME", home)           // and on macOS
	content, sp := fakeText8(t, 5000)
	srv, _ := serveZip(t, zipText8(t, "text8", content), 0)
	var log strings.Builder
	_, err := Open("text8", WithURL(srv.URL+"/text8.zip"), withText8Spec(sp), WithLog(&log))
	require.NoError(t, err)
	dir, err := os.UserCacheDir()
	require.NoError(t, err)
	want := filepath.Join(dir, "rdlm", "text8.zip")
	require.FileExists(t, want)
	require.Contains(t, log.String(), "downloading text8 from "+srv.URL+"/text8.zip to "+want)
}
