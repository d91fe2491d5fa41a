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
// time. The pool keeps the deflate state (about 1 MB) between pictures: it
// was the largest thing a chart allocated after its pixels, once per !why
// in a long-running bot.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderPool{}}

// encoderPool is png.EncoderBufferPool over a sync.Pool.
type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}

func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

// rgba takes the drawn picture from go-chart (its RGBACollector), so
// that it is encoded here rather than by go-chart's png.Encode, which
// starts a new deflate state at the default level each time.
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
// most of a chart's time.
func paletted(i *image.RGBA) (*image.Paletted, bool) {
	r := i.Rect
	out := image.NewPaletted(r, nil)
	index := make(map[uint32]uint8, 256)
	var pal color.Palette
	last, lastAt, have := uint32(0), uint8(0), false
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := i.Pix[i.PixOffset(r.Min.X, y):]
		dst := out.Pix[out.PixOffset(r.Min.X, y):]
		for x := range r.Dx() {
			p := src[4*x : 4*x+4 : 4*x+4]
			key := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
			if !have || key != last {
				at, ok := index[key]
				if !ok {
					if len(pal) == 256 {
						return nil, false
					}
					at = uint8(len(pal))
					index[key] = at
					pal = append(pal, color.RGBA{R: p[0], G: p[1], B: p[2], A: p[3]})
				}
				last, lastAt, have = key, at, true
			}
			dst[x] = lastAt
		}
	}
	out.Palette = pal
	return out, true
}
