package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// writeSite writes files (slash-separated name -> content) under dir.
func writeSite(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// fetch sends one request to srv with the given headers and returns the
// response with its body read. It never asks for or decodes compression
// itself, so that the test sees exactly what the server sent.
func fetch(t *testing.T, srv *httptest.Server, method, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestServeGivesTheSiteItsTypes(t *testing.T) {
	dir := t.TempDir()
	writeSite(t, dir, map[string]string{
		"index.html": "x", "rdlm.wasm": "x", "app.js": "x", "style.css": "x",
		"models/default/config.json": "x", "models/default/model.safetensors": "x",
	})
	srv := httptest.NewServer(siteHandler(dir))
	defer srv.Close()
	cases := map[string]struct {
		status int
		ctype  string
	}{
		"/":                                 {200, "text/html; charset=utf-8"},
		"/index.html":                       {200, "text/html; charset=utf-8"},
		"/rdlm.wasm":                        {200, "application/wasm"},
		"/app.js":                           {200, "text/javascript; charset=utf-8"},
		"/style.css":                        {200, "text/css; charset=utf-8"},
		"/models/default/config.json":       {200, "application/json"},
		"/models/default/model.safetensors": {200, "application/octet-stream"},
		"/models/":                          {404, ""}, // no listings
		"/models":                           {404, ""},
		"/missing.js":                       {404, ""},
		"/../../etc/passwd":                 {404, ""},
	}
	for url, want := range cases {
		resp, _ := fetch(t, srv, http.MethodGet, url, nil)
		require.Equal(t, want.status, resp.StatusCode, url)
		if want.ctype != "" {
			require.Equal(t, want.ctype, resp.Header.Get("Content-Type"), url)
			require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"), url)
		}
	}
	resp, err := http.Post(srv.URL+"/", "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

// Versioned files (NAME.HASH.EXT, as site/build.sh names them) are cached
// for good, everything else is revalidated; every file but the pages may be
// read from another origin, so that the widget embeds anywhere.
func TestServeCachesVersionedFilesAndAllowsOtherOrigins(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("wasm bytes ", 500)
	writeSite(t, dir, map[string]string{
		"index.html": "x", "docs.html": "x", "rdlm-widget.js": "x", "app.0123456789abcdef.js": "x",
		"rdlm.0123456789abcdef.wasm": big, "app.0123456789ABCDEF.js": "x", "app.0123456789abcde.js": "x",
		"models/default/config.json": "x", "models/default/model.safetensors": "x",
	})
	require.NoError(t, precompressSite(dir, io.Discard, false))
	srv := httptest.NewServer(siteHandler(dir))
	defer srv.Close()
	const forever = "public, max-age=31536000, immutable"
	cases := []struct {
		url, accept, cache string
		cors               bool
	}{
		{"/", "", "no-cache", false},
		{"/docs.html", "", "no-cache", false},
		{"/rdlm-widget.js", "", "no-cache", true},
		{"/app.0123456789abcdef.js", "", forever, true},
		{"/rdlm.0123456789abcdef.wasm", "", forever, true},
		{"/rdlm.0123456789abcdef.wasm", "br", forever, true}, // the variant keeps the file's headers
		{"/app.0123456789ABCDEF.js", "", "no-cache", true},   // not how build.sh writes a hash
		{"/app.0123456789abcde.js", "", "no-cache", true},    // too short
		{"/models/default/config.json", "", "no-cache", true},
		{"/models/default/model.safetensors", "", "no-cache", true},
	}
	for _, c := range cases {
		resp, _ := fetch(t, srv, http.MethodGet, c.url, map[string]string{"Accept-Encoding": c.accept})
		require.Equal(t, http.StatusOK, resp.StatusCode, c.url)
		require.Equal(t, c.cache, resp.Header.Get("Cache-Control"), c.url)
		if c.cors {
			require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"), c.url)
			require.Equal(t, "cross-origin", resp.Header.Get("Cross-Origin-Resource-Policy"), c.url)
		} else {
			require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), c.url)
		}
		if c.accept == "br" {
			require.Equal(t, "br", resp.Header.Get("Content-Encoding"), c.url)
		}
	}
}

// Links out of the folder and dotfiles answer exactly as a missing file
// does, so that a client learns nothing about what lies behind them.
func TestServeStaysInsideTheSite(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "site")
	writeSite(t, dir, map[string]string{
		"index.html": "x", "app.js": "app", ".env": "TOKEN=1", ".git/config": "[core]",
		"models/.cache/x.json": "{}",
	})
	writeSite(t, base, map[string]string{"outside/secret.txt": "secret"})
	for link, target := range map[string]string{
		"etc":        "/etc",                   // absolute, outside
		"up":         "../outside",             // relative, outside
		"secret.txt": "../outside/secret.txt",  // a file outside
		"abs.js":     filepath.Join(dir, ".."), // absolute, outside
		"alias.js":   "app.js",                 // inside: served
	} {
		require.NoError(t, os.Symlink(target, filepath.Join(dir, link)))
	}
	// Opening a named pipe would wait for a writer.
	pipe := filepath.Join(dir, "pipe.js")
	require.NoError(t, syscall.Mkfifo(pipe, 0o644))
	srv := httptest.NewServer(siteHandler(dir))
	t.Cleanup(srv.Close)
	// Should the server wait on the pipe, this writer frees it before Close
	// (cleanups run last first), so that the test fails instead of hanging.
	t.Cleanup(func() {
		if w, err := os.OpenFile(pipe, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	})
	missing, missingBody := fetch(t, srv, http.MethodGet, "/missing", nil)
	require.Equal(t, http.StatusNotFound, missing.StatusCode)
	for _, url := range []string{
		"/etc/passwd", "/etc/", "/up/secret.txt", "/secret.txt", "/abs.js/outside/secret.txt",
		"/pipe.js", "/.env", "/.git/config", "/%2egit/config", "/models/.cache/x.json", "/.git/", "/a/../.env",
	} {
		resp, body := fetch(t, srv, http.MethodGet, url, nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, url)
		require.Equal(t, missingBody, body, url)
		require.Equal(t, missing.Header.Get("Content-Type"), resp.Header.Get("Content-Type"), url)
	}
	resp, body := fetch(t, srv, http.MethodGet, "/alias.js", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "app", body)
}

// A type outside siteTypes goes out as opaque bytes: sniffed, a file
// holding a script would be run as a page.
func TestServeNeverSniffs(t *testing.T) {
	dir := t.TempDir()
	writeSite(t, dir, map[string]string{"page.unknownext": "<script>alert(1)</script>", "noext": "<html><script>x</script>"})
	srv := httptest.NewServer(siteHandler(dir))
	defer srv.Close()
	for _, url := range []string{"/page.unknownext", "/noext"} {
		resp, _ := fetch(t, srv, http.MethodGet, url, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, url)
		require.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"), url)
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), url)
	}
}

// The server runServe starts bounds every phase of a connection.
func TestServeLimitsEveryConnection(t *testing.T) {
	srv := newSiteServer(t.TempDir())
	require.Positive(t, srv.ReadHeaderTimeout)
	require.Positive(t, srv.ReadTimeout)
	require.Positive(t, srv.IdleTimeout)
	require.Positive(t, srv.MaxHeaderBytes)
	require.Less(t, srv.MaxHeaderBytes, http.DefaultMaxHeaderBytes)
	// 5 MB (the wasm and a model) at 200 kbit/s takes 200 s.
	require.GreaterOrEqual(t, srv.WriteTimeout, 200*time.Second)
}

// closedWithin reports whether the server closes c within d.
func closedWithin(t *testing.T, r *bufio.Reader, c net.Conn, d time.Duration) bool {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(d)))
	_, err := r.ReadByte()
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	require.ErrorIs(t, err, io.EOF)
	return true
}

func TestServeClosesIdleAndStalledConnections(t *testing.T) {
	dir := t.TempDir()
	writeSite(t, dir, map[string]string{"index.html": "x"})
	srv := newSiteServer(dir)
	srv.ReadHeaderTimeout, srv.IdleTimeout = 200*time.Millisecond, 200*time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(ln)
	defer srv.Close()
	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}

	// A keep-alive connection after its request.
	c, r := dial()
	_, err = fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(r, nil)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, closedWithin(t, r, c, 5*time.Second), "an idle keep-alive connection stays open")

	// A connection that stops halfway through its headers.
	c, r = dial()
	_, err = fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n")
	require.NoError(t, err)
	require.True(t, closedWithin(t, r, c, 5*time.Second), "a stalled request keeps its connection")

	// Headers over the limit are refused.
	c, r = dial()
	_, err = fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", http.DefaultMaxHeaderBytes/4))
	require.NoError(t, err)
	resp, err = http.ReadResponse(r, nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

func TestServePrecompressedVariants(t *testing.T) {
	dir := t.TempDir()
	// serve only picks files; these stand in for real compressed bytes.
	files := map[string]string{
		"app.js": "identity bytes", "app.js.br": "br bytes", "app.js.gz": "gzip bytes!",
		"rdlm.wasm": "wasm", "rdlm.wasm.gz": "wasm gz",
		"stale.json": "new", "stale.json.br": "old",
	}
	writeSite(t, dir, files)
	// A variant as old as its file is fresh; stale.json.br was made before.
	built := time.Now().Add(-time.Minute)
	for name := range files {
		when := built
		if name == "stale.json.br" {
			when = built.Add(-time.Hour)
		}
		require.NoError(t, os.Chtimes(filepath.Join(dir, name), when, when))
	}
	srv := httptest.NewServer(siteHandler(dir))
	defer srv.Close()
	cases := []struct {
		url, accept, rangeHdr string
		status                int
		encoding, body, ctype string
	}{
		{"/app.js", "gzip, deflate, br, zstd", "", 200, "br", "br bytes", "text/javascript; charset=utf-8"},
		{"/app.js", "gzip", "", 200, "gzip", "gzip bytes!", "text/javascript; charset=utf-8"},
		{"/app.js", "br;q=0, gzip;q=0.5", "", 200, "gzip", "gzip bytes!", "text/javascript; charset=utf-8"},
		{"/app.js", "BR ; q=1.0", "", 200, "br", "br bytes", "text/javascript; charset=utf-8"},
		{"/app.js", "*", "", 200, "br", "br bytes", "text/javascript; charset=utf-8"},
		{"/app.js", "*;q=0, gzip", "", 200, "gzip", "gzip bytes!", "text/javascript; charset=utf-8"},
		{"/app.js", "", "", 200, "", "identity bytes", "text/javascript; charset=utf-8"},
		{"/app.js", "identity", "", 200, "", "identity bytes", "text/javascript; charset=utf-8"},
		{"/app.js", "brotli, gzipx", "", 200, "", "identity bytes", "text/javascript; charset=utf-8"},
		// A range is a range of the identity bytes, never of a variant.
		{"/app.js", "br, gzip", "bytes=0-7", 206, "", "identity", "text/javascript; charset=utf-8"},
		{"/rdlm.wasm", "br, gzip", "", 200, "gzip", "wasm gz", "application/wasm"},
		// A variant older than its file is out of date.
		{"/stale.json", "br", "", 200, "", "new", "application/json"},
		// A variant asked for by name is just a file.
		{"/app.js.br", "br", "", 200, "", "br bytes", "application/octet-stream"},
	}
	for _, c := range cases {
		what := fmt.Sprintf("%s (Accept-Encoding %q, Range %q)", c.url, c.accept, c.rangeHdr)
		h := map[string]string{"Accept-Encoding": c.accept}
		if c.rangeHdr != "" {
			h["Range"] = c.rangeHdr
		}
		resp, body := fetch(t, srv, http.MethodGet, c.url, h)
		require.Equal(t, c.status, resp.StatusCode, what)
		require.Equal(t, c.encoding, resp.Header.Get("Content-Encoding"), what)
		require.Equal(t, c.body, body, what)
		require.Equal(t, fmt.Sprint(len(c.body)), resp.Header.Get("Content-Length"), what)
		require.Equal(t, c.ctype, resp.Header.Get("Content-Type"), what)
		require.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"), what)
	}

	resp, body := fetch(t, srv, http.MethodHead, "/app.js", map[string]string{"Accept-Encoding": "br"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "br", resp.Header.Get("Content-Encoding"))
	require.Equal(t, fmt.Sprint(len("br bytes")), resp.Header.Get("Content-Length"))
	require.Empty(t, body)

	// A revalidation answers 304 with neither the variant's encoding nor its length.
	h := map[string]string{"Accept-Encoding": "br", "If-Modified-Since": resp.Header.Get("Last-Modified")}
	resp, body = fetch(t, srv, http.MethodGet, "/app.js", h)
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.Empty(t, body)
	h = map[string]string{"Accept-Encoding": "br", "If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
	resp, _ = fetch(t, srv, http.MethodGet, "/app.js", h)
	require.Equal(t, http.StatusPreconditionFailed, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Content-Encoding"))
}

func TestServeRefusesAFolderWithoutASite(t *testing.T) {
	var out strings.Builder
	code := run([]string{"serve", "--dir", t.TempDir()}, &out, &out)
	require.Equal(t, 1, code)
	require.Contains(t, out.String(), "make site")
}
