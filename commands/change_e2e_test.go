package commands

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/store"
)

// changeRouter is a router over the incident world with a change engine on
// a real store, and the simulator to read its call log.
func changeRouter(t *testing.T) (*Router, *sim.Server) {
	t.Helper()
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(w, sim.Options{Freeze: true})
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	clients := aws.NewClientsForEndpoint(url, w.Region, aws.WithMaxAttempts(1))
	now := w.Now
	clients.Now = func() time.Time { return now }
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	services := []ServiceRef{{Alias: "backend", Cluster: "codedang", Service: "backend"}, {Alias: "frontend", Cluster: "codedang", Service: "frontend"}}
	eng := change.New(clients, st, change.Options{
		Operators: []string{"ops"}, Approvers: []string{"approvers"},
		Services: []change.Target{{Alias: "backend", Cluster: "codedang", Service: "backend"}},
		Now:      func() time.Time { return now },
		Wait:     func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	t.Cleanup(func() {
		eng.Close()
		st.Close()
		clients.CloseIdleConnections()
		s.Close()
	})
	return NewRouter(Env{Services: services, AWS: clients, Changes: eng, Now: func() time.Time { return now }}), s
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
