package chart

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	goldenfile "github.com/ecsmedic/ecsmedic/internal/golden"
)

func TestCPUMemoryPNG(t *testing.T) {
	t.Parallel()
	kst := time.FixedZone("KST", 9*3600)
	stop := time.Date(2024, 4, 17, 13, 34, 3, 0, kst)
	var cpu, mem []Point
	for i := range 25 {
		at := stop.Add(time.Duration(i-20) * time.Minute)
		cpu = append(cpu, Point{at, math.Min(99, 40+float64(i)*4)})
		mem = append(mem, Point{at, 41})
	}
	tests := []struct {
		name    string
		in      CPUMemoryInput
		w, h    int
		wantErr bool
	}{
		{"incident", CPUMemoryInput{Title: "backend", CPU: cpu, Memory: mem, Stop: stop}, 800, 300, false},
		{"cpu only, custom size", CPUMemoryInput{CPU: cpu, Width: 400, Height: 200}, 400, 200, false},
		{"one point", CPUMemoryInput{CPU: cpu[:1], Stop: stop}, 800, 300, false},
		{"over the reservation", CPUMemoryInput{CPU: []Point{{stop, 250}, {stop.Add(time.Minute), 300}}}, 800, 300, false},
		{"no data", CPUMemoryInput{Stop: stop}, 0, 0, true},
		{"only NaN", CPUMemoryInput{CPU: []Point{{stop, math.NaN()}}}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := CPUMemory(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			got := img.Bounds().Size()
			if got.X != tt.w || got.Y != tt.h {
				t.Errorf("size = %v, want %dx%d", got, tt.w, tt.h)
			}
		})
	}
}

func TestSparkline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
	}{
		{"rising", Sparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7})},
		{"flat", Sparkline([]float64{5, 5, 5})},
		{"zeros", Sparkline([]float64{0, 0})},
		{"with NaN", Sparkline([]float64{1, math.NaN(), 3})},
		{"empty", Sparkline(nil)},
		{"percent of reservation", SparklineRange([]float64{12, 40, 75, 99, 140, -3}, 0, 100)},
		{"resampled", Sparkline(Resample([]float64{0, 0, 10, 10, 20, 20, 30, 30}, 4))},
	}
	var b strings.Builder
	for _, tt := range tests {
		b.WriteString(tt.name + ": " + tt.got + "|\n")
	}
	golden(t, "sparklines.golden", b.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, name, got)
}
