// Package userfile reads the files a user names (in a flag, a config, a run
// folder) through a size limit. os.ReadFile trusts its input: given
// /dev/zero, a named pipe or a mistaken 50 GB file it reads until memory
// runs out. Every reader of a user's file goes through here instead, so that
// such a request ends in a one-line error naming the file and the limit.
package userfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Limit is the most a kind of file may hold, with the name its error uses.
type Limit struct {
	What  string // the kind of file, as a message says it: "a config file"
	Bytes int64
}

// The limits of the project's files, each far beyond any legitimate one.
var (
	// Config is a JSON settings file: config.json, train --config, init --config.
	Config = Limit{"a config file", 1 << 20}
	// State is a trainer.json or a checkpoint manifest; the adaptive time
	// statistics make it a few hundred kilobytes at most.
	State = Limit{"a trainer state file", 64 << 20}
	// Metrics is a run's metrics.jsonl (one short line per logged step).
	Metrics = Limit{"a metrics file", 1 << 30}
	// Text is a training text file, read whole and turned into token ids
	// (text8, the largest corpus here, is 100 MB).
	Text = Limit{"a text data file", 1 << 30}
	// Vocab is a WordPiece vocab.txt (bert-base-uncased's is 232 KB).
	Vocab = Limit{"a vocabulary file", 16 << 20}
	// Tensors is a safetensors file: weights, optimiser state, tables
	// caches, forward's input. The published text8 model is 370 MB in f32
	// and its optimiser state three times that.
	Tensors = Limit{"a safetensors file", 16 << 30}
	// Archive is a downloaded data archive or batch file (CIFAR-10's
	// archive is 170 MB, text8.zip 31 MB, MNIST's files 10 MB each).
	Archive = Limit{"a data archive", 1 << 30}
	// Samples is a file of texts to judge (rdlm score), one per line.
	Samples = Limit{"a file of texts", 64 << 20}
)

// ErrTooLarge and ErrNotRegular are wrapped by the errors of Open and Read.
var (
	ErrTooLarge   = errors.New("file too large")
	ErrNotRegular = errors.New("not a regular file")
)

func (l Limit) String() string { return fmt.Sprintf("%s may hold at most %s", l.What, size(l.Bytes)) }

// size writes a byte count the way the limits are chosen: in binary units.
func size(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// Open opens path for reading when it is a regular file of at most
// lim.Bytes, and returns its size. Devices, pipes, sockets and folders are
// refused: their size says nothing about what reading them yields.
func Open(path string, lim Limit) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err // *fs.PathError: already names the path
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %w (%s): refusing to read it", path, ErrNotRegular, kind(st.Mode()))
	}
	if st.Size() > lim.Bytes {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %w: %d bytes, and %s", path, ErrTooLarge, st.Size(), lim)
	}
	return f, st.Size(), nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// Read returns the content of path when it is a regular file of at most
// lim.Bytes. A file that grows past the limit while it is read is refused
// too: the limit holds for what is read, not only for what Stat said.
func Read(path string, lim Limit) ([]byte, error) {
	f, n, err := Open(path, lim)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 0, n+1) // +1: the read that sees EOF needs no regrowth
	b, err = readAll(f, b, lim.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > lim.Bytes {
		return nil, fmt.Errorf("%s: %w: grew past %d bytes while read, and %s", path, ErrTooLarge, lim.Bytes, lim)
	}
	return b, nil
}

// ReadStream reads r (standard input, say; name is what errors call it) up
// to lim.Bytes, refusing more.
func ReadStream(r io.Reader, name string, lim Limit) ([]byte, error) {
	b, err := readAll(r, nil, lim.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(b)) > lim.Bytes {
		return nil, fmt.Errorf("%s: %w: more than %d bytes, and %s", name, ErrTooLarge, lim.Bytes, lim)
	}
	return b, nil
}

// readAll appends r to b, stopping one byte past limit.
func readAll(r io.Reader, b []byte, limit int64) ([]byte, error) {
	lr := io.LimitReader(r, limit+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
