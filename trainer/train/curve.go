package train

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"

	"github.com/rdlm-go/rdlm/core/atomicfile"
)

// The training curve: the training loss (left axis) and the validation BPC
// (right axis) against the step, as a self-contained SVG, redrawn from the
// metrics history at every checkpoint.

const (
	svgW, svgH          = 720, 360
	padL, padR          = 70, 70
	padT, padB          = 30, 40
	lossColour          = "#1f77b4"
	bpcColour           = "#d62728"
	curveTicks          = 5
	curveFont           = `font-family="sans-serif" font-size="11"`
	curveLossLogAtLeast = 20 // a loss range wider than this factor is drawn on a log axis
)

type series struct {
	x, y []float64
}

func (s series) bounds() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range s.y {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	return lo, hi
}

// writeCurve renders the history into out/curve.svg, atomically.
func (tr *Trainer) writeCurve() error {
	var loss, bpc series
	label := "validation BPC (EMA)"
	if _, image := tr.positionsPerValue(); image {
		label = "validation BPD (EMA)"
	}
	for _, r := range tr.history {
		if v := r.ValidBPD; v != nil {
			bpc.x, bpc.y = append(bpc.x, float64(r.Step)), append(bpc.y, *v)
		} else if r.ValidBPC != nil {
			bpc.x, bpc.y = append(bpc.x, float64(r.Step)), append(bpc.y, *r.ValidBPC)
		} else if r.Loss > 0 && !math.IsInf(r.Loss, 0) {
			loss.x, loss.y = append(loss.x, float64(r.Step)), append(loss.y, r.Loss)
		}
	}
	svg := renderCurve(loss, bpc, label, tr.cfg.Steps)
	if err := atomicfile.WriteBytes(filepath.Join(tr.opt.Out, CurveFile), svg); err != nil {
		return fmt.Errorf("train: %s: %v", CurveFile, err)
	}
	return nil
}

func renderCurve(loss, bpc series, bpcLabel string, steps int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", svgW, svgH, svgW, svgH)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	x0, x1, y0, y1 := float64(padL), float64(svgW-padR), float64(svgH-padB), float64(padT)
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#888"/>`+"\n", x0, y1, x1-x0, y0-y1)
	xmax := float64(max(steps, 1))
	xpos := func(s float64) float64 { return x0 + (x1-x0)*s/xmax }
	for i := 0; i <= curveTicks; i++ {
		s := xmax * float64(i) / curveTicks
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" %s>%.0f</text>`+"\n", xpos(s), y0+16, curveFont, s)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" %s>step</text>`+"\n", (x0+x1)/2, svgH-6, curveFont)
	axis := func(s series, colour, name string, left bool) {
		if len(s.y) == 0 {
			return
		}
		lo, hi := s.bounds()
		logScale := left && lo > 0 && hi/lo > curveLossLogAtLeast
		f := func(v float64) float64 { return v }
		if logScale {
			f = math.Log
		}
		flo, fhi := f(lo), f(hi)
		ypos := func(v float64) float64 { return y0 - (y0-y1)*(f(v)-flo)/(fhi-flo) }
		ax, anchor := x0-6, "end"
		if !left {
			ax, anchor = x1+6, "start"
		}
		for i := 0; i <= curveTicks; i++ {
			fv := flo + (fhi-flo)*float64(i)/curveTicks
			v := fv
			if logScale {
				v = math.Exp(fv)
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="%s" %s>%.4g</text>`+"\n", ax, ypos(v)+4, anchor, colour, curveFont, v)
		}
		label := name
		if logScale {
			label += " (log scale)"
		}
		lx := x0
		if !left {
			lx = x1 - 200
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="%s" %s>%s</text>`+"\n", lx, padT-10, colour, curveFont, label)
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="`, colour)
		for i := range s.x {
			fmt.Fprintf(&b, "%.1f,%.1f ", xpos(s.x[i]), ypos(s.y[i]))
		}
		b.WriteString(`"/>` + "\n")
		if len(s.x) == 1 || !left {
			for i := range s.x {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`+"\n", xpos(s.x[i]), ypos(s.y[i]), colour)
			}
		}
	}
	axis(loss, lossColour, "training loss", true)
	axis(bpc, bpcColour, bpcLabel, false)
	b.WriteString("</svg>\n")
	return b.Bytes()
}
