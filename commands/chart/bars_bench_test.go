package chart

import (
	"fmt"
	"testing"
)

// BenchmarkPeakAvg draws the summary's chart at its most, 30 services: a
// fixed part of every summary's CPU.
func BenchmarkPeakAvg(b *testing.B) {
	in := PeakAvgInput{Title: "CPU"}
	for i := range 30 {
		in.Bars = append(in.Bars, Bar{Name: fmt.Sprintf("svc%02d", i), Peak: float64(40 + i*3), Avg: float64(20 + i*2), Has: true})
	}
	var size int
	for b.Loop() {
		png, err := PeakAvg(in)
		if err != nil {
			b.Fatal(err)
		}
		size = len(png)
	}
	b.ReportMetric(float64(size), "png-bytes")
}
