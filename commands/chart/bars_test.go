package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"testing"
)

// TestPeakAvgDrawsText: each row's name and figures are drawn, and the
// picture is opaque. go-chart's boxes reset the font, and the chart once
// went out with bars and no words at all.
func TestPeakAvgDrawsText(t *testing.T) {
	in := PeakAvgInput{Title: "CPU, % of reservation"}
	for i := range 8 {
		in.Bars = append(in.Bars, Bar{Name: fmt.Sprintf("svc%02d", i), Peak: float64(40 + i*12), Avg: float64(20 + i*10), Has: i != 3})
	}
	pic, err := PeakAvg(in)
	if err != nil {
		t.Fatal(err)
	}
	if f := os.Getenv("ECSMEDIC_CHART_OUT"); f != "" { // to look at it
		_ = os.WriteFile(f, pic, 0o600)
	}
	img, err := png.Decode(bytes.NewReader(pic))
	if err != nil {
		t.Fatal(err)
	}
	w := img.Bounds().Dx()
	for i := range in.Bars {
		y := barHead + i*barRow
		if !hasInk(img, image.Rect(0, y, barLabelW, y+barRow)) {
			t.Errorf("row %d: no name drawn", i)
		}
		if !hasInk(img, image.Rect(w-barValueW, y, w, y+barRow)) {
			t.Errorf("row %d: no figures drawn", i)
		}
	}
	if !hasInk(img, image.Rect(0, 0, w, barHead-4)) {
		t.Error("no title drawn")
	}
	for y := range img.Bounds().Dy() {
		for x := range w {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				t.Fatalf("pixel %d,%d is not opaque (alpha %d)", x, y, a>>8)
			}
		}
	}
}

// hasInk: some pixel in r is as dark as text.
func hasInk(img image.Image, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c, _, _, _ := img.At(x, y).RGBA(); c>>8 < 0x80 {
				return true
			}
		}
	}
	return false
}
