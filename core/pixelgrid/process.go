package pixelgrid

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/ckpt"
)

// FromProcess is the layout an image checkpoint records: its Image shape,
// and its Split when each value is spelt in digits.
func FromProcess(p ckpt.Process) (Layout, error) {
	if p.Image == nil {
		return Layout{}, fmt.Errorf("not an image model (process.image is not set; vocabulary %q)", p.Vocab)
	}
	l := Layout{Height: p.Image.Height, Width: p.Image.Width, Channels: p.Image.Channels, Base: 256, Digits: 1}
	if p.Split != nil {
		l.Base, l.Digits = p.Split.Base, p.Split.Digits
	}
	return l, l.Check()
}
