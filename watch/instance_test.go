package watch

import (
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
)

func TestOther(t *testing.T) {
	t.Parallel()
	tests := []struct {
		footer, me, want string
		ok               bool
	}{
		{"cluster codedang · service backend · ecsmedic ip-10-0-2-1-3f9a1c2e", "ip-10-0-2-1-3f9a1c2e", "", false},
		{"cluster codedang · service backend · ecsmedic ip-10-0-3-9-aa00bb11", "ip-10-0-2-1-3f9a1c2e", "ip-10-0-3-9-aa00bb11", true},
		{"cluster codedang · service backend", "me", "", false},
	}
	for _, tt := range tests {
		got, ok := Other(tt.footer, tt.me)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Other(%q, %q) = %q, %v; want %q, %v", tt.footer, tt.me, got, ok, tt.want, tt.ok)
		}
	}
	if id := NewInstanceID(); !footerRE.MatchString(Footer(id)) {
		t.Errorf("the footer of %q does not parse", id)
	}
}

// TestHeartbeat: a process that finds what an earlier one left says
// nothing; one that finds another's beat after its own warns.
func TestHeartbeat(t *testing.T) {
	t.Parallel()
	c := &aws.Clients{Now: func() time.Time { return time.Date(2024, 4, 17, 4, 40, 0, 0, time.UTC) }}
	st := openStore(t, storePath(t), c)
	t0 := c.Now()
	steps := []struct {
		me        string
		at, since time.Time
		want      string
	}{
		{"old", t0, time.Time{}, ""},
		{"new", t0.Add(time.Minute), time.Time{}, ""},                      // a restart: old is gone
		{"new", t0.Add(2 * time.Minute), t0.Add(time.Minute), ""},          // alone
		{"rogue", t0.Add(3 * time.Minute), time.Time{}, ""},                // a second process starts
		{"new", t0.Add(4 * time.Minute), t0.Add(2 * time.Minute), "rogue"}, // new sees it
	}
	for i, s := range steps {
		got, err := Heartbeat(st, s.me, s.at, s.since)
		if err != nil || got != s.want {
			t.Errorf("step %d: %q, %v; want %q", i, got, err, s.want)
		}
	}
}
