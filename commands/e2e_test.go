package commands

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

// simRouter serves a world file over the simulator, frozen at its own now,
// and builds a router on the real SDK clients pointed at it. faults are
// --fail specs the simulator injects.
func simRouter(t *testing.T, path string, services []ServiceRef, faults ...string) (*Router, *world.World) {
	t.Helper()
	w, err := world.Load(path)
	if err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	opt := sim.Options{Freeze: true}
	for _, spec := range faults {
		f, err := sim.ParseFault(spec)
		if err != nil {
			t.Fatal(err)
		}
		opt.Faults = append(opt.Faults, f)
	}
	s := sim.New(w, opt)
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	clients := aws.NewClientsForEndpoint(url, w.Region)
	now := w.Now
	clients.Now = func() time.Time { return now }
	return NewRouter(Env{Services: services, AWS: clients, Now: func() time.Time { return now }}), w
}

func TestEndToEndExampleWorld(t *testing.T) {
	t.Parallel()
	r, _ := simRouter(t, "../aws/world/builtin/example.yaml",
		[]ServiceRef{{Alias: "api", Cluster: "demo", Service: "api"}})
	ctx := context.Background()
	tests := []struct {
		line     string
		locale   string
		contains []string
	}{
		{"!why api", "en", []string{"api: stopped after failing load-balancer health checks", "137", "SIGKILL"}},
		{"!why api", "ko", []string{"헬스 체크", "137"}},
		{"why API", "en", []string{"load-balancer health checks"}},
		{"!status api", "en", []string{"api: 1/1 running"}},
		{"!logs api", "en", []string{"api"}},
		{"!why nope", "en", []string{"no service 'nope'", "Known: api"}},
	}
	for _, tt := range tests {
		t.Run(tt.line+"/"+tt.locale, func(t *testing.T) {
			ms := r.Handle(ctx, Input{Text: tt.line, Locale: tt.locale})
			if len(ms) == 0 {
				t.Fatal("no reply")
			}
			got := ms[0].Title + "\n" + ms[0].Description
			for _, f := range ms[0].Fields {
				got += "\n" + f.Name + "\n" + f.Value
			}
			for _, want := range tt.contains {
				if !strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
					t.Errorf("reply lacks %q:\n%s", want, got)
				}
			}
		})
	}
}

// TestEndToEndIncident is the student club's incident: world file, the
// simulator, the real SDK clients, the router and the diagnosis.
func TestEndToEndIncident(t *testing.T) {
	t.Parallel()
	const path = "../aws/world/builtin/incident.yaml"
	if _, err := os.Stat(path); err != nil {
		t.Skip("the incident world is not there yet")
	}
	w, err := world.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var refs []ServiceRef
	for _, s := range w.Services {
		name, _ := s["serviceName"].(string)
		arn, _ := s["clusterArn"].(string)
		refs = append(refs, ServiceRef{Alias: name, Cluster: arn[strings.LastIndex(arn, "/")+1:], Service: name})
	}
	r, _ := simRouter(t, path, refs)
	ms := r.Handle(context.Background(), Input{Text: "!why backend"})
	if len(ms) != 1 {
		t.Fatalf("got %d messages, want 1", len(ms))
	}
	m := ms[0]
	if !strings.Contains(m.Title, "not out of memory") {
		t.Errorf("title %q does not say it was not OOM", m.Title)
	}
	if len(m.Attachments) == 0 || len(m.Attachments[0].Data) == 0 {
		t.Error("no chart")
	}
	if len(m.Buttons) == 0 {
		t.Error("no remedy buttons")
	}
	var out bytes.Buffer
	if err := Chat(context.Background(), r, strings.NewReader("why backend\n1\nquit\n"), &out, ChatOptions{Locale: "ko"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "메모리 부족(OOM)이 아니었습니다") {
		t.Errorf("Korean chat lacks the lesson:\n%s", out.String())
	}
}
