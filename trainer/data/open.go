package data

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/core/text"
	"github.com/rdlm-go/rdlm/internal/userfile"
)

// Option adjusts how Open finds and reads a corpus.
type Option func(*options)

type options struct {
	cacheDir  string
	url       string
	client    *http.Client
	charVocab bool
	log       io.Writer
	text8     text8Spec
	pixelBase int    // image data: pixels.BaseDirect (0 too) or pixels.BaseSplit
	mnistDir  string // image data: the MNIST files' folder instead of the module cache
}

func (o *options) logf(format string, a ...any) {
	if o.log != nil {
		fmt.Fprintf(o.log, "data: "+format+"\n", a...)
	}
}

// WithCacheDir sets the folder that holds the text8 download
// (default os.UserCacheDir()/rdlm).
func WithCacheDir(dir string) Option { return func(o *options) { o.cacheDir = dir } }

// WithURL downloads text8.zip from a mirror instead of Text8URL. The copy is
// verified all the same.
func WithURL(url string) Option { return func(o *options) { o.url = url } }

// WithHTTPClient sets the client for the download (default http.DefaultClient).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithCharVocab makes a text file's vocabulary its own characters instead of
// normalising it to the text8 alphabet. It applies to plain text files only;
// text8 and shakespeare are text8 corpora.
func WithCharVocab() Option { return func(o *options) { o.charVocab = true } }

// WithLog reports what Open does that takes time (the download) to w.
func WithLog(w io.Writer) Option { return func(o *options) { o.log = w } }

// withText8Spec replaces what a text8 copy is checked against (tests only).
func withText8Spec(sp text8Spec) Option { return func(o *options) { o.text8 = sp } }

// Open resolves name, the value of a --data flag, to a split corpus:
// "shakespeare" (built in), "text8" (downloaded once into the cache), a path
// to a local "text8" or "text8.zip", or the path of any text file. See the
// package documentation for what each means.
func Open(name string, opts ...Option) (*Corpus, error) {
	cfg := options{url: Text8URL, text8: canonicalText8}
	for _, o := range opts {
		o(&cfg)
	}
	if (name == "shakespeare" || name == "text8") && cfg.charVocab {
		return nil, fmt.Errorf("data set %q has the text8 vocabulary; a character vocabulary applies to text files only", name)
	}
	if IsImageData(name) {
		if cfg.charVocab {
			return nil, fmt.Errorf("data set %q is images; a character vocabulary applies to text files only", name)
		}
		return openImages(name, &cfg)
	}
	if cfg.pixelBase != 0 && cfg.pixelBase != pixels.BaseDirect {
		return nil, fmt.Errorf("data set %q is text; a pixel base applies to image data only", name)
	}
	switch name {
	case "":
		return nil, errors.New("no data set named: give shakespeare, text8 or the path of a text file")
	case "shakespeare":
		return Shakespeare()
	case "text8":
		b, err := cachedText8(&cfg)
		if err != nil {
			return nil, err
		}
		return text8Corpus("text8", b)
	}

	if _, err := os.Stat(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data set %q: not shakespeare or text8, and no such file", name)
		}
		return nil, err
	}
	switch filepath.Base(name) {
	case "text8", "text8.zip":
		if cfg.charVocab {
			return nil, fmt.Errorf("%s is text8, which has the text8 vocabulary; a character vocabulary applies to other text files only", name)
		}
		b, err := readText8File(name, cfg.text8)
		if err != nil {
			return nil, err
		}
		return text8Corpus(name, b)
	}
	return openTextFile(name, cfg.charVocab)
}

// openTextFile reads any text file, normalised to text8 or with its own
// character vocabulary.
func openTextFile(path string, charVocab bool) (*Corpus, error) {
	b, err := userfile.Read(path, userfile.Text)
	if err != nil {
		return nil, err
	}
	return textCorpus(path, b, charVocab)
}

// textCorpus is openTextFile for the file's bytes b (which it may overwrite).
func textCorpus(path string, b []byte, charVocab bool) (*Corpus, error) {
	var err error
	var v *text.Vocab
	if charVocab {
		if v, err = CharVocab(path, b); err != nil {
			return nil, err
		}
	} else {
		v = text.Text8()
		b = []byte(text.NormalizeText8(string(b)))
		if len(b) == 0 || string(b) == " " {
			return nil, fmt.Errorf("%s holds no letters or digits: nothing is left after normalising it to the text8 alphabet", path)
		}
	}
	ids, err := encode(path, v, b)
	if err != nil {
		return nil, err
	}
	return newCorpus(path, v, ids)
}
