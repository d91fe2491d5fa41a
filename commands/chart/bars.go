package chart

import (
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Bar is one row of PeakAvg: a service's peak and average over a period,
// as percentages of its reservation. A row without data is drawn empty.
type Bar struct {
	Name      string
	Peak, Avg float64
	Has       bool
}

// PeakAvgInput is what PeakAvg draws.
type PeakAvgInput struct {
	Title string // drawn at the top; the built-in font has Latin letters only
	Bars  []Bar
	Width int // default 640
}

// Layout of PeakAvg, in pixels.
const (
	barRow    = 22
	barHead   = 34
	barFoot   = 22
	barLabelW = 150
	barValueW = 110
	barTop    = 150.0 // the scale's end, in %: room past the reservation line
)

var (
	peakColor = drawing.Color{R: 0xf4, G: 0xb4, B: 0x9c, A: 0xff}
	avgColor  = cpuColor
	hotColor  = drawing.Color{R: 0xb0, G: 0x1c, B: 0x1c, A: 0xff}
	textColor = drawing.Color{R: 0x22, G: 0x22, B: 0x22, A: 0xff}
	gridColor = drawing.Color{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
)

// PeakAvg draws one horizontal bar per row: light up to the peak, dark up
// to the average, with the reservation (100 %) as a dashed line, so one
// compact picture shows every service of a cluster.
func PeakAvg(in PeakAvgInput) (pic []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			pic, err = nil, fmt.Errorf("drawing the chart failed: %v", r)
		}
	}()
	if len(in.Bars) == 0 {
		return nil, ErrNoData
	}
	w := in.Width
	if w <= 0 {
		w = 640
	}
	h := barHead + barRow*len(in.Bars) + barFoot
	oneAtATime.Lock()
	defer oneAtATime.Unlock()
	r, err := chart.PNG(w, h)
	if err != nil {
		return nil, err
	}
	font, err := defaultFont()
	if err != nil {
		return nil, fmt.Errorf("drawing the chart failed: the built-in font does not load: %w", err)
	}
	// text sets the font each time: go-chart's Draw.Box (fill) resets the
	// style, font included, and text drawn without one is silently left
	// out (the summary's chart had lost every label that way).
	text := func(s string, x, y int, size float64) {
		r.SetFont(font)
		r.SetFontColor(textColor)
		r.SetFontSize(size)
		r.Text(s, x, y)
	}
	// No white fill here: the rasterizer blends every pixel of it; the
	// picture is drawn on transparent and laid on white at the end.

	x0, x1 := barLabelW, w-barValueW
	xOf := func(v float64) int {
		v = math.Max(0, math.Min(v, barTop))
		return x0 + int(math.Round(v/barTop*float64(x1-x0)))
	}
	text(in.Title, 8, 20, 11)
	for _, g := range []float64{0, 50, 100, 150} {
		x := xOf(g)
		line(r, x, barHead-4, x, h-barFoot, gridColor, nil)
		text(fmt.Sprintf("%.0f", g), x-6, h-6, 9)
	}
	for i, b := range in.Bars {
		y := barHead + i*barRow
		text(clipName(b.Name, 22), 8, y+barRow-7, 10)
		if !b.Has || math.IsNaN(b.Peak) || math.IsNaN(b.Avg) {
			text("no data", x1+8, y+barRow-7, 10)
			continue
		}
		peak := math.Max(b.Peak, b.Avg)
		pc := peakColor
		if peak >= 90 {
			pc = drawing.Color{R: 0xf2, G: 0x9c, B: 0x9c, A: 0xff}
		}
		fill(r, chart.Box{Top: y + 4, Left: x0, Right: max(x0+1, xOf(peak)), Bottom: y + barRow - 4}, pc)
		ac := avgColor
		if b.Avg >= 90 {
			ac = hotColor
		}
		fill(r, chart.Box{Top: y + 8, Left: x0, Right: max(x0+1, xOf(b.Avg)), Bottom: y + barRow - 8}, ac)
		text(fmt.Sprintf("%.0f / %.0f %%", peak, b.Avg), x1+8, y+barRow-7, 10)
	}
	x := xOf(100)
	line(r, x, barHead-4, x, h-barFoot, lineColor, []float64{5, 4})

	var img rgba
	if err := r.Save(&img); err != nil {
		return nil, fmt.Errorf("drawing the chart failed: %w", err)
	}
	onWhite(img.i)
	return encodePNG(img.i)
}

// onWhite lays a picture drawn on transparent over white, in place. The
// pixels are alpha-premultiplied, so "over white" is c + (255 - alpha) for
// each colour: the same picture as drawing on white to begin with.
func onWhite(i *image.RGBA) {
	p := i.Pix
	for k := 0; k+3 < len(p); k += 4 {
		t := 255 - p[k+3]
		p[k] += t
		p[k+1] += t
		p[k+2] += t
		p[k+3] = 255
	}
}

func fill(r chart.Renderer, b chart.Box, c drawing.Color) {
	chart.Draw.Box(r, b, chart.Style{FillColor: c, StrokeColor: c, StrokeWidth: 0})
}

func line(r chart.Renderer, x0, y0, x1, y1 int, c drawing.Color, dash []float64) {
	r.SetStrokeColor(c)
	r.SetStrokeWidth(1)
	r.SetStrokeDashArray(dash)
	r.MoveTo(x0, y0)
	r.LineTo(x1, y1)
	r.Stroke()
	r.SetStrokeDashArray(nil)
}

func clipName(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

// PeakAvgText is PeakAvg for renderers without pictures: a bar of width
// cells, dark to the average, shaded to the peak, over 0–100 %.
func PeakAvgText(peak, avg float64, width int) string {
	if width <= 0 {
		width = 10
	}
	cell := func(v float64) int {
		if math.IsNaN(v) {
			return 0
		}
		return int(math.Round(math.Max(0, math.Min(v, 100)) / 100 * float64(width)))
	}
	a, p := cell(avg), cell(math.Max(peak, avg))
	return strings.Repeat("█", a) + strings.Repeat("▒", p-a) + strings.Repeat("░", width-p)
}
