package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// hardLimit runs the bot under a memory limit the kernel enforces, as an
// ECS task's hard memory limit does (a cgroup v1 memory controller at
// /sys/fs/cgroup/memory; root only). The limit counts the binary's pages
// the bot reads, so unlike RSS it shows the memory the bot needs: below
// its working set the kernel keeps evicting code the bot is about to run,
// and the bot slows to a crawl (major faults) rather than failing.
type hardLimit struct {
	dir     string
	majBase int64
}

// newHardLimit makes a memory cgroup of mb MB; nil when mb is 0.
func newHardLimit(b *testing.B, mb int) *hardLimit {
	b.Helper()
	if mb == 0 {
		return nil
	}
	if os.Getenv("ECSMEDIC_BENCH_BIN") == "" {
		// The test binary's pages are the running test's too, already
		// charged elsewhere: the limit would not see them.
		b.Skip("ECSMEDIC_BENCH_LIMIT_MB needs ECSMEDIC_BENCH_BIN: a binary of its own, built with the README's flags")
	}
	dir := filepath.Join("/sys/fs/cgroup/memory", fmt.Sprintf("ecsmedic-bench-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Skipf("ECSMEDIC_BENCH_LIMIT_MB needs a cgroup v1 memory controller and root: %v", err)
	}
	b.Cleanup(func() { _ = os.Remove(dir) })
	if err := os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), []byte(strconv.Itoa(mb<<20)), 0o644); err != nil {
		b.Fatal(err)
	}
	return &hardLimit{dir: dir, majBase: cgroupStat(dir, "total_pgmajfault")}
}

// wrap starts cmd inside the cgroup, with the binary's pages dropped from
// the page cache first, so that the bot's reads of its own code are
// charged to it as they would be in a fresh container.
func (h *hardLimit) wrap(b *testing.B, cmd *exec.Cmd) *exec.Cmd {
	b.Helper()
	if h == nil {
		return cmd
	}
	f, err := os.Open(cmd.Path)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err == nil {
		err = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	}
	f.Close()
	if err != nil {
		b.Fatalf("dropping %s from the page cache: %v", cmd.Path, err)
	}
	// The shell joins the cgroup, then becomes the bot: the bot's pid is
	// the one started, and every page it touches is charged from the start.
	args := append([]string{"-c", `echo $$ > "$0" && exec "$@"`, filepath.Join(h.dir, "cgroup.procs"), cmd.Path}, cmd.Args[1:]...)
	w := exec.Command("/bin/sh", args...)
	w.Dir, w.Env, w.Stdout, w.Stderr = cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr
	return w
}

// report adds the cgroup's high-water mark, how often the limit was hit
// and the major faults (code read back from disk) of the run.
func (h *hardLimit) report(b *testing.B, peakRSS float64) {
	if h == nil {
		return
	}
	if limit := float64(cgroupStat(h.dir, "limit")) / (1 << 20); peakRSS > limit+1 {
		b.Fatalf("the bot's peak RSS, %.1f MB, is over the %.0f MB limit: its binary's pages were charged elsewhere (does another process run %s?)",
			peakRSS, limit, os.Getenv("ECSMEDIC_BENCH_BIN"))
	}
	b.ReportMetric(float64(cgroupStat(h.dir, "max_usage"))/(1<<20), "cgroup-max-MB")
	b.ReportMetric(float64(cgroupStat(h.dir, "total_pgmajfault")-h.majBase), "major-faults")
}

// cgroupStat reads a field of memory.stat, or memory.max_usage_in_bytes
// for "max_usage" and memory.limit_in_bytes for "limit".
func cgroupStat(dir, field string) int64 {
	if field == "max_usage" || field == "limit" {
		file := map[string]string{"max_usage": "memory.max_usage_in_bytes", "limit": "memory.limit_in_bytes"}[field]
		data, _ := os.ReadFile(filepath.Join(dir, file))
		n, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		return n
	}
	data, _ := os.ReadFile(filepath.Join(dir, "memory.stat"))
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+" "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
