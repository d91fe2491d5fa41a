// Package chart draws the pictures ecsmedic attaches to replies: a PNG of CPU
// and memory around a stop, and a text sparkline for renderers without files.
package chart

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Point is one value at one time.
type Point struct {
	T time.Time
	V float64
}

// CPUMemoryInput is what CPUMemory draws. Values are percentages of the
// task's reservation, so 100 is the reservation line.
type CPUMemoryInput struct {
	Title  string // unused in the picture (the legend sits there); kept for alt text
	CPU    []Point
	Memory []Point
	Stop   time.Time // a marker is drawn here when set
	Width  int       // default 800
	Height int       // default 300
}

var (
	cpuColor  = drawing.Color{R: 0xd9, G: 0x48, B: 0x1c, A: 0xff}
	memColor  = drawing.Color{R: 0x1f, G: 0x6f, B: 0xb4, A: 0xff}
	lineColor = drawing.Color{R: 0x66, G: 0x66, B: 0x66, A: 0xff}
	stopColor = drawing.Color{R: 0x00, G: 0x00, B: 0x00, A: 0xff}
)

// defaultFont parses go-chart's font once. go-chart loads it lazily with an
// unguarded first read, a data race when two charts are drawn at once (two
// alerts, two !why); every draw first waits here, after which the font is
// set for good.
var defaultFont = sync.OnceValues(chart.GetDefaultFont)

// ErrNoData means there was nothing to draw.
var ErrNoData = errors.New("no metric points to draw")

// CPUMemory renders the CPU and memory lines as a PNG.
func CPUMemory(in CPUMemoryInput) (png []byte, err error) {
	// go-chart panics on some degenerate ranges; a chart is never worth a
	// crash of the bot.
	defer func() {
		if r := recover(); r != nil {
			png, err = nil, fmt.Errorf("drawing the chart failed: %v", r)
		}
	}()
	cpu, mem := clean(in.CPU), clean(in.Memory)
	if len(cpu) == 0 && len(mem) == 0 {
		return nil, ErrNoData
	}
	font, err := defaultFont()
	if err != nil {
		return nil, fmt.Errorf("drawing the chart failed: the built-in font does not load: %w", err)
	}
	oneAtATime.Lock()
	defer oneAtATime.Unlock()
	w, h := in.Width, in.Height
	if w <= 0 {
		w = 800
	}
	if h <= 0 {
		h = 300
	}

	from, to, top := bounds(cpu, mem, in.Stop)
	loc := time.UTC
	if !in.Stop.IsZero() {
		loc = in.Stop.Location()
	} else if len(cpu) > 0 {
		loc = cpu[0].T.Location()
	}

	var series []chart.Series
	add := func(name string, pts []Point, st chart.Style) {
		if len(pts) == 0 {
			return
		}
		// A single point draws nothing; stretch it into a flat segment.
		if len(pts) == 1 {
			pts = []Point{pts[0], {T: pts[0].T.Add(time.Minute), V: pts[0].V}}
		}
		ts := chart.TimeSeries{Name: name, Style: st}
		for _, p := range pts {
			ts.XValues = append(ts.XValues, p.T)
			ts.YValues = append(ts.YValues, p.V)
		}
		series = append(series, ts)
	}
	add("CPU % of reservation", cpu, chart.Style{StrokeColor: cpuColor, StrokeWidth: 2.5})
	add("Memory % of reservation", mem, chart.Style{StrokeColor: memColor, StrokeWidth: 2.5})
	add("Reservation (100 %)", []Point{{from, 100}, {to, 100}},
		chart.Style{StrokeColor: lineColor, StrokeWidth: 1, StrokeDashArray: []float64{5, 4}})
	if !in.Stop.IsZero() {
		series = append(series, chart.TimeSeries{
			Name:    "Stop " + in.Stop.In(loc).Format("15:04:05"),
			XValues: []time.Time{in.Stop, in.Stop},
			YValues: []float64{0, top},
			Style:   chart.Style{StrokeColor: stopColor, StrokeWidth: 1.5, StrokeDashArray: []float64{2, 3}},
		})
	}

	c := chart.Chart{
		Font:       font,
		Width:      w,
		Height:     h,
		Background: chart.Style{Padding: chart.Box{Top: 40, Left: 10, Right: 10, Bottom: 10}},
		XAxis: chart.XAxis{
			ValueFormatter: clock(loc),
			Range:          &chart.ContinuousRange{Min: chart.TimeToFloat64(from), Max: chart.TimeToFloat64(to)},
		},
		YAxis: chart.YAxis{
			Name:  "%",
			Range: &chart.ContinuousRange{Min: 0, Max: top},
			Ticks: ticks(top),
		},
		Series: series,
	}
	c.Elements = []chart.Renderable{chart.LegendThin(&c)}
	var img rgba
	if err := c.Render(chart.PNG, &img); err != nil {
		return nil, fmt.Errorf("drawing the chart failed: %w", err)
	}
	return encodePNG(img.i)
}

// clean drops points that cannot be drawn.
func clean(pts []Point) []Point {
	out := make([]Point, 0, len(pts))
	for _, p := range pts {
		if p.T.IsZero() || math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// bounds is the time range and the top of the y axis: at least 110 so the
// reservation line never sits on the frame.
func bounds(cpu, mem []Point, stop time.Time) (from, to time.Time, top float64) {
	top = 110
	for _, set := range [][]Point{cpu, mem} {
		for _, p := range set {
			if from.IsZero() || p.T.Before(from) {
				from = p.T
			}
			if p.T.After(to) {
				to = p.T
			}
			if p.V*1.1 > top {
				top = math.Ceil(p.V * 1.1)
			}
		}
	}
	if !stop.IsZero() {
		if stop.Before(from) {
			from = stop
		}
		if stop.After(to) {
			to = stop
		}
	}
	if !to.After(from) {
		to = from.Add(time.Minute)
	}
	return from, to, top
}

// clock formats x axis ticks in the data's own time zone, not the machine's.
func clock(loc *time.Location) chart.ValueFormatter {
	return func(v any) string {
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x
		case float64:
			t = chart.TimeFromFloat64(x)
		default:
			return ""
		}
		return t.In(loc).Format("15:04")
	}
}

// ticks are every 25 % up to the top of the axis.
func ticks(top float64) []chart.Tick {
	var out []chart.Tick
	step := 25.0
	if top > 300 {
		step = 100
	}
	for v := 0.0; v <= top; v += step {
		out = append(out, chart.Tick{Value: v, Label: fmt.Sprintf("%.0f", v)})
	}
	return out
}
