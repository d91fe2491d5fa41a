package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/bot/discordtest"
)

// BenchmarkBotProcess measures the bot as it runs: `ecsmedic run` in a
// process of its own, on the fake Discord and the simulator (both served
// from this test's process, so their memory is not the bot's). It is sent
// 1,000 chat commands (why, status, logs and help in turn) in waves of 16,
// each wave answered before the next. idle-rss-MB is the bot's resident set
// once connected, rss-MB as the last command is answered, peak-rss-MB its
// high-water mark (VmHWM), and settled-rss-MB (with its anonymous part)
// once the bot, quiet, has given back what the commands freed (its
// /metrics counts that: ecsmedic_memory_trims_total).
//
//	go test -run '^$' -bench BotProcess -benchtime 1x .
//
// ECSMEDIC_BENCH_BIN names another ecsmedic binary to measure (one built
// with the README's flags); else the test binary runs as ecsmedic.
// ECSMEDIC_BENCH_LIMIT_MB=N runs the bot under a hard memory limit of N MB
// (hardLimit) and adds cgroup-max-MB and major-faults.
func BenchmarkBotProcess(b *testing.B) {
	w, err := world.Builtin("incident")
	if err != nil {
		b.Fatal(err)
	}
	s := sim.New(w, sim.Options{}) // shifted to now: the bot reads the wall clock
	hs := httptest.NewServer(s)
	defer hs.Close()
	limitMB, _ := strconv.Atoi(os.Getenv("ECSMEDIC_BENCH_LIMIT_MB"))
	limit := newHardLimit(b, limitMB)
	var idle, after, settled botMemory
	for b.Loop() {
		i, a, s := runBotProcess(b, hs.URL, w.Region, 1000, limit)
		idle, after, settled = idle.max(i), after.max(a), settled.max(s)
	}
	limit.report(b, after.peak)
	b.ReportMetric(idle.rss, "idle-rss-MB")
	b.ReportMetric(after.rss, "rss-MB")
	b.ReportMetric(after.peak, "peak-rss-MB")
	b.ReportMetric(after.anon, "anon-MB")
	b.ReportMetric(after.file, "file-MB")
	b.ReportMetric(settled.rss, "settled-rss-MB")
	b.ReportMetric(settled.anon, "settled-anon-MB")
}

// botMemory is a reading of /proc/PID/status: the resident set, its
// high-water mark, and the resident set's anonymous part (the heap,
// stacks) and file-backed part (the binary's pages that were touched).
type botMemory struct{ rss, peak, anon, file float64 }

func readBotMemory(pid int) botMemory {
	return botMemory{procStatusMB(pid, "VmRSS:"), procStatusMB(pid, "VmHWM:"), procStatusMB(pid, "RssAnon:"), procStatusMB(pid, "RssFile:")}
}

func (m botMemory) max(o botMemory) botMemory {
	return botMemory{max(m.rss, o.rss), max(m.peak, o.peak), max(m.anon, o.anon), max(m.file, o.file)}
}

func runBotProcess(b *testing.B, simURL, region string, commands int, limit *hardLimit) (idle, after, settled botMemory) {
	b.Helper()
	fake, err := discordtest.New(discordtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer fake.Close()
	dir, httpAddr := b.TempDir(), freeAddr(b)
	cfg := fmt.Sprintf(`discord:
  guildId: %q
  apiBaseUrl: %s
aws:
  region: %s
  cluster: codedang
  endpoint: %s
services:
  backend: {container: backend}
storage:
  path: %s
http:
  addr: %s
`, discordtest.DefaultGuildID, fake.URL(), region, simURL, filepath.Join(dir, "ecsmedic.db"), httpAddr)
	config := filepath.Join(dir, "ecsmedic.yaml")
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	bin, env := os.Getenv("ECSMEDIC_BENCH_BIN"), []string{"ECSMEDIC_CONFIG=", "NO_COLOR=1",
		"DISCORD_TOKEN=" + fake.Token(), "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=test"}
	if bin == "" {
		bin, env = os.Args[0], append(env, asMain+"=1")
	}
	cmd := exec.Command(bin, "--config", config, "run")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var errOut strings.Builder
	cmd.Stderr = &errOut
	cmd = limit.wrap(b, cmd)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-done
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- fake.WaitReady(ctx) }()
	select {
	case err := <-ready:
		if err != nil {
			b.Fatalf("the bot did not connect: %v\n%s", err, errOut.String())
		}
	case err := <-done:
		done <- err
		b.Fatalf("the bot ended before connecting: %v\n%s", err, errOut.String())
	}
	pid := cmd.Process.Pid
	idle = readBotMemory(pid)
	lines := []string{"!why backend", "!status", "!logs backend", "!help"}
	const wave = 16
	answered := func() int {
		n := 0
		for _, c := range fake.Calls() {
			if c.Method == "POST" && strings.HasSuffix(c.Path, "/channels/"+discordtest.DefaultChannelID+"/messages") && c.Status < 300 {
				n++
			}
		}
		return n
	}
	for sent := 0; sent < commands; {
		n := min(wave, commands-sent)
		for i := range n {
			fake.SendMessage(discordtest.Message{ChannelID: discordtest.DefaultChannelID, GuildID: discordtest.DefaultGuildID, Content: lines[(sent+i)%len(lines)]})
		}
		sent += n
		if err := fake.WaitFor(ctx, func() bool { return answered() >= sent }); err != nil {
			b.Fatalf("%d of %d commands answered: %v\n%s", answered(), sent, err, errOut.String())
		}
	}
	trims := func() int {
		n, err := trimCount("http://" + httpAddr + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	before := trims() // the trim after the last command is at least 3 s away
	after = readBotMemory(pid)
	// Nothing on the fake Discord changes when the bot trims: ask /metrics.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for trims() <= before {
		select {
		case <-tick.C:
		case <-ctx.Done():
			b.Fatalf("the bot did not give its memory back once quiet: %v", ctx.Err())
		}
	}
	return idle, after, readBotMemory(pid)
}

// trimCount reads ecsmedic_memory_trims_total off the bot's /metrics.
func trimCount(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "ecsmedic_memory_trims_total "); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("no ecsmedic_memory_trims_total in %s", url)
}

// freeAddr is a loopback address with a port free a moment ago, for the
// bot's /healthz listener (the config takes no port 0).
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

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
	err = f.Sync()
	if err == nil {
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
	if limit := float64(cgroupFile(h.dir, "memory.limit_in_bytes")) / (1 << 20); peakRSS > limit+1 {
		b.Fatalf("the bot's peak RSS, %.1f MB, is over the %.0f MB limit: its binary's pages were charged elsewhere (does another process run %s?)",
			peakRSS, limit, os.Getenv("ECSMEDIC_BENCH_BIN"))
	}
	b.ReportMetric(float64(cgroupFile(h.dir, "memory.max_usage_in_bytes"))/(1<<20), "cgroup-max-MB")
	b.ReportMetric(float64(cgroupStat(h.dir, "total_pgmajfault")-h.majBase), "major-faults")
}

// cgroupStat reads a field of the cgroup's memory.stat.
func cgroupStat(dir, field string) int64 {
	data, _ := os.ReadFile(filepath.Join(dir, "memory.stat"))
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+" "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// cgroupFile reads one of the cgroup's files that hold a number, such as
// memory.max_usage_in_bytes.
func cgroupFile(dir, name string) int64 {
	data, _ := os.ReadFile(filepath.Join(dir, name))
	n, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return n
}
