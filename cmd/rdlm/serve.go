package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "serve the static site (built by make site) for the browser, on this machine only by default",
		usage:   "[--addr 127.0.0.1:8080] [--dir out/site]",
		run:     runServe,
	})
}

// siteTypes are the MIME types the site needs, fixed here rather than taken
// from the system's table: a browser refuses to compile a .wasm served as
// anything but application/wasm, or to run a module script served as text.
// Any other file goes out as application/octet-stream (see siteType).
var siteTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".wasm":        "application/wasm",
	".safetensors": "application/octet-stream",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/plain; charset=utf-8",
}

// siteType is name's Content-Type. An unknown type is opaque bytes, never
// sniffed: sniffing would serve a stray file holding a script as a page.
func siteType(name string) string {
	if t, ok := siteTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// serveDirHelp also tells what a static host must do to serve the folder as
// rdlm serve does.
const serveDirHelp = "the built site folder (make site). Another host must send .wasm as application/wasm, " +
	"X-Content-Type-Options: nosniff, and FILE.br or FILE.gz in place of FILE where Accept-Encoding allows, " +
	"with its Content-Encoding, FILE's Content-Type and Vary: Accept-Encoding (nginx: gzip_static, brotli_static); " +
	"Cache-Control: public, max-age=31536000, immutable on the versioned files (NAME.HASH.EXT) and no-cache on the rest; " +
	"and, for the widget to embed from other origins, Access-Control-Allow-Origin: * on every file but the pages"

func runServe(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	dir := fs.String("dir", filepath.Join("out", "site"), serveDirHelp)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if st, err := os.Stat(filepath.Join(*dir, "index.html")); err != nil || st.IsDir() {
		return fmt.Errorf("%s has no index.html: build the site first (make site)", *dir)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// The first line is read by the browser tests to find a port-0 address.
	fmt.Fprintf(stdout, "serving %s on http://%s/\n", *dir, ln.Addr())
	srv := newSiteServer(*dir)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// newSiteServer is the server for dir, with limits on every phase of a
// connection so that no client (or a crowd of idle ones) holds one for long.
// Tests shorten them on the returned server.
func newSiteServer(dir string) *http.Server {
	return &http.Server{
		Handler:           siteHandler(dir),
		ReadHeaderTimeout: 10 * time.Second,
		// The site's requests are GETs without a body.
		ReadTimeout: 30 * time.Second,
		// The whole response: 5 MB (the wasm, a model) needs 200 s at 200 kbit/s.
		WriteTimeout: 5 * time.Minute,
		// A browser reopens a connection it needs; an idle one is only a cost.
		IdleTimeout: 60 * time.Second,
		// A browser's headers are a few KiB, even with a host's cookies.
		MaxHeaderBytes: 64 << 10,
	}
}

// siteHandler serves dir's regular files with siteTypes and no directory
// listings. A versioned file (see isVersioned) may be cached for a year
// without asking again; any other file is no-cache, so that a rebuilt site
// is seen at once (the page keeps its own content-addressed cache of model
// weights). Everything but the pages may be read from other origins (see
// corsHeaders). Anything it will not serve (a dotfile, a link out of dir, a
// folder) answers as a missing file does. Where the client accepts it, a
// precompressed variant of the file goes out in its place (see openVariant).
func siteHandler(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := siteFileName(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		// The folder is opened per request, not once, because make site
		// replaces it with a new one: a handle held from the start would keep
		// serving the deleted old site.
		root, err := os.OpenRoot(dir)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer root.Close()
		f, st, err := openRegular(root, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		h := w.Header()
		h.Set("Content-Type", siteType(name))
		if isVersioned(name) {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		if !strings.HasSuffix(strings.ToLower(name), ".html") {
			corsHeaders(h)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Vary", "Accept-Encoding")
		body := io.ReadSeeker(f)
		// A range is a range of the file's own bytes, so a ranged request
		// always gets the identity encoding.
		if r.Header.Get("Range") == "" {
			if v, coding, size := openVariant(root, name, st, r.Header.Get("Accept-Encoding")); v != nil {
				defer v.Close()
				w = &encodedResponse{ResponseWriter: w, coding: coding, size: size}
				body = v
			}
		}
		// The file's modification time stands for every encoding of it.
		http.ServeContent(w, r, name, st.ModTime(), body)
	})
}

// versionedName matches the file names site/build.sh gives the files it
// versions: NAME.HASH.EXT, HASH the first 16 hex digits of the file's
// sha256. A new build of such a file is a new name, so a browser may keep
// the old one as long as it likes.
var versionedName = regexp.MustCompile(`\.[0-9a-f]{16}\.[A-Za-z0-9]+$`)

// isVersioned tells a file whose name carries its content hash.
func isVersioned(name string) bool { return versionedName.MatchString(path.Base(name)) }

// corsHeaders let a page on another origin use the file: the widget's
// module and the engine it starts (its worker script, wasm_exec.js, the
// wasm) and the models, so that a docs site can embed the generator from
// this host. The site's files are public and carry no credentials, so any
// origin may read them. Cross-Origin-Resource-Policy lets pages that
// require it (Cross-Origin-Embedder-Policy: require-corp) load them too.
func corsHeaders(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
}

// siteFileName maps a request path to a file name inside the site folder,
// or reports false for a path that names a hidden file or folder: a site's
// dotfiles (.env, .git/) are never part of it.
func siteFileName(urlPath string) (string, bool) {
	name := path.Clean("/" + urlPath)
	if strings.HasSuffix(urlPath, "/") {
		name = path.Join(name, "index.html")
	}
	name = strings.TrimPrefix(name, "/")
	for _, part := range strings.Split(name, "/") {
		if isHidden(part) {
			return "", false
		}
	}
	return name, true
}

// isHidden tells a dotfile's or dot-folder's name, which serve never sends
// and precompress never touches.
func isHidden(name string) bool { return strings.HasPrefix(name, ".") }

var errNotRegular = errors.New("not a regular file")

// openRegular opens name under root if it is a regular file. Root refuses
// any name or symbolic link that leads outside it (and absolute links).
// The Stat comes first because opening a named pipe would block.
func openRegular(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	st, err := root.Stat(name)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, errNotRegular
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	if st, err = f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, errNotRegular
	}
	return f, st, nil
}

// openVariant opens the most preferred of name's precompressed variants
// (contentEncodings) that accept allows, returning it with its coding and
// size, or nil when there is none. A variant older than the file itself is
// left out: it was made from an earlier version.
func openVariant(root *os.Root, name string, file fs.FileInfo, accept string) (*os.File, string, int64) {
	for _, e := range contentEncodings {
		if !acceptsEncoding(accept, e.coding) {
			continue
		}
		f, st, err := openRegular(root, name+e.suffix)
		if err != nil {
			continue
		}
		if st.ModTime().Before(file.ModTime()) {
			f.Close()
			continue
		}
		return f, e.coding, st.Size()
	}
	return nil, "", 0
}

// acceptsEncoding reports whether an Accept-Encoding header allows coding:
// named with a nonzero q, or covered by a nonzero "*" when not named.
func acceptsEncoding(accept, coding string) bool {
	star := false
	for _, item := range strings.Split(accept, ",") {
		token, params, _ := strings.Cut(item, ";")
		token = strings.TrimSpace(token)
		switch {
		case strings.EqualFold(token, coding):
			return qualityNonzero(params)
		case token == "*":
			star = qualityNonzero(params)
		}
	}
	return star
}

// qualityNonzero reads a q parameter ("q=0.5"; absent means 1). A malformed
// one counts as zero: the client's wish is unclear, and identity always works.
func qualityNonzero(params string) bool {
	for _, p := range strings.Split(params, ";") {
		key, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(key), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			return err == nil && q > 0
		}
	}
	return true
}

// encodedResponse labels a 200 response as carrying a precompressed variant.
// ServeContent leaves out Content-Length once it sees a Content-Encoding, and
// its other answers (304, 412) must carry neither, so both are set here, on
// the 200 alone.
type encodedResponse struct {
	http.ResponseWriter
	coding string
	size   int64
}

func (w *encodedResponse) WriteHeader(code int) {
	if code == http.StatusOK {
		w.Header().Set("Content-Encoding", w.coding)
		w.Header().Set("Content-Length", strconv.FormatInt(w.size, 10))
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *encodedResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }
