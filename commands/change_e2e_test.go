package commands

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// changeRig is the incident world served by the simulator, frozen at its
// present, with a change engine on a real store whose clock moves only
// when the follow-up waits, and a router over them.
type changeRig struct {
	r     *Router
	eng   *change.Engine
	st    *store.Store
	srv   *sim.Server
	clock func() time.Time
}

// changeRouter is a rig whose roles are the club's: ops ask, approvers
// approve.
func changeRouter(t *testing.T) (*Router, *sim.Server) {
	t.Helper()
	rig := newChangeRig(t, config.Roles{Operators: []string{"ops"}, Approvers: []string{"approvers"}})
	return rig.r, rig.srv
}

func newChangeRig(t *testing.T, roles config.Roles, edits ...func(*world.World)) *changeRig {
	t.Helper()
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	for _, edit := range edits {
		edit(w)
	}
	s := sim.New(w, sim.Options{Freeze: true})
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	noBackoff := retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	clients := aws.NewClientsForEndpoint(url, w.Region, aws.WithRetryBackoff(noBackoff), aws.WithMaxAttempts(2), aws.WithCallTimeout(5*time.Second))
	clients.Now = func() time.Time { return w.Now }
	var mu sync.Mutex
	now, ids := w.Now, 0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Timeout: time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	services := svcref.List{{Alias: "backend", Cluster: "codedang", Service: "backend"}, {Alias: "frontend", Cluster: "codedang", Service: "frontend"}}
	opt := ChangeOptions(config.Defaults().Guards, roles)
	opt.Services = services
	opt.Now = clock
	opt.Wait = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
		return ctx.Err()
	}
	opt.NewID = func() string { mu.Lock(); defer mu.Unlock(); ids++; return fmt.Sprintf("k%07d", ids) }
	eng := change.New(clients, st, opt)
	t.Cleanup(func() {
		eng.Close()
		st.Close()
		clients.CloseIdleConnections()
		s.Close()
	})
	r := NewRouter(Env{Services: services, Locale: "en", Location: kst, AWS: clients, Changes: eng, Now: clock})
	return &changeRig{r: r, eng: eng, st: st, srv: s, clock: clock}
}

func mutating(s *sim.Server) []string {
	var out []string
	for _, c := range s.Calls() {
		if c.Mutating {
			out = append(out, c.Operation)
		}
	}
	return out
}

// TestChangeCommands drives the guarded changes through the router as
// Discord would: typed commands, roles, and the buttons' IDs.
func TestChangeCommands(t *testing.T) {
	t.Parallel()
	r, s := changeRouter(t)
	ctx := context.Background()
	alice := Input{User: "100", UserName: "alice", Roles: []string{"ops"}}
	bob := Input{User: "200", UserName: "bob", Roles: []string{"approvers"}}
	say := func(in Input, line string) string {
		in.Text = line
		ms := r.Handle(ctx, in)
		if len(ms) != 1 {
			t.Fatalf("%q: %d replies", line, len(ms))
		}
		out := ms[0].Title + "\n" + ms[0].Description
		for _, f := range ms[0].Fields {
			out += "\n" + f.Value
		}
		for _, b := range ms[0].Buttons {
			out += "\n[" + b.ID + "]"
		}
		return out
	}
	tests := []struct {
		who  Input
		line string
		want string
	}{
		{alice, "!scale backend cpu 1024 --dry-run", "Dry run: this would be refused"},
		{alice, "!scale backend disk 10", "cpu UNITS"},
		{alice, "!autoscale backend on min 1", "Give all three"},
		{alice, "!rollback backend x1", "is not a revision"},
		{alice, "!reservation maybe", "Say `on` or `off`"},
		{alice, "!approve", "Which change?"},
		{alice, "!approve zzzzzzzz", "There is no change `zzzzzzzz`"},
		{bob, "!healthcheck backend grace 60", "needs the operator role"},
		{alice, "!reservation on target 0", "a target of 0 % makes no sense: use 1–100"},
		{alice, "!reservation on target 101 --dry-run", "a target of 101 % makes no sense: use 1–100"},
	}
	for _, tt := range tests {
		if got := say(tt.who, tt.line); !strings.Contains(got, tt.want) {
			t.Errorf("%q:\n%s\nwant %q", tt.line, got, tt.want)
		}
	}
	plan := say(alice, "!reservation on")
	i := strings.Index(plan, "[approve:")
	if i < 0 {
		t.Fatalf("no approve button:\n%s", plan)
	}
	id := plan[i+len("[approve:") : i+len("[approve:")+8]
	if got := say(alice, "approve:"+id); !strings.Contains(got, "someone else must approve") {
		t.Errorf("self approval:\n%s", got)
	}
	if m := mutating(s); len(m) > 0 {
		t.Fatalf("mutating calls before approval: %v", m)
	}
	if got := say(bob, "approve:"+strings.ToUpper(id)); !strings.Contains(got, "Applied") {
		t.Errorf("approval:\n%s", got)
	}
	if got := say(bob, "!approve "+id); !strings.Contains(got, "already approved by bob") {
		t.Errorf("second approval:\n%s", got)
	}
	if m := mutating(s); len(m) != 1 || m[0] != "PutScalingPolicy" {
		t.Errorf("mutating calls %v", m)
	}
}

// TestChangeInTerminal: the terminal is an operator console; pressing 1
// approves the plan it just showed.
func TestChangeInTerminal(t *testing.T) {
	t.Parallel()
	r, s := changeRouter(t)
	var out bytes.Buffer
	if err := Chat(context.Background(), r, strings.NewReader("reservation on\n1\nquit\n"), &out, ChatOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"operator console", "→ approve:", "Applied", "Approved by terminal"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("chat lacks %q:\n%s", want, out.String())
		}
	}
	if m := mutating(s); len(m) != 1 {
		t.Errorf("mutating calls %v", m)
	}
}

// TestChangesOffByDefault: with no approver role in the config, chat
// serves diagnosis only and says which config key turns changes on; the
// terminal (which holds the AWS credentials anyway) still plans and
// approves.
func TestChangesOffByDefault(t *testing.T) {
	rig := newChangeRig(t, config.Roles{})
	r, s := rig.r, rig.srv
	ctx := context.Background()
	var planned change.Outcome
	for _, line := range []string{"!reservation on", "!scale backend count 2", "!approve k0000001"} {
		ms := r.Handle(ctx, Input{Text: line, User: "100", UserName: "alice", OnChange: func(o change.Outcome) { planned = o }})
		if len(ms) != 1 || !ms[0].Failed || !strings.Contains(ms[0].Description, "discord.roles.approvers") {
			t.Errorf("%q: %+v", line, ms)
		}
		if line != "!approve k0000001" && planned.Refusal != change.RefusalChangesOff {
			t.Errorf("%q: refusal %q", line, planned.Refusal)
		}
	}
	if m := mutating(s); len(m) > 0 {
		t.Fatalf("mutating calls: %v", m)
	}
	console := Input{Text: "!reservation on", User: ConsoleUser, UserName: "terminal", OnChange: func(o change.Outcome) { planned = o }}
	r.Handle(ctx, console)
	if !planned.Pending() {
		t.Fatalf("the terminal's plan: refusal %q status %q", planned.Refusal, planned.Status)
	}
	o, m := r.Decide(ctx, console, Approve, planned.Change.ID)
	if o.Refused() || o.Status != store.StatusApplied || m.Failed {
		t.Errorf("the terminal's approval: refusal %q status %q\n%s", o.Refusal, o.Status, m.Description)
	}
}
