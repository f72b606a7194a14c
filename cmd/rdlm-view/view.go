//go:build cgo && !js

package main

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/ebitenutil"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/pixelgrid"
	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/core/text"
)

// Sizes of the drawing: DebugPrint's glyphs are 6x16 pixels.
const (
	glyphW, glyphH = 6, 16
	textColumns    = 64  // characters per drawn line of a text sample
	imageCell      = 112 // about the screen pixels of an image's side
	statusHeight   = 2 * glyphH
	maxSteps       = 4096
)

// viewer is the ebiten game: it draws the walk's latest tokens each frame.
type viewer struct {
	walk  *liveWalk
	c     *ckpt.Checkpoint
	label string
	f     viewFlags
	steps int
	seed  uint64

	// image models
	lay    *pixels.Layout
	cols   int
	scale  int
	values []uint8     // (n, H, W, C)
	rgba   *image.RGBA // the grid, written into canvas each frame
	canvas *ebiten.Image
	// text models
	vocab *text.Vocab

	tokens []int // (n, L) snapshot of the walk
	frames int
	err    error // reported by main after the window closes
}

func newViewer(c *ckpt.Checkpoint, f viewFlags) (*viewer, error) {
	pc, mc := c.Config.Process, c.Config.Model
	v := &viewer{c: c, f: f, label: f.model, steps: pc.SampleSteps, seed: f.seed}
	if v.label == "" {
		v.label = "built-in default"
	}
	if f.steps > 0 {
		v.steps = f.steps
	}
	n := f.n
	if pc.Image != nil {
		lay, err := pc.ImageLayout()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			n = 16
		}
		v.lay, v.cols, v.scale = &lay, pixelgrid.Columns(n), max(1, imageCell/lay.Height)
		v.values = make([]uint8, n*lay.Values())
		w, h := pixelgrid.GridSize(n, lay.Image, v.cols, v.scale)
		v.rgba = image.NewRGBA(image.Rect(0, 0, w, h))
	} else {
		if pc.Vocab != "text8" || pc.Split != nil || mc.Vocab != text.Text8().Size() {
			return nil, fmt.Errorf("the viewer shows image models and text8 character models; this one has vocabulary %q", pc.Vocab)
		}
		if n == 0 {
			n = 6
		}
		v.vocab = text.Text8()
	}
	v.tokens = make([]int, n*mc.Length)
	var err error
	if v.walk, err = newLiveWalk(c, n); err != nil {
		return nil, err
	}
	v.walk.start(v.steps, v.seed)
	return v, nil
}

// windowSize fits the grid or the lines of text and the status line.
func (v *viewer) windowSize() (int, int) {
	if v.lay != nil {
		b := v.rgba.Bounds()
		return max(b.Dx(), 60*glyphW), b.Dy() + statusHeight
	}
	L := v.c.Config.Model.Length
	lines := v.walk.n * ((L+textColumns-1)/textColumns + 1)
	return (textColumns + 2) * glyphW, lines*glyphH + statusHeight
}

func (v *viewer) Update() error {
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyQ), inpututil.IsKeyJustPressed(ebiten.KeyEscape):
		return ebiten.Termination
	case inpututil.IsKeyJustPressed(ebiten.KeyR):
		v.walk.start(v.steps, v.seed)
	case inpututil.IsKeyJustPressed(ebiten.KeyS):
		v.seed++
		v.walk.start(v.steps, v.seed)
	case inpututil.IsKeyJustPressed(ebiten.KeyUp):
		v.steps = min(2*v.steps, maxSteps)
		v.walk.start(v.steps, v.seed)
	case inpututil.IsKeyJustPressed(ebiten.KeyDown):
		v.steps = max(v.steps/2, 1)
		v.walk.start(v.steps, v.seed)
	}
	if v.err != nil {
		return ebiten.Termination
	}
	return nil
}

func (v *viewer) Draw(screen *ebiten.Image) {
	step, steps, seed, done, err := v.walk.snapshot(v.tokens)
	if err != nil {
		v.err = err
		return
	}
	if v.lay != nil {
		v.drawImages(screen)
	} else {
		v.drawText(screen)
	}
	state := "denoising"
	if done {
		state = "done"
	}
	_, h := v.windowSize()
	ebitenutil.DebugPrintAt(screen, fmt.Sprintf("step %d/%d  seed %d  %s\nR restart  S new seed  Up/Down steps  Q quit", step, steps, seed, state), 4, h-statusHeight)
	v.frames++
	if v.f.screenshot != "" && done && v.frames >= v.f.frames {
		v.err = v.saveScreenshot(screen)
		if v.err == nil {
			v.err = errDone
		}
	}
}

func (v *viewer) drawImages(screen *ebiten.Image) {
	size, L := v.lay.Values(), v.c.Config.Model.Length
	for s := 0; s < v.walk.n; s++ {
		if err := v.lay.Decode(v.values[s*size:(s+1)*size], v.tokens[s*L:(s+1)*L]); err != nil {
			v.err = err
			return
		}
	}
	pixelgrid.Grid(v.rgba, v.values, v.walk.n, v.lay.Image, v.cols, v.scale)
	if v.canvas == nil {
		b := v.rgba.Bounds()
		v.canvas = ebiten.NewImage(b.Dx(), b.Dy())
	}
	v.canvas.WritePixels(v.rgba.Pix)
	screen.DrawImage(v.canvas, nil)
}

func (v *viewer) drawText(screen *ebiten.Image) {
	L := v.c.Config.Model.Length
	var b strings.Builder
	for s := 0; s < v.walk.n; s++ {
		txt, err := v.vocab.Decode(v.tokens[s*L : (s+1)*L])
		if err != nil {
			v.err = err
			return
		}
		for i := 0; i < len(txt); i += textColumns {
			b.WriteString(txt[i:min(i+textColumns, len(txt))])
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	ebitenutil.DebugPrintAt(screen, b.String(), glyphW, 0)
}

// errDone ends the program normally after --screenshot.
var errDone = errors.New("done")

func (v *viewer) saveScreenshot(screen *ebiten.Image) error {
	b := screen.Bounds()
	img := image.NewRGBA(b)
	screen.ReadPixels(img.Pix)
	return atomicfile.Write(v.f.screenshot, func(w io.Writer) error { return png.Encode(w, img) })
}

func (v *viewer) Layout(outsideWidth, outsideHeight int) (int, int) { return v.windowSize() }
