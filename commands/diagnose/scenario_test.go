package diagnose_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// expected is a scenario's NAME.expected.json.
type expected struct {
	Service      string   `json:"service"`
	Cause        string   `json:"cause"`
	Contributing []string `json:"contributing"`
	Confidence   string   `json:"confidence"`
	StopCauses   []string `json:"stopCauses"`
}

// TestScenarios runs every world in testdata/scenarios end to end: the
// simulator serves the world with its own times, the real SDK clients gather
// the service, and the engine's verdict must match NAME.expected.json.
func TestScenarios(t *testing.T) {
	t.Parallel()
	worlds, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(worlds) == 0 {
		t.Skip("no scenarios in testdata/scenarios")
	}
	for _, path := range worlds {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(strings.TrimSuffix(path, ".yaml") + ".expected.json")
			if err != nil {
				t.Fatalf("the scenario has no expected verdict: %v", err)
			}
			var want expected
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatalf("reading the expected verdict: %v", err)
			}
			w, err := world.Load(path)
			if err != nil {
				t.Fatalf("loading the world: %v", err)
			}
			d := diagnoseWorld(t, w, want.Service)

			got := expected{Service: d.Service, Cause: d.Verdict.Cause, Contributing: d.Verdict.Contributing,
				Confidence: d.Verdict.Confidence, StopCauses: []string{}}
			for _, s := range d.Stops {
				got.StopCauses = append(got.StopCauses, s.Cause)
			}
			if want.Contributing == nil {
				want.Contributing = []string{}
			}
			if want.StopCauses == nil {
				want.StopCauses = []string{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("verdict (-want +got):\n%s\nsummary: %s\nmissing: %v", diff, d.Verdict.Summary, d.Missing)
			}
			// Replies word the timeline from its messages: in English they
			// must say what the JSON's text says.
			for _, e := range d.Timeline {
				if said := explain.EventText(text.New("en"), e); said != e.Text {
					t.Errorf("timeline message %s says %q; the event's text is %q", e.Say.ID, said, e.Text)
				}
			}
		})
	}
}

// diagnoseWorld serves w frozen at its own moment, gathers service with
// the real SDK clients and diagnoses it.
func diagnoseWorld(t *testing.T, w *world.World, service string) diagnose.Diagnosis {
	t.Helper()
	cluster := clusterOf(t, w, service)
	srv := sim.New(w, sim.Options{Freeze: true})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("starting the simulator: %v", err)
	}
	defer srv.Close()
	clients := aws.NewClientsForEndpoint(url, w.Region)
	clients.Now = srv.Now // the frozen world's present, not the wall clock
	defer clients.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := clients.GatherService(ctx, cluster, service, aws.GatherOptions{})
	if err != nil {
		t.Fatalf("gathering %s/%s: %v", cluster, service, err)
	}
	return diagnose.Diagnose(snap, diagnose.Options{Alias: service, Prefix: "!"})
}

// clusterOf finds the cluster that holds the service in the world.
func clusterOf(t *testing.T, w *world.World, service string) string {
	t.Helper()
	for _, s := range w.Services {
		if s["serviceName"] != service {
			continue
		}
		if arn, _ := s["clusterArn"].(string); arn != "" {
			return arn[strings.LastIndexByte(arn, '/')+1:]
		}
	}
	if len(w.Clusters) == 1 {
		if n, _ := w.Clusters[0]["clusterName"].(string); n != "" {
			return n
		}
	}
	t.Fatalf("no cluster holds service %q in the world", service)
	return ""
}

// TestStartFailureRemedies: a task that could not start gets advice on
// what its reason points at, and a secret it could not fetch is named in
// full, though the text reply cuts the reason before it.
func TestStartFailureRemedies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		scenario, action, resource string
	}{
		{"resource-init-secrets", diagnose.ActionFixTaskAccess, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/billing/stripe-Xy12Ab"},
		{"image-pull-circuit-breaker", diagnose.ActionFixImagePull, ""},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			t.Parallel()
			w, err := world.Load(filepath.Join("testdata", "scenarios", tt.scenario+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join("testdata", "scenarios", tt.scenario+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want expected
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			d := diagnoseWorld(t, w, want.Service)
			for _, r := range d.Remedies {
				if r.Action == tt.action {
					if r.Resource != tt.resource {
						t.Errorf("%s names %q, want %q", r.Action, r.Resource, tt.resource)
					}
					return
				}
			}
			t.Errorf("no %s among %+v", tt.action, d.Remedies)
		})
	}
}
