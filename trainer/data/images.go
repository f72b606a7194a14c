package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/core/text"
	"github.com/rdlm-go/rdlm/trainer/imagedata"
)

// The image data set names Open knows.
const (
	MNIST   = "mnist"   // 28x28 grey, from the GoMNIST module's files
	MNIST14 = "mnist14" // the same, averaged to 14x14: 196 positions, trainable on a small CPU
	CIFAR10 = "cifar10" // 32x32 colour, downloaded once into the cache
)

// WithPixelBase writes image values in base 16 (pixels.BaseSplit: two
// digits per value, dimension splitting) instead of the direct 256
// categories. 0 and 256 are the direct form. It applies to image data only.
func WithPixelBase(base int) Option { return func(o *options) { o.pixelBase = base } }

// WithMNISTDir reads the four MNIST .gz files from dir instead of the
// module cache.
func WithMNISTDir(dir string) Option { return func(o *options) { o.mnistDir = dir } }

// PixelVocab is the vocabulary of image values in the given base: "pixel256",
// whose characters are the 256 braille patterns U+2800..U+28FF (one per
// level, so that a sequence still prints), or "pixel16", the hex digits.
func PixelVocab(base int) (*text.Vocab, error) {
	switch base {
	case pixels.BaseDirect:
		chars := make([]rune, 256)
		for i := range chars {
			chars[i] = rune(0x2800 + i)
		}
		return text.NewVocab("pixel256", string(chars))
	case pixels.BaseSplit:
		return text.NewVocab("pixel16", "0123456789abcdef")
	}
	return nil, fmt.Errorf("pixel base %d: must be %d (direct) or %d (two digits per value)", base, pixels.BaseDirect, pixels.BaseSplit)
}

// IsImageData says whether Open reads name as images: a known image
// name, a folder holding MNIST or CIFAR-10 files, or the CIFAR-10 archive.
func IsImageData(name string) bool {
	switch name {
	case MNIST, MNIST14, CIFAR10:
		return true
	}
	if filepath.Base(name) == "cifar-10-binary.tar.gz" {
		return true
	}
	for _, f := range []string{"train-images-idx3-ubyte.gz", "data_batch_1.bin"} {
		if _, err := os.Stat(filepath.Join(name, f)); err == nil {
			return true
		}
	}
	return false
}

// openImages loads an image data set and writes it as a corpus: train and
// test are the data set's own; valid is the last 5,000 training images (a
// tenth of a smaller set): MNIST 55,000 / 5,000 / 10,000, CIFAR-10
// 45,000 / 5,000 / 10,000.
func openImages(name string, cfg *options) (*Corpus, error) {
	base := cfg.pixelBase
	if base == 0 {
		base = pixels.BaseDirect
	}
	v, err := PixelVocab(base)
	if err != nil {
		return nil, err
	}
	train, test, err := loadImages(name, cfg)
	if err != nil {
		return nil, err
	}
	nValid := min(5000, train.Len()/10)
	if nValid == 0 || test.Len() == 0 {
		return nil, fmt.Errorf("%s: %d training and %d test images are too few to split", name, train.Len(), test.Len())
	}
	lay, err := pixels.NewLayout(train.Image, base)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	cut := train.Len() - nValid
	c := &Corpus{Name: name, Vocab: v, Image: &lay}
	for _, part := range []struct {
		split *Split
		name  string
		pix   []uint8
	}{{&c.Train, "train", train.Slice(0, cut).Pix}, {&c.Valid, "valid", train.Slice(cut, train.Len()).Pix}, {&c.Test, "test", test.Pix}} {
		// A fresh slice even in the direct form: the corpus must not alias
		// the loader's buffers.
		ids := make([]uint8, len(part.pix)*lay.Digits)
		if err := lay.Encode(ids, part.pix); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		*part.split = Split{Name: part.name, ids: ids}
	}
	return c, nil
}

func loadImages(name string, cfg *options) (train, test *imagedata.Images, err error) {
	switch name {
	case MNIST, MNIST14:
		dir := cfg.mnistDir
		if dir == "" {
			if dir, err = imagedata.MNISTModuleDir(); err != nil {
				return nil, nil, err
			}
		}
		if train, test, err = imagedata.LoadMNIST(dir); err != nil {
			return nil, nil, err
		}
		if name == MNIST14 {
			if train, err = train.Downscale(2); err != nil {
				return nil, nil, err
			}
			test, err = test.Downscale(2)
		}
		return train, test, err
	case CIFAR10:
		dir := cfg.cacheDir
		if dir == "" {
			if dir, err = defaultCacheDir(); err != nil {
				return nil, nil, err
			}
		}
		return imagedata.CachedCIFAR10(dir, "", cfg.client)
	}
	if _, err := os.Stat(filepath.Join(name, "train-images-idx3-ubyte.gz")); err == nil {
		return imagedata.LoadMNIST(name)
	}
	if train, test, err = imagedata.LoadCIFAR10(name); err != nil {
		return nil, nil, err
	}
	if train == nil {
		return nil, nil, errors.New("no images")
	}
	return train, test, nil
}
