package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/internal/userfile"
)

// defaultCacheDir is os.UserCacheDir()/rdlm.
func defaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the text8 download (choose one with WithCacheDir): %w", err)
	}
	return filepath.Join(d, "rdlm"), nil
}

// cachedText8 returns verified text8 bytes from cacheDir/text8.zip, first
// downloading the archive from url when the cache does not hold it. The
// download is verified in memory (31 MB) before it is written, atomically, so
// the cache holds either nothing or a good copy.
func cachedText8(cfg *options) ([]byte, error) {
	dir := cfg.cacheDir
	if dir == "" {
		d, err := defaultCacheDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	path := filepath.Join(dir, "text8.zip")
	z, err := userfile.Read(path, userfile.Archive)
	switch {
	case err == nil:
		b, err := unzipText8(path, z, cfg.text8)
		if err != nil {
			// Not deleted here: it is the user's disk, and the message says
			// what to do.
			return nil, fmt.Errorf("cached text8 is damaged (delete %s to download it again): %w", path, err)
		}
		return b, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}

	cfg.logf("downloading text8 from %s to %s", cfg.url, path)
	z, err = download(cfg.client, cfg.url, int64(cfg.text8.size)+1<<20)
	if err != nil {
		return nil, fmt.Errorf("text8: %w (or give the path of a local text8 or text8.zip)", err)
	}
	b, err := unzipText8(cfg.url, z, cfg.text8)
	if err != nil {
		return nil, fmt.Errorf("downloaded text8 is not valid, nothing was cached: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteBytes(path, z); err != nil {
		return nil, fmt.Errorf("caching text8: %w", err)
	}
	cfg.logf("cached %s (%d bytes)", path, len(z))
	return b, nil
}

// download fetches url into memory, refusing a body over limit bytes. A body
// shorter than its Content-Length is an error (net/http reports it as an
// unexpected EOF), and so is any status but 200.
func download(client *http.Client, url string, limit int64) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("GET %s: %d bytes is more than a text8 archive can be (%d)", url, resp.ContentLength, limit)
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(resp.ContentLength, 0)))
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		return nil, fmt.Errorf("GET %s: reading the body: %w", url, err)
	}
	b := buf.Bytes()
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("GET %s: more than %d bytes, more than a text8 archive can be", url, limit)
	}
	if resp.ContentLength >= 0 && int64(len(b)) != resp.ContentLength {
		return nil, fmt.Errorf("GET %s: got %d of %d bytes", url, len(b), resp.ContentLength)
	}
	return b, nil
}
