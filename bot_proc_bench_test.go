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
