package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image"
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
var encoder = png.Encoder{CompressionLevel: png.BestSpeed}

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
	var buf bytes.Buffer
	if err := encoder.Encode(&buf, i); err != nil {
		return nil, fmt.Errorf("drawing the chart failed: %w", err)
	}
	return buf.Bytes(), nil
}
