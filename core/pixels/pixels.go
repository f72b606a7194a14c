// Package pixels says how an image model spells an image as a token
// sequence: the image's shape (Image, config.json's process.image) and, for
// each 8-bit value, its digits (Layout). The direct form spends one position
// of 256 categories on a value; dimension splitting (rdlm-math.md section 9)
// spends two base-16 digits, least significant first, through core/split.
package pixels

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/split"
)

// Image is the shape of one image: Height x Width x Channels values,
// channels interleaved, in raster order (the order a model sees them in).
type Image struct {
	Height   int `json:"height"`
	Width    int `json:"width"`
	Channels int `json:"channels"` // 1 grey, 3 RGB
}

// Values is Height*Width*Channels, the pixel values per image.
func (im Image) Values() int { return im.Height * im.Width * im.Channels }

// Check reports a shape that is not an image: a side below 1, or channels
// other than 1 and 3.
func (im Image) Check() error {
	if im.Height < 1 || im.Width < 1 || (im.Channels != 1 && im.Channels != 3) {
		return fmt.Errorf("%dx%d with %d channels: sides must be >= 1 and channels 1 or 3", im.Height, im.Width, im.Channels)
	}
	return nil
}

// Levels is the number of values a pixel takes.
const Levels = 256

// The digit bases an image can be spelt in.
const (
	BaseDirect = Levels // one position of 256 categories per value
	BaseSplit  = 16     // two base-16 digits per value
)

// Layout is an image's shape and how each of its values is spelt: Digits
// positions of base-Base digits, least significant first (1 of base 256 in
// the direct form, 2 of base 16 when split).
type Layout struct {
	Image
	Base, Digits int
}

// NewLayout is the layout of im in the given base: BaseDirect or BaseSplit.
func NewLayout(im Image, base int) (Layout, error) {
	sp, err := split.New(Levels, base)
	if err != nil {
		return Layout{}, err
	}
	l := Layout{Image: im, Base: base, Digits: sp.Digits()}
	return l, l.Check()
}

// Positions is the sequence length of one image, Values()*Digits.
func (l Layout) Positions() int { return l.Values() * l.Digits }

// Check reports a layout that cannot describe 8-bit images.
func (l Layout) Check() error {
	if err := l.Image.Check(); err != nil {
		return err
	}
	if !(l.Digits == 1 && l.Base == BaseDirect) && !(l.Digits == 2 && l.Base == BaseSplit) {
		return fmt.Errorf("%d digit(s) of base %d: values are 1 digit of base %d or 2 of base %d", l.Digits, l.Base, BaseDirect, BaseSplit)
	}
	return nil
}

// splitter is the digit splitter of the layout's values.
func (l Layout) splitter() (split.Splitter, error) {
	if err := l.Check(); err != nil {
		return split.Splitter{}, err
	}
	return split.New(Levels, l.Base)
}

// Encode writes the tokens that spell values into dst: a copy in the direct
// form, Digits digits per value when split. len(dst) must be
// len(values)*Digits; values may hold any number of images.
func (l Layout) Encode(dst, values []uint8) error {
	sp, err := l.splitter()
	if err != nil {
		return err
	}
	return split.EncodeInto(sp, dst, values)
}

// Decode writes one image's values (Values()) from its tokens (Positions())
// into dst. A token outside [0, Base) is an error: it cannot come from the
// sampler.
func (l Layout) Decode(dst []uint8, tokens []int) error {
	if len(tokens) != l.Positions() || len(dst) != l.Values() {
		return fmt.Errorf("pixels: %d tokens into %d values, the layout needs %d tokens into %d", len(tokens), len(dst), l.Positions(), l.Values())
	}
	sp, err := l.splitter()
	if err != nil {
		return err
	}
	return split.DecodeInto(sp, dst, tokens)
}
