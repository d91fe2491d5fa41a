package main

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

// BenchmarkSummaryProcess measures the daily summary as a person runs it,
// in a process of its own: `ecsmedic chat` with a config of n services is
// sent `!summary` and ends. The simulator serves a day of CPU and memory
// at one point per 5 minutes from this (the test's) process, so the
// figures are the ecsmedic process's alone: rss-MB is its peak resident
// set, cpu-ms its user and system time, cpu-ms/service that over n.
//
//	go test -run '^$' -bench SummaryProcess -benchtime 3x .
//
// ECSMEDIC_BENCH_BIN names another ecsmedic binary to measure the same way
// (one built from main, to compare); else the test binary runs as ecsmedic.
func BenchmarkSummaryProcess(b *testing.B) {
	for _, n := range []int{10, 200, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			w, err := fleet.World(n, fleet.Options{Hours: 24, Value: func(i int) float64 { return float64(30 + i%50) }})
			if err != nil {
				b.Fatal(err)
			}
			s := sim.New(w, sim.Options{Freeze: true})
			hs := httptest.NewServer(s)
			defer hs.Close()
			dir := b.TempDir()
			var cfg strings.Builder
			fmt.Fprintf(&cfg, "discord:\n  guildId: \"1032547195402412062\"\naws:\n  region: %s\n  cluster: club\n  endpoint: %s\nstorage:\n  path: %s\nservices:\n",
				w.Region, hs.URL, filepath.Join(dir, "ecsmedic.db"))
			for i := range n {
				fmt.Fprintf(&cfg, "  svc%02d: {}\n", i)
			}
			config := filepath.Join(dir, "ecsmedic.yaml")
			if err := os.WriteFile(config, []byte(cfg.String()), 0o600); err != nil {
				b.Fatal(err)
			}
			bin, env := os.Getenv("ECSMEDIC_BENCH_BIN"), []string{"ECSMEDIC_CONFIG=", "NO_COLOR=1", "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=test"}
			if bin == "" {
				bin, env = os.Args[0], append(env, asMain+"=1")
			}
			var rss, cpu float64
			var tally fleet.Tally
			for b.Loop() {
				s.ResetCalls()
				cmd := exec.Command(bin, "--config", config, "chat")
				cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
				cmd.Stdin = strings.NewReader("!summary\n")
				var out, errOut bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errOut
				if err := cmd.Run(); err != nil {
					b.Fatalf("%v\n%s%s", err, out.String(), errOut.String())
				}
				if !strings.Contains(out.String(), "svc00") {
					b.Fatalf("no summary:\n%s%s", out.String(), errOut.String())
				}
				ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				rss = max(rss, float64(ru.Maxrss)/1024)
				cpu += float64((cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Microseconds()) / 1000
				t := fleet.Count(s.Calls())
				tally.GetMetricData += t.GetMetricData
				tally.ECS += t.ECS
			}
			runs := float64(b.N)
			b.ReportMetric(rss, "rss-MB")
			b.ReportMetric(cpu/runs, "cpu-ms")
			b.ReportMetric(cpu/runs/float64(n), "cpu-ms/service")
			b.ReportMetric(float64(tally.GetMetricData)/runs, "getmetricdata/op")
			b.ReportMetric(float64(tally.ECS)/runs, "ecs-calls/op")
		})
	}
}
