package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
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

func runServe(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	dir := fs.String("dir", filepath.Join("out", "site"), "the built site folder")
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
	srv := &http.Server{Handler: siteHandler(*dir), ReadHeaderTimeout: 10 * time.Second}
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

// siteHandler serves dir's files with siteTypes, no directory listings, and
// no-cache so that a rebuilt site is seen at once (the page keeps its own
// content-addressed cache of model weights).
func siteHandler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") {
			name = path.Join(name, "index.html")
		}
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		if t, ok := siteTypes[strings.ToLower(path.Ext(name))]; ok {
			w.Header().Set("Content-Type", t)
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
