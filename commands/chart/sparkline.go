package chart

import (
	"math"
	"strings"
)

var bars = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one line of block characters, scaled from their
// minimum to their maximum. NaN values are drawn as spaces.
func Sparkline(values []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	return SparklineRange(values, lo, hi)
}

// SparklineRange draws values on a fixed scale, so that 100 % of a
// reservation always reaches the top bar whatever the other values are.
func SparklineRange(values []float64, lo, hi float64) string {
	var b strings.Builder
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.WriteRune(' ')
			continue
		}
		i := 0
		if span := hi - lo; span > 0 && !math.IsInf(span, 0) && !math.IsNaN(span) {
			i = int(math.Round((v - lo) / span * float64(len(bars)-1)))
		} else if v > 0 && hi > 0 && !math.IsInf(hi, 0) {
			// All values equal: draw them at mid height, not as nothing.
			i = len(bars) / 2
		}
		i = max(0, min(i, len(bars)-1))
		b.WriteRune(bars[i])
	}
	return b.String()
}

// Resample reduces values to at most n by averaging neighbours, so a long
// series still fits one chat line.
func Resample(values []float64, n int) []float64 {
	if n <= 0 || len(values) <= n {
		return append([]float64(nil), values...)
	}
	out := make([]float64, n)
	for i := range n {
		a, b := i*len(values)/n, (i+1)*len(values)/n
		sum, cnt := 0.0, 0
		for _, v := range values[a:b] {
			if !math.IsNaN(v) {
				sum += v
				cnt++
			}
		}
		if cnt == 0 {
			out[i] = math.NaN()
		} else {
			out[i] = sum / float64(cnt)
		}
	}
	return out
}
