package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	bolt "go.etcd.io/bbolt"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/mototest"
	"github.com/ecsmedic/ecsmedic/store"
)

// asMain makes the test binary run as ecsmedic itself: the fault tests
// start it as a real process (a store lock is a process's, and a crash
// must be seen as one), with no second build.
const asMain = "ECSMEDIC_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		main()
		return
	}
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}

// ecsmedicCmd is the binary as ecsmedic in dir, with test credentials and
// no colour.
func ecsmedicCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), asMain+"=1", "ECSMEDIC_CONFIG=", "NO_COLOR=1",
		"AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=test", "AWS_EC2_METADATA_DISABLED=true")
	return cmd
}

type result struct {
	stdout, stderr string
	code           int
}

// ecsmedic runs the binary in dir, as a person would from a shell.
func ecsmedic(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := ecsmedicCmd(dir, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	r := result{out.String(), errOut.String(), code}
	for _, crash := range []string{"panic:", "goroutine ", "fatal error", "SIGBUS", "SIGSEGV"} {
		if strings.Contains(r.stdout+r.stderr, crash) {
			t.Fatalf("ecsmedic %s crashed (%q):\n%s\n%s", strings.Join(args, " "), crash, r.stdout, r.stderr)
		}
	}
	return r
}

// simConfig serves the built-in incident on loopback (through wrap, when
// not nil) and writes a config for it in dir, with the store at
// dir/data/ecsmedic.db.
func simConfig(tb testing.TB, dir string, wrap func(http.Handler) http.Handler, edits ...func(*world.World)) (config, storePath string) {
	tb.Helper()
	w, err := loadWorld(incidentWorld)
	if err != nil {
		tb.Fatal(err)
	}
	for _, edit := range edits {
		edit(w)
	}
	var h http.Handler = sim.New(w, sim.Options{Freeze: true})
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	tb.Cleanup(hs.Close)
	storePath = filepath.Join(dir, "data", "ecsmedic.db")
	config = filepath.Join(dir, "ecsmedic.yaml")
	yml := fmt.Sprintf(`discord:
  guildId: "1032547195402412062"
aws:
  region: ap-northeast-2
  cluster: codedang
  endpoint: %s
services:
  backend: {service: backend, container: backend}
  frontend: {service: frontend, container: frontend}
storage:
  path: %s
`, hs.URL, storePath)
	if err := os.WriteFile(config, []byte(yml), 0o600); err != nil {
		tb.Fatal(err)
	}
	return config, storePath
}

// planChange plans a change and returns its id.
func planChange(t *testing.T, dir, config string, args ...string) string {
	t.Helper()
	r := ecsmedic(t, dir, append([]string{"--config", config}, args...)...)
	if r.code != 0 {
		t.Fatalf("planning %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	m := regexp.MustCompile("approve ([a-z2-7]{8})").FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no change id in:\n%s", r.stdout)
	}
	return m[1]
}

// TestStoreFaults is the fault table of issue 11 for the store, with real
// processes: each damage × (a change command, a reading command, store
// check). Figures: each row is a case; none may crash (ecsmedic fails the
// test on a stack trace), a damaged file is never rewritten, and the
// message says what is wrong and what to do.
func TestStoreFaults(t *testing.T) {
	dir := t.TempDir()
	config, path := simConfig(t, dir, nil)
	id := planChange(t, dir, config, "healthcheck", "backend", "grace", "90")
	other := planChange(t, dir, config, "healthcheck", "frontend", "grace", "60")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 15))
	random := make([]byte, len(good))
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	const page = 4096
	type want struct {
		code int
		says []string
	}
	cases := []struct {
		name   string
		data   []byte
		change want // cancel ID
		read   want // why backend
		check  want // store check
	}{
		{"0 bytes", []byte{},
			want{1, []string{"empty (0 bytes)", "store restore", "move the file aside"}},
			want{0, []string{"without the stop history", "failed ELB health checks"}},
			want{1, []string{"empty (0 bytes)"}}},
		{"truncated to half its data", good[:dataEnd(t, good)/2],
			want{1, []string{"truncated", "store restore"}},
			want{0, []string{"without the stop history", "failed ELB health checks"}},
			want{1, []string{"truncated"}}},
		{"truncated to two pages", good[:2*page],
			want{1, []string{"truncated", "store restore"}},
			want{0, []string{"failed ELB health checks"}},
			want{1, []string{"truncated"}}},
		{"truncated inside the first page", good[:1000],
			want{1, []string{"truncated", "store restore"}},
			want{0, []string{"failed ELB health checks"}},
			want{1, []string{"truncated"}}},
		{"random bytes", random,
			want{1, []string{"not an ecsmedic store", "store restore"}},
			want{0, []string{"failed ELB health checks"}},
			want{1, []string{"not an ecsmedic store"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				what string
				args []string
				want want
			}{
				{"change", []string{"cancel", id}, tc.change},
				{"read", []string{"why", "backend"}, tc.read},
				{"check", []string{"store", "check"}, tc.check},
			} {
				r := ecsmedic(t, dir, append([]string{"--config", config}, step.args...)...)
				if r.code != step.want.code {
					t.Errorf("%s: exit %d, want %d\n%s%s", step.what, r.code, step.want.code, r.stdout, r.stderr)
				}
				for _, s := range step.want.says {
					if !strings.Contains(r.stdout+r.stderr, s) {
						t.Errorf("%s: does not say %q:\n%s%s", step.what, s, r.stdout, r.stderr)
					}
				}
			}
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(after, tc.data) {
				t.Errorf("the damaged store was changed (%d bytes, was %d; %v)", len(after), len(tc.data), err)
			}
		})
	}

	t.Run("restored from a backup", func(t *testing.T) {
		backup := filepath.Join(dir, "good.db")
		if err := os.WriteFile(backup, good, 0o600); err != nil {
			t.Fatal(err)
		}
		r := ecsmedic(t, dir, "--config", config, "store", "restore", backup)
		if r.code != 0 || !strings.Contains(r.stdout, "kept as") || !strings.Contains(r.stdout, "2 changes") {
			t.Fatalf("restore: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("a bad record", func(t *testing.T) {
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("changes")).Put([]byte(id), []byte(`{"id":`)) })
		_ = db.Close()
		if err != nil {
			t.Fatal(err)
		}
		r := ecsmedic(t, dir, "--config", config, "cancel", id)
		if r.code != 2 || !strings.Contains(r.stdout, "damaged") || !strings.Contains(r.stdout, "store check") {
			t.Errorf("cancel of the bad change: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = ecsmedic(t, dir, "--config", config, "cancel", other)
		if r.code != 0 || !strings.Contains(r.stdout, "Cancelled") {
			t.Errorf("cancel of another change: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = ecsmedic(t, dir, "--config", config, "store", "check")
		if r.code != 2 || !strings.Contains(r.stdout, "1 damaged record") || !strings.Contains(r.stdout, "changes "+id) {
			t.Errorf("store check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("in use by another process", func(t *testing.T) {
		backup := filepath.Join(dir, "good.db")
		for _, p := range []string{path, backup} {
			if err := os.WriteFile(p, good, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		st, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		pid := fmt.Sprintf("pid %d?", os.Getpid())
		for _, step := range []struct {
			args []string
			code int
			says []string
		}{
			{[]string{"approve", id}, 1, []string{"in use", pid, "make changes in Discord"}},
			{[]string{"scale", "backend", "count", "2"}, 1, []string{"in use", pid}},
			{[]string{"why", "backend"}, 0, []string{"failed ELB health checks"}},
			{[]string{"store", "check"}, 1, []string{"in use", "keeps a consistent backup"}},
			{[]string{"store", "backup", filepath.Join(dir, "b.db")}, 1, []string{"in use", "keeps a consistent backup"}},
			{[]string{"store", "restore", backup}, 1, []string{"in use", "stop it, then restore"}},
		} {
			r := ecsmedic(t, dir, append([]string{"--config", config}, step.args...)...)
			if r.code != step.code {
				t.Errorf("%v: exit %d, want %d\n%s%s", step.args, r.code, step.code, r.stdout, r.stderr)
			}
			for _, s := range step.says {
				if !strings.Contains(r.stdout+r.stderr, s) {
					t.Errorf("%v: does not say %q:\n%s%s", step.args, s, r.stdout, r.stderr)
				}
			}
		}
	})
}

// dataEnd is where a store's data ends (bbolt grows the file ahead of
// it): the high water mark of the newer of its two meta pages.
func dataEnd(t *testing.T, b []byte) int {
	t.Helper()
	le := binary.LittleEndian
	meta := func(off int) (pgid, txid, pageSize uint64) {
		m := b[off+16:]
		return le.Uint64(m[40:]), le.Uint64(m[48:]), uint64(le.Uint32(m[8:]))
	}
	pgid, txid, ps := meta(0)
	if pgid1, txid1, _ := meta(int(ps)); txid1 > txid {
		pgid = pgid1
	}
	if end := int(pgid * ps); end <= len(b) && end > int(2*ps) {
		return end
	}
	t.Fatalf("no data end in a %d-byte store", len(b))
	return 0
}

// TestReadingCommandsCreateNothing (issue 15): a reading command run in an
// empty folder leaves it empty, against a world and against AWS.
func TestReadingCommandsCreateNothing(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{
		{"why", "backend", "--world", "builtin:incident"},
		{"status", "--world", "builtin:incident"},
	} {
		if r := ecsmedic(t, empty, args...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if entries, _ := os.ReadDir(empty); len(entries) != 0 {
			t.Errorf("%v created %v in the folder it ran in", args, entries)
		}
	}
	dir := t.TempDir()
	config, path := simConfig(t, dir, nil)
	for _, args := range [][]string{{"why", "backend"}, {"status"}, {"logs", "backend"}} {
		if r := ecsmedic(t, dir, append([]string{"--config", config}, args...)...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v created the store's folder or file: %v", args, err)
		}
	}
}

// TestPanicIsLastLine: a panic that escapes a command ends in one clear
// sentence and a non-zero exit, not a stack trace.
func TestPanicIsLastLine(t *testing.T) {
	root := &cobra.Command{Use: "ecsmedic", SilenceUsage: true, SilenceErrors: true,
		RunE: func(*cobra.Command, []string) error {
			panic("a bug in a command")
		}}
	root.SetArgs(nil)
	var stderr bytes.Buffer
	code := execute(t.Context(), root, &stderr)
	if code != 70 {
		t.Errorf("exit code %d, want 70", code)
	}
	for _, w := range []string{"ecsmedic: internal error:", "a bug in a command", "report it"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr does not say %q:\n%s", w, stderr.String())
		}
	}
}

// BenchmarkStartToFirstAWSCall measures a reading command's fixed cost
// (issue 15): from starting the process to its first request to AWS (the
// simulator on loopback), for `why` with a config and an existing store.
// ms-to-first-call is wall time, which a loaded machine stretches;
// cpu-ms-to-first-call is the CPU the process had used by then (all its
// threads, from /proc/PID/task/*/schedstat), which load does not change.
// ECSMEDIC_BENCH_BIN names another ecsmedic binary to measure the same way
// (e.g. one built from main, to compare); else the test binary runs as
// ecsmedic.
func BenchmarkStartToFirstAWSCall(b *testing.B) {
	type mark struct {
		at  time.Time
		cpu time.Duration
	}
	first := make(chan mark, 1)
	pids := make(chan int, 1)
	dir := b.TempDir()
	config, storePath := simConfig(b, dir, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if len(first) == 0 {
				select {
				case pid := <-pids: // the run's first request: Start has returned its pid
					first <- mark{time.Now(), cpuUsed(pid)}
				default:
				}
			}
			h.ServeHTTP(rw, r)
		})
	})
	st, err := store.Open(storePath, store.Options{}) // the bot's store, left by an earlier run
	if err != nil {
		b.Fatal(err)
	}
	_ = st.Close()
	bin, env := os.Getenv("ECSMEDIC_BENCH_BIN"), []string{"ECSMEDIC_CONFIG=", "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=test"}
	if bin == "" {
		bin, env = os.Args[0], append(env, asMain+"=1")
	}
	var total, cpu, whole time.Duration
	for b.Loop() {
		for len(first) > 0 {
			<-first
		}
		cmd := exec.Command(bin, "--config", config, "why", "backend")
		cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		pids <- cmd.Process.Pid
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
		whole += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		select {
		case m := <-first:
			total += m.at.Sub(start)
			cpu += m.cpu
		default:
			b.Fatal("no AWS call")
		}
		for len(pids) > 0 {
			<-pids
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(total), "ms-to-first-call/op")
	b.ReportMetric(ms(cpu), "cpu-ms-to-first-call/op")
	b.ReportMetric(ms(whole), "cpu-ms/op")
}

// cpuUsed is the CPU time a running process has used so far, summed over
// its threads (nanoseconds on CPU, the first field of schedstat).
func cpuUsed(pid int) time.Duration {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var n time.Duration
	for _, t := range tasks {
		buf, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(buf)); len(f) > 0 {
			v, _ := strconv.ParseInt(f[0], 10, 64)
			n += time.Duration(v)
		}
	}
	return n
}

// TestBotBackup: the bot backs its store up as it starts, into a file
// `store check` passes.
func TestBotBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ecsmedic.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateChange(store.Change{ID: "abcd2345", Cluster: "c", Service: "s"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // one backup, then stop
	if err := keepBackups(ctx, st); err != nil {
		t.Fatal(err)
	}
	rep, err := store.Check(store.BackupPath(path), time.Second)
	if err != nil || !rep.OK() || rep.Records["changes"] != 1 {
		t.Errorf("the bot's backup: %+v, %v", rep, err)
	}
}
