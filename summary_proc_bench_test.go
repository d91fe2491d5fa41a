package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

// BenchmarkSummaryProcess measures the daily summary as a person runs it,
// in a process of its own: `ecsmedic chat` with a config of n services is
// sent `!summary` and ends. The simulator serves a day of CPU and memory
// at one point per 5 minutes from this (the test's) process, so the
// figures are the ecsmedic process's alone: rss-MB is its peak resident
// set (VmHWM, read while it still runs: a child's rusage also counts the
// memory of the test process that started it), cpu-ms its user and system
// time, cpu-ms/service that over n.
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
			s := sim.New(w, sim.Options{}) // shifted to now: the process reads the wall clock
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
			var rss, cpu, sys float64
			var tally fleet.Tally
			for b.Loop() {
				s.ResetCalls()
				r := runChat(b, bin, env, dir, config, "!summary")
				if !strings.Contains(r.out, "svc00") || strings.Contains(r.out, "no data") {
					b.Fatalf("no summary:\n%s%s", r.out, r.stderr)
				}
				if f := os.Getenv("ECSMEDIC_BENCH_STDERR"); f != "" { // e.g. with GODEBUG=gctrace=1
					_ = os.WriteFile(fmt.Sprintf("%s.%d", f, n), []byte(r.stderr), 0o600)
				}
				rss = max(rss, r.hwmMB)
				cpu += float64(r.cpu.Microseconds()) / 1000
				sys += float64(r.sys.Microseconds()) / 1000
				t := fleet.Count(s.Calls())
				tally.GetMetricData += t.GetMetricData
				tally.ECS += t.ECS
			}
			runs := float64(b.N)
			b.ReportMetric(rss, "rss-MB")
			b.ReportMetric(cpu/runs, "cpu-ms")
			b.ReportMetric(cpu/runs/float64(n), "cpu-ms/service")
			b.ReportMetric(sys/runs, "sys-ms")
			b.ReportMetric(float64(tally.GetMetricData)/runs, "getmetricdata/op")
			b.ReportMetric(float64(tally.ECS)/runs, "ecs-calls/op")
		})
	}
}

type chatRun struct {
	out, stderr string
	hwmMB       float64       // the process's peak resident set
	cpu         time.Duration // user and system
	sys         time.Duration // system alone: mostly page faults
}

// runChat runs `ecsmedic chat` with line on its input, reads the answer,
// then the process's peak resident set before it ends. The end of the
// answer is known by a second, unknown command's answer after it.
func runChat(b *testing.B, bin string, env []string, dir, config, line string) chatRun {
	b.Helper()
	const marker = "!end-of-benchmark"
	cmd := exec.Command(bin, "--config", config, "chat")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if _, err := io.WriteString(in, line+"\n"+marker+"\n"); err != nil {
		b.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(outPipe)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), marker[1:]) {
			break
		}
	}
	hwm := procStatusMB(cmd.Process.Pid, "VmHWM:")
	_ = in.Close()
	_, _ = io.Copy(io.Discard, outPipe)
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%v\n%s%s", err, out.String(), errOut.String())
	}
	return chatRun{out: out.String(), stderr: errOut.String(), hwmMB: hwm, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), sys: cmd.ProcessState.SystemTime()}
}

// procStatusMB is a field of /proc/PID/status (VmRSS:, VmHWM:) in MB.
func procStatusMB(pid int, field string) float64 {
	buf, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(buf), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
