package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServeGivesTheSiteItsTypes(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"index.html", "rdlm.wasm", "app.js", "style.css", "models/default/config.json", "models/default/model.safetensors"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
	}
	srv := httptest.NewServer(siteHandler(dir))
	defer srv.Close()
	cases := map[string]struct {
		status int
		ctype  string
	}{
		"/":                                 {200, "text/html; charset=utf-8"},
		"/rdlm.wasm":                        {200, "application/wasm"},
		"/app.js":                           {200, "text/javascript; charset=utf-8"},
		"/style.css":                        {200, "text/css; charset=utf-8"},
		"/models/default/config.json":       {200, "application/json"},
		"/models/default/model.safetensors": {200, "application/octet-stream"},
		"/models/":                          {404, ""}, // no listings
		"/missing.js":                       {404, ""},
		"/../../etc/passwd":                 {404, ""},
	}
	for url, want := range cases {
		resp, err := http.Get(srv.URL + url)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, want.status, resp.StatusCode, url)
		if want.ctype != "" {
			require.Equal(t, want.ctype, resp.Header.Get("Content-Type"), url)
		}
	}
	resp, err := http.Post(srv.URL+"/", "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestServeRefusesAFolderWithoutASite(t *testing.T) {
	var out strings.Builder
	code := run([]string{"serve", "--dir", t.TempDir()}, &out, &out)
	require.Equal(t, 1, code)
	require.Contains(t, out.String(), "make site")
}
