package bot

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkMemory reports the memory of a bot idle and after 1,000
// commands (why, status, logs and help in turn) through the fake Discord:
//
//	go test ./bot -run '^$' -bench Memory -benchtime 1x
//
// heap-MB is the Go heap in use after a GC; rss-MB the process's resident
// set, which also holds the fake Discord (it keeps every message, call and
// chart it received) and the simulator, so it overstates the bot alone.
func BenchmarkMemory(b *testing.B) {
	h := startBot(b, harnessOptions{})
	idleHeap, idleRSS := memNow()
	lines := []string{"!why backend", "!status backend", "!logs backend 20", "!help"}
	const total, wave = 1000, 16
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.ResetTimer()
	for sent := 0; sent < total; {
		n := min(wave, total-sent)
		for i := range n {
			h.say(cmdChannel, userA, lines[(sent+i)%len(lines)])
		}
		sent += n
		if err := h.fake.WaitFor(ctx, func() bool { return len(h.fake.Messages(cmdChannel)) >= sent }); err != nil {
			b.Fatalf("%d of %d answered: %v", len(h.fake.Messages(cmdChannel)), sent, err)
		}
	}
	b.StopTimer()
	heap, rss := memNow()
	b.ReportMetric(idleHeap, "idle-heap-MB")
	b.ReportMetric(idleRSS, "idle-rss-MB")
	b.ReportMetric(heap, "heap-MB")
	b.ReportMetric(rss, "rss-MB")
	b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
	b.ReportMetric(fakeMB(h), "fake-kept-MB")
}

// fakeMB is about what the fake Discord keeps of what the bot sent: the
// bodies and files of its calls and the messages' attachments.
func fakeMB(h *harness) float64 {
	n := 0
	for _, c := range h.fake.Calls() {
		n += len(c.Body)
		for _, f := range c.Files {
			n += len(f.Data)
		}
	}
	for _, m := range h.fake.Messages(cmdChannel) {
		for _, a := range m.Attachments {
			n += len(a.Data)
		}
	}
	return float64(n) / (1 << 20)
}

// memNow is the heap in use after a GC and the process's resident set, in MB.
func memNow() (heapMB, rssMB float64) {
	debug.FreeOSMemory() // a GC that also returns freed memory to the OS
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	heapMB = float64(m.HeapInuse) / (1 << 20)
	buf, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return heapMB, 0
	}
	for _, line := range strings.Split(string(buf), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			rssMB = kb / 1024
		}
	}
	return heapMB, rssMB
}
