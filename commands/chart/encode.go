package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"
)

// oneAtATime lets one chart be drawn at a time. A chart's pixels, rasterizer
// and deflate state come to a few MB; a bot answering a burst of !why would
// otherwise hold one set per command at the same moment, and a chart takes
// milliseconds, so the queue is short.
var oneAtATime sync.Mutex

// encoder writes every chart. BestSpeed: the pictures are flat colour, so
// they stay small, and the default level's deflate was most of a chart's
// time. It keeps no pool of deflate states (png.Encoder.BufferPool): one
// saves about 1 MB of allocation a chart, but the pooled states outlive
// collections, and the bot measured 5–8 MB more resident with it after
// 1,000 commands (BenchmarkBotProcess).
var encoder = png.Encoder{CompressionLevel: png.BestSpeed}

// rgba takes the drawn picture from go-chart (its RGBACollector), so
// that it is encoded here, at BestSpeed and paletted when it can be,
// rather than by go-chart's png.Encode at the default level.
type rgba struct{ i *image.RGBA }

func (c *rgba) SetRGBA(i *image.RGBA) { c.i = i }
func (c *rgba) Write([]byte) (int, error) {
	return 0, errors.New("the chart is taken as a picture, not as bytes")
}

// encodePNG is the picture as PNG bytes.
func encodePNG(i *image.RGBA) ([]byte, error) {
	var m image.Image = i
	if p, ok := paletted(i); ok {
		m = p
	}
	var buf bytes.Buffer
	if err := encoder.Encode(&buf, m); err != nil {
		return nil, fmt.Errorf("drawing the chart failed: %w", err)
	}
	return buf.Bytes(), nil
}

// paletted is the picture with its colours in a palette, when it has at
// most 256 of them, as a chart of flat bars, lines and words with their
// smoothed edges usually does. PNG then stores one byte a pixel instead of
// three and skips its search for the best filter of each row, which was
// most of a chart's time. The colours are counted before anything is
// allocated, as a chart of two smoothed lines (why's) has more.
func paletted(i *image.RGBA) (*image.Paletted, bool) {
	index := make(map[uint32]uint8, 256)
	var pal color.Palette
	fits := eachRun(i, func(key uint32, p []uint8, _ int) bool {
		if _, ok := index[key]; !ok {
			if len(pal) == 256 {
				return false
			}
			index[key] = uint8(len(pal))
			pal = append(pal, color.RGBA{R: p[0], G: p[1], B: p[2], A: p[3]})
		}
		return true
	})
	if !fits {
		return nil, false
	}
	out := image.NewPaletted(i.Rect, pal)
	at := 0 // out's pixels are Rect's rows, left to right: the runs' order
	eachRun(i, func(key uint32, _ []uint8, n int) bool {
		v, run := index[key], out.Pix[at:at+n]
		for k := range run {
			run[k] = v
		}
		at += n
		return true
	})
	return out, true
}

// eachRun calls f for each run of one colour within a row, in order, with
// the colour as one number, its bytes and the run's length: a chart is
// mostly runs, so a palette is looked up once a run, not once a pixel. It
// stops, and says false, when f does.
func eachRun(i *image.RGBA, f func(key uint32, p []uint8, n int) bool) bool {
	r := i.Rect
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := i.Pix[i.PixOffset(r.Min.X, y) : i.PixOffset(r.Min.X, y)+4*r.Dx()]
		for x := 0; x < r.Dx(); {
			p := row[4*x : 4*x+4 : 4*x+4]
			end := x + 1
			for end < r.Dx() && bytes.Equal(row[4*end:4*end+4], p) {
				end++
			}
			if !f(uint32(p[0])<<24|uint32(p[1])<<16|uint32(p[2])<<8|uint32(p[3]), p, end-x) {
				return false
			}
			x = end
		}
	}
	return true
}
