package capture_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/aws/world/capture"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

// busyFleet is a cluster of n services whose CPU and memory have three
// hours of 1-minute points with average, maximum, minimum and sample
// count all different, as a busy account's have.
func busyFleet(b *testing.B, n int) *world.World {
	w, err := fleet.World(n, fleet.Options{Hours: 1})
	if err != nil {
		b.Fatal(err)
	}
	start := w.Now.Add(-3 * time.Hour)
	for i := range w.Metrics {
		m := &w.Metrics[i]
		cols := make([][]float64, 5)
		for k := range cols {
			cols[k] = make([]float64, 180)
		}
		for j := range 180 {
			v := float64(20 + (i*7+j)%60)
			cols[0][j], cols[1][j], cols[2][j], cols[4][j] = v+0.5, v+9, v-4, 3
			cols[3][j] = (v + 0.5) * 3
		}
		m.Period = 60
		m.Run = world.Run{Start: start, Average: cols[0], Maximum: cols[1], Minimum: cols[2], Sum: cols[3], SampleCount: cols[4]}
	}
	return w
}

// BenchmarkCapture captures every service of a busy cluster from the
// simulator, saves it and loads it again: the seconds a capture takes,
// the file's bytes a service, the time and the peak heap of writing it,
// and the time to load it. A capture of 1,000 services must load within
// the loader's budgets.
func BenchmarkCapture(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			w := busyFleet(b, n)
			live := serve(b, w)
			var names []string
			for i := range n {
				names = append(names, fmt.Sprintf("svc%02d", i))
			}
			path := filepath.Join(b.TempDir(), "capture.yaml")
			var captureT, writeT, loadT time.Duration
			var peak uint64
			var size int64
			for b.Loop() {
				t0 := time.Now()
				got, err := capture.Capture(context.Background(), live, "club", names, capture.Options{Since: w.Now.Add(-3 * time.Hour), Until: w.Now})
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				peak = max(peak, fleet.PeakHeap(func() {
					if err := world.Save(path, got); err != nil {
						b.Fatal(err)
					}
				}))
				t2 := time.Now()
				if _, err := world.Load(path); err != nil {
					b.Fatalf("the capture of %d services does not load: %v", n, err)
				}
				captureT, writeT, loadT = captureT+t1.Sub(t0), writeT+t2.Sub(t1), loadT+time.Since(t2)
				st, err := os.Stat(path)
				if err != nil {
					b.Fatal(err)
				}
				size = st.Size()
			}
			k := float64(b.N)
			b.ReportMetric(captureT.Seconds()/k, "capture-s")
			b.ReportMetric(float64(writeT.Milliseconds())/k, "write-ms")
			b.ReportMetric(float64(loadT.Milliseconds())/k, "load-ms")
			b.ReportMetric(float64(size)/float64(n), "bytes/service")
			b.ReportMetric(float64(peak)/(1<<20), "write-peak-heap-MiB")
		})
	}
}
