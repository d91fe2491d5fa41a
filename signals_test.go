package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/store"
)

// pollEnv sets the engine's poll interval in a child run as ecsmedic, so
// that a follow-up the test waits on ends in milliseconds (the simulator
// moves a deployment one step per poll).
const pollEnv = "ECSMEDIC_TEST_POLL_EVERY"

func init() {
	if os.Getenv(asMain) == "1" {
		if d, err := time.ParseDuration(os.Getenv(pollEnv)); err == nil {
			pollEvery = d
		}
	}
}

// patience bounds every wait on a child: a generous deadline that fails
// the test, never a measure of speed.
const patience = 20 * time.Second

// child is ecsmedic running as a real process, its output read as it
// comes.
type child struct {
	t       *testing.T
	cmd     *exec.Cmd
	mu      sync.Mutex
	out     strings.Builder
	errOut  strings.Builder
	changed chan struct{}
	eof     chan struct{}
}

func start(t *testing.T, dir string, env []string, args ...string) *child {
	t.Helper()
	c := &child{t: t, cmd: ecsmedicCmd(dir, args...), changed: make(chan struct{}, 1), eof: make(chan struct{})}
	c.cmd.Env = append(c.cmd.Env, env...)
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.cmd.Process.Kill() })
	var wg sync.WaitGroup
	for pipe, into := range map[io.Reader]*strings.Builder{stdout: &c.out, stderr: &c.errOut} {
		wg.Go(func() {
			sc := bufio.NewScanner(pipe)
			for sc.Scan() {
				c.mu.Lock()
				into.WriteString(sc.Text() + "\n")
				c.mu.Unlock()
				select {
				case c.changed <- struct{}{}:
				default:
				}
			}
		})
	}
	go func() { wg.Wait(); close(c.eof) }()
	return c
}

func (c *child) stdout() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

func (c *child) stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.errOut.String()
}

// waitFor waits until stdout or stderr says s.
func (c *child) waitFor(s string) {
	c.t.Helper()
	c.waitForWithin(s, patience)
}

// waitForWithin is waitFor for what takes longer than patience by design
// (a lease lapsing), with that much more room.
func (c *child) waitForWithin(s string, patience time.Duration) {
	c.t.Helper()
	deadline := time.After(patience)
	says := func() bool { return strings.Contains(c.stdout()+c.stderr(), s) }
	for !says() {
		select {
		case <-c.changed:
		case <-c.eof:
			if !says() {
				c.t.Fatalf("ecsmedic ended without saying %q:\n%s\n%s", s, c.stdout(), c.stderr())
			}
		case <-deadline:
			c.t.Fatalf("ecsmedic did not say %q within %s:\n%s", s, patience, c.stdout())
		}
	}
}

// wait waits for the process to end and returns its result; a process
// still alive after patience fails the test.
func (c *child) wait() result {
	c.t.Helper()
	select {
	case <-c.eof:
	case <-time.After(patience):
		c.t.Fatalf("ecsmedic still runs %s later:\n%s", patience, c.stdout())
	}
	err := c.cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	r := result{c.stdout(), c.stderr(), code}
	if strings.Contains(r.stdout+r.stderr, "panic:") || strings.Contains(r.stdout+r.stderr, "goroutine ") {
		c.t.Fatalf("ecsmedic crashed:\n%s\n%s", r.stdout, r.stderr)
	}
	return r
}

// holdingSim is the simulator with one call held: when the named ECS
// operation comes, the answer never does (before or after the simulator
// carries it out), so the process is stuck inside that step.
type holdingSim struct {
	srv     *sim.Server
	mu      sync.Mutex
	op      string
	after   bool
	arrived chan struct{}
	release chan struct{}
}

func (h *holdingSim) wrap(next http.Handler) http.Handler {
	h.srv = next.(*sim.Server)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		hold := h.op != "" && strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+h.op)
		if hold {
			h.op = "" // one call only
		}
		h.mu.Unlock()
		if !hold {
			next.ServeHTTP(w, r)
			return
		}
		if h.after {
			next.ServeHTTP(httptest.NewRecorder(), r)
		} else {
			_, _ = io.Copy(io.Discard, r.Body) // so that a closed connection ends r's context
		}
		close(h.arrived)
		select {
		case <-r.Context().Done():
		case <-h.release:
		}
	})
}

// count is how many calls of op the simulator carried out.
func (h *holdingSim) count(op string) int {
	n := 0
	for _, c := range h.srv.Calls() {
		if c.Operation == op && c.ErrorCode == "" {
			n++
		}
	}
	return n
}

func (h *holdingSim) mutating() int {
	n := 0
	for _, c := range h.srv.Calls() {
		if c.Mutating && c.ErrorCode == "" {
			n++
		}
	}
	return n
}

// changeSim is the incident world with reservation scaling on (so that
// backend has room to grow), and its config and store.
func changeSim(t *testing.T, op string, after bool) (h *holdingSim, dir, config, storePath string) {
	t.Helper()
	h = &holdingSim{op: op, after: after, arrived: make(chan struct{}), release: make(chan struct{})}
	dir = t.TempDir()
	// The group never adds a host (Launch suspended), so a deployment
	// that needs one is still under way when the signal comes.
	config, storePath = simConfig(t, dir, h.wrap, func(w *world.World) {
		for _, g := range w.AutoScalingGroups {
			g["SuspendedProcesses"] = []any{map[string]any{"ProcessName": "Launch"}}
		}
	})
	t.Cleanup(func() { close(h.release) })
	if r := ecsmedic(t, dir, "--config", config, "reservation", "on", "--yes"); r.code != 0 {
		t.Fatalf("reservation on: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return h, dir, config, storePath
}

func storedChange(t *testing.T, path, id string) store.Change {
	t.Helper()
	st, err := store.Open(path, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Change(id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var backendChangeID = regexp.MustCompile(`Change ([a-z2-7]{8}): backend`)

func changeID(t *testing.T, out string) string {
	t.Helper()
	m := backendChangeID.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no change id in:\n%s", out)
	}
	return m[1]
}

// TestSignalLeavesFollowUp (issue 11): SIGTERM while a one-shot follows
// its deployment ends it at once, saying the change was applied and who
// follows it now; the store keeps it applying; a later one-shot about
// another change does not follow it; `approve ID` follows it to the end.
func TestSignalLeavesFollowUp(t *testing.T) {
	h, dir, config, path := changeSim(t, "", false)
	updates := h.count("UpdateService")

	p := start(t, dir, nil, "--config", config, "scale", "backend", "count", "2", "--yes")
	p.waitFor("1/2 running")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := p.wait()
	id := changeID(t, r.stdout)
	if r.code != 2 {
		t.Errorf("exit %d after SIGTERM, want 2", r.code)
	}
	for _, s := range []string{"Stopped following " + id, "was applied", "ecsmedic status backend", "ecsmedic approve " + id, "the bot picks it up"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr does not say %q:\n%s", s, r.stderr)
		}
	}
	if c := storedChange(t, path, id); c.Status != store.StatusApplying {
		t.Errorf("stored as %s, want applying (followed again by the bot or approve)", c.Status)
	}
	// One UpdateService from the engine; the SDK may send it again after
	// a transport error under load (it sets a state: safe to retry,
	// aws/writers.go), so what is held to none is any write after this.
	if n := h.count("UpdateService") - updates; n < 1 {
		t.Errorf("%d UpdateService calls, want the change's", n)
	}
	updates = h.count("UpdateService")

	fast := []string{pollEnv + "=1ms"}
	other := planChange(t, dir, config, "healthcheck", "frontend", "grace", "60")
	describes := h.count("DescribeServices")
	c := start(t, dir, fast, "--config", config, "cancel", other)
	r = c.wait()
	if r.code != 0 || !strings.Contains(r.stdout, "Cancelled") {
		t.Errorf("cancel %s: exit %d\n%s%s", other, r.code, r.stdout, r.stderr)
	}
	if n := h.count("DescribeServices") - describes; n > 1 {
		t.Errorf("cancel of another change read the service %d times: it followed the deployment", n)
	}
	if c := storedChange(t, path, id); c.Status != store.StatusApplying {
		t.Errorf("after cancel of another change, %s is %s, want still applying", id, c.Status)
	}

	// approve picks the follow-up up again; this deployment never ends in
	// the simulator (no host is added: Launch is suspended), so it is left
	// again.
	a := start(t, dir, fast, "--config", config, "approve", id)
	leaveAgain(t, a, path, id)
	if n := h.count("UpdateService") - updates; n != 0 {
		t.Errorf("%d UpdateService calls after the signal, want none: the follow-up sent its write again", n)
	}
}

// leaveAgain: p follows change id; SIGTERM leaves it applying, and says so.
func leaveAgain(t *testing.T, p *child, path, id string) {
	t.Helper()
	p.waitFor("running")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := p.wait()
	if r.code != 2 || !strings.Contains(r.stderr, "Stopped following "+id) {
		t.Errorf("following %s again, then SIGTERM: exit %d\n%s%s", id, r.code, r.stdout, r.stderr)
	}
	if c := storedChange(t, path, id); c.Status != store.StatusApplying {
		t.Errorf("%s is %s, want applying", id, c.Status)
	}
}

// TestKillDuringApply is issue 11's fault table for a kill -9 at each step
// of apply, then a restart (`approve ID`, which settles what was left and
// follows a deployment in place): the process is held inside a step by a
// call the simulator never answers (before or after carrying it out),
// killed there, and started again. Nothing may be sent twice, nothing sent
// again after the restart, and the change ends applied, failed with what
// happened, or followed again.
func TestKillDuringApply(t *testing.T) {
	cpu := []string{"scale", "backend", "cpu", "1024", "--yes"}
	stop := []string{"scale", "backend", "count", "0", "--yes"}
	grow := []string{"scale", "backend", "count", "2", "--yes"}
	cases := []struct {
		name          string
		args          []string
		op            string // held call; "" = killed while following
		after         bool   // the simulator carried the held call out
		register, upd int    // calls carried out in all
		ends          store.Status
		says          string // after the restart
	}{
		{"RegisterTaskDefinition, not carried out", cpu, "RegisterTaskDefinition", false, 0, 0, store.StatusFailed, "may have been registered"},
		{"RegisterTaskDefinition, answer lost", cpu, "RegisterTaskDefinition", true, 1, 0, store.StatusFailed, "may have been registered"},
		{"UpdateService of a revision, not carried out", cpu, "UpdateService", false, 1, 0, store.StatusFailed, "backend:43 was registered, but backend does not use it"},
		{"UpdateService of a revision, answer lost", cpu, "UpdateService", true, 1, 1, store.StatusApplying, "running"},
		{"UpdateService of a count, not carried out", stop, "UpdateService", false, 0, 0, store.StatusFailed, "restarted while applying this change and it is not in place"},
		{"UpdateService of a count, answer lost", stop, "UpdateService", true, 0, 1, store.StatusApplied, "Done: `backend` is steady"},
		{"while following", grow, "", false, 0, 1, store.StatusApplying, "running"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, dir, config, path := changeSim(t, tc.op, tc.after)
			before := h.mutating()
			p := start(t, dir, nil, append([]string{"--config", config}, tc.args...)...)
			if tc.op != "" {
				select {
				case <-h.arrived:
				case <-time.After(patience):
					t.Fatalf("no %s call within %s:\n%s", tc.op, patience, p.stdout())
				}
			} else {
				p.waitFor("running")
			}
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			r := p.wait()
			id := changeID(t, r.stdout)
			if c := storedChange(t, path, id); c.Status != store.StatusApplying {
				t.Errorf("killed: stored as %s, want applying", c.Status)
			}
			sent := h.mutating()

			a := start(t, dir, []string{pollEnv + "=1ms"}, "--config", config, "approve", id)
			if tc.ends == store.StatusApplying {
				leaveAgain(t, a, path, id)
			} else {
				r = a.wait()
				code := 0
				if tc.ends == store.StatusFailed {
					code = 2 // the change failed, and approve says it is decided
				}
				if r.code != code || !strings.Contains(r.stdout, tc.says) {
					t.Errorf("restart: exit %d (want %d), does not say %q:\n%s%s", r.code, code, tc.says, r.stdout, r.stderr)
				}
				if c := storedChange(t, path, id); c.Status != tc.ends {
					t.Errorf("after the restart: stored as %s, want %s (%s%s)", c.Status, tc.ends, c.Result, c.Error)
				}
			}
			if n := h.mutating() - sent; n != 0 {
				t.Errorf("the restart sent %d writes; want none", n)
			}
			if n := h.count("RegisterTaskDefinition"); n != tc.register {
				t.Errorf("%d RegisterTaskDefinition carried out, want %d", n, tc.register)
			}
			if n := h.count("UpdateService"); n != tc.upd {
				t.Errorf("%d UpdateService carried out, want %d", n, tc.upd)
			}
			if n := h.mutating() - before; n != tc.register+tc.upd {
				t.Errorf("%d writes in all, want %d", n, tc.register+tc.upd)
			}
		})
	}
}

// TestSignalTwiceDuringWrite: SIGTERM while an AWS write hangs lets the
// write finish (it may be carried out), and says so; a second SIGTERM
// ends the process at once; the restart settles the change from what AWS
// holds, sending nothing again.
func TestSignalTwiceDuringWrite(t *testing.T) {
	h, dir, config, path := changeSim(t, "UpdateService", false)
	p := start(t, dir, nil, "--config", config, "scale", "backend", "count", "0", "--yes")
	select {
	case <-h.arrived:
	case <-time.After(patience):
		t.Fatalf("no UpdateService call within %s:\n%s", patience, p.stdout())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitFor("press Ctrl-C again to stop at once")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := p.wait()
	if r.code == 0 {
		t.Errorf("exit 0 after two signals")
	}
	id := changeID(t, r.stdout)
	a := start(t, dir, nil, "--config", config, "approve", id)
	r = a.wait()
	if r.code != 2 || !strings.Contains(r.stdout, "not in place; nothing is sent again") {
		t.Errorf("restart: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if c := storedChange(t, path, id); c.Status != store.StatusFailed {
		t.Errorf("stored as %s, want failed", c.Status)
	}
	if n := h.count("UpdateService"); n != 0 {
		t.Errorf("%d UpdateService carried out, want 0", n)
	}
}
