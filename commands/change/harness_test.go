package change

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/internal/testlog"
	"github.com/ecsmedic/ecsmedic/store"
)

// TestMain keeps the code's slog output out of the test output.
func TestMain(m *testing.M) { testlog.Main(m) }

var kst = time.FixedZone("KST", 9*3600)

// People in the tests. The club's roles: operators ask, approvers approve.
var (
	alice = Actor{ID: "100", Name: "alice", Roles: []string{"ops"}}
	bob   = Actor{ID: "200", Name: "bob", Roles: []string{"ops", "approvers"}}
	carol = Actor{ID: "300", Name: "carol", Roles: []string{"ops", "approvers"}}
	dave  = Actor{ID: "400", Name: "dave", Roles: []string{"ops"}} // may ask, not approve
	eve   = Actor{ID: "500", Name: "eve"}                          // no role at all
	tty   = Actor{ID: "terminal", Name: "terminal", Console: true}
)

// harness is one world served by the simulator, the real SDK clients, a
// real store on a temporary file and an engine over them, with a clock the
// test moves.
type harness struct {
	t       *testing.T
	w       *world.World
	srv     *sim.Server
	clients *aws.Clients
	st      *store.Store
	eng     *Engine
	opt     Options

	faults []sim.Fault
	lose   string // an operation whose answers are lost: carried out, answered with a 500
	// callTimeout bounds each AWS call (5 s when zero); a test with a
	// timeout fault makes it short, since the fault holds until it ends.
	callTimeout time.Duration
	edit        func(*world.World)

	mu      sync.Mutex
	now     time.Time
	updates []Outcome
	audits  []store.AuditRecord
	ids     int
}

type harnessOption func(*harness)

func withFaults(t *testing.T, specs ...string) harnessOption {
	return func(h *harness) {
		for _, s := range specs {
			f, err := sim.ParseFault(s)
			if err != nil {
				t.Fatal(err)
			}
			h.faults = append(h.faults, f)
		}
	}
}

// withLostAnswers puts a proxy before the simulator that lets op through
// but answers it with a 500, as when AWS did the work and the answer was
// lost.
func withLostAnswers(op string) harnessOption { return func(h *harness) { h.lose = op } }

// loseAnswers serves a proxy to url on the loopback that replaces the
// answers to op (by its X-Amz-Target) with a 500 after the simulator ran it.
func loseAnswers(t *testing.T, url, op string) string {
	t.Helper()
	to, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(to)
	proxy.ModifyResponse = func(r *http.Response) error {
		if !strings.HasSuffix(r.Request.Header.Get("X-Amz-Target"), "."+op) {
			return nil
		}
		_ = r.Body.Close()
		body := `{"__type":"InternalFailure","message":"the answer was lost"}`
		r.StatusCode, r.Status = http.StatusInternalServerError, "500 Internal Server Error"
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

func withOptions(f func(*Options)) harnessOption { return func(h *harness) { f(&h.opt) } }

// withWorld edits the world before it is served.
func withWorld(f func(*world.World)) harnessOption { return func(h *harness) { h.edit = f } }

var noBackoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })

func newHarness(t *testing.T, path string, opts ...harnessOption) *harness {
	t.Helper()
	w, err := loadWorld(path)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, w: w, now: w.Now}
	h.opt = Options{
		Limits: Limits{
			CPU:    Range{Min: 256, Max: 4096, Step: 256},
			Memory: Range{Min: 512, Max: 8192, Step: 512},
			Count:  Range{Min: 0, Max: 10, Step: 1},
		},
		GraceMaxSeconds: 600,
		ApprovalExpiry:  10 * time.Minute,
		Operators:       []string{"ops"},
		Approvers:       []string{"approvers"},
		Services: []Target{
			{Alias: "backend", Cluster: "codedang", Service: "backend"},
			{Alias: "frontend", Cluster: "codedang", Service: "frontend"},
		},
	}
	for _, o := range opts {
		o(h)
	}
	h.opt.Now = h.clock
	h.opt.Wait = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		h.advance(d)
		return nil
	}
	h.opt.NewID = func() string {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.ids++
		return fmt.Sprintf("k%07d", h.ids)
	}
	h.opt.Update = func(o Outcome) {
		h.mu.Lock()
		h.updates = append(h.updates, o)
		h.mu.Unlock()
	}
	h.opt.OnAudit = func(r store.AuditRecord) {
		h.mu.Lock()
		h.audits = append(h.audits, r)
		h.mu.Unlock()
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "ecsmedic.db"), store.Options{Timeout: time.Second, Now: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.st = st
	if h.edit != nil {
		h.edit(w)
	}
	h.serve(w)
	return h
}

func loadWorld(path string) (*world.World, error) {
	if name, ok := strings.CutPrefix(path, "builtin:"); ok {
		return world.Builtin(name)
	}
	return world.Load(path)
}

// serve starts a simulator over w (frozen at its own present) and an
// engine on clients for it, over the harness's store.
func (h *harness) serve(w *world.World) {
	h.t.Helper()
	srv := sim.New(w, sim.Options{Freeze: true, Faults: h.faults})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	if h.lose != "" {
		url = loseAnswers(h.t, url, h.lose)
	}
	timeout := h.callTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	clients := aws.NewClientsForEndpoint(url, w.Region, aws.WithRetryBackoff(noBackoff), aws.WithMaxAttempts(2), aws.WithCallTimeout(timeout))
	now := w.Now
	clients.Now = func() time.Time { return now }
	h.t.Cleanup(func() {
		clients.CloseIdleConnections()
		srv.Close()
	})
	h.srv, h.clients = srv, clients
	h.eng = New(clients, h.st, h.opt)
	h.t.Cleanup(h.eng.Close)
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

func ask(a Actor) Ask { return Ask{Actor: a} }

func (h *harness) request(a Actor, req Request) Outcome {
	h.t.Helper()
	return h.eng.Request(context.Background(), ask(a), req)
}

// mutations lists the simulator's mutating calls, as "Operation" (with
// "!" for an injected answer).
func (h *harness) mutations() []string {
	var out []string
	for _, c := range h.srv.Calls() {
		if c.Mutating {
			op := c.Operation
			if c.Injected {
				op += "!"
			}
			out = append(out, op)
		}
	}
	return out
}

func (h *harness) count(op string) int {
	n := 0
	for _, c := range h.srv.Calls() {
		if c.Mutating && c.Operation == op {
			n++
		}
	}
	return n
}

// noMutations asserts that nothing was written to AWS.
func (h *harness) noMutations(when string) {
	h.t.Helper()
	if m := h.mutations(); len(m) > 0 {
		h.t.Errorf("%s: mutating calls %v, want none", when, m)
	}
}

func (h *harness) change(id string) store.Change {
	h.t.Helper()
	c, err := h.st.Change(id)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) events() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, a := range h.audits {
		out = append(out, a.Event)
	}
	return out
}

// said is everything an outcome's plan says, in English: the values the
// engine hands out, without the chat's rendering.
func said(o Outcome) string {
	p := text.New("en")
	var out []string
	add := func(ts ...Text) {
		for _, t := range ts {
			if t.ID != "" {
				out = append(out, t.In(p, "!"))
			}
		}
	}
	if pl := o.Plan; pl != nil {
		add(pl.Subject)
		add(pl.Diff...)
		for _, c := range pl.Checks {
			add(c.Name, c.Reason)
		}
		add(pl.Notes...)
		if pl.Outcome != nil {
			add(*pl.Outcome)
		}
		if pl.Progress != nil {
			add(*pl.Progress)
		}
		out = append(out, pl.Calls...)
	}
	return strings.Join(out, "\n")
}

func mustMention(t *testing.T, o Outcome, want ...string) {
	t.Helper()
	got := said(o)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("outcome lacks %q:\n%s", w, got)
		}
	}
}

// mustBe checks an outcome's refusal and status.
func mustBe(t *testing.T, o Outcome, r Refusal, st store.Status) {
	t.Helper()
	if o.Refusal != r || o.Status != st {
		t.Errorf("outcome refusal %q status %q, want %q %q (err %v)", o.Refusal, o.Status, r, st, o.Err)
	}
}

// pendingID is the ID of a change waiting for approval.
func pendingID(t *testing.T, o Outcome) string {
	t.Helper()
	if !o.Pending() || o.Change.ID == "" {
		t.Fatalf("not a pending plan: refusal %q status %q err %v\n%s", o.Refusal, o.Status, o.Err, said(o))
	}
	return o.Change.ID
}
