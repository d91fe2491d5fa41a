package capture_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/aws/world/capture"
	"github.com/ecsmedic/ecsmedic/internal/redact"
)

// TestCaptureReplays captures from a running simulator, serves the capture
// from a second one, and checks that the two answer a gather alike: a
// capture must hold everything `why` reads, but for what it masks.
func TestCaptureReplays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	orig, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	live := serve(t, orig)
	services := []string{"backend", "frontend"}
	w, err := capture.Capture(ctx, live, "codedang", services, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The capture goes through the file format, as a user's would.
	data, err := world.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := world.Parse("capture.yaml", data)
	if err != nil {
		t.Fatalf("the capture does not load: %v", err)
	}
	if loaded.AccountID != orig.AccountID || loaded.Region != orig.Region || !loaded.Now.Equal(orig.Now) {
		t.Errorf("capture header: account %q region %q now %v", loaded.AccountID, loaded.Region, loaded.Now)
	}
	replay := serve(t, loaded)
	for _, svc := range services {
		t.Run(svc, func(t *testing.T) {
			a, err := live.GatherService(ctx, "codedang", svc, aws.GatherOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := replay.GatherService(ctx, "codedang", svc, aws.GatherOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(masked(asJSON(t, a)), asJSON(t, b)); diff != "" {
				t.Errorf("the capture answers differently from the world it was captured from (-live +replay):\n%s", diff)
			}
		})
	}
}

func serve(t testing.TB, w *world.World) *aws.Clients {
	t.Helper()
	srv := sim.New(w, sim.Options{Freeze: true})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := aws.NewClientsForEndpoint(url, w.Region)
	c.Now = srv.Now
	t.Cleanup(func() {
		c.CloseIdleConnections()
		_ = srv.Close()
	})
	return c
}

// asJSON compares snapshots by their exported fields, as the SDK types
// carry unexported ones go-cmp cannot see into.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// masked is a gather as its capture holds it: environment values hidden,
// log lines through the redactor.
func masked(v any) any {
	aws.HideEnvironment(v)
	logs, _ := v.(map[string]any)["Logs"].(map[string]any)
	for _, lines := range logs {
		list, _ := lines.([]any)
		for _, l := range list {
			if m, ok := l.(map[string]any); ok {
				if msg, ok := m["Message"].(string); ok {
					m["Message"] = redact.Default.String(msg)
				}
			}
		}
	}
	return v
}

// TestCaptureKeepsSecretsOut: a world file is written to disk and shared,
// so neither a container's environment values nor the secrets its log
// lines carry reach it; the names and the rest of the lines do.
func TestCaptureKeepsSecretsOut(t *testing.T) {
	t.Parallel()
	orig, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	const password, key = "hunter2-judge-db", "AKIAIOSFODNN7EXAMPLE"
	for _, td := range orig.TaskDefinitions {
		for _, c := range td["containerDefinitions"].([]any) {
			c.(map[string]any)["environment"] = []any{map[string]any{"name": "DB_PASSWORD", "value": password}}
		}
	}
	for i := range orig.Logs {
		orig.Logs[i].Events = append(orig.Logs[i].Events,
			world.LogEvent{Timestamp: orig.Now.Add(-time.Minute), Message: "connecting to postgres://judge:" + password + "@db:5432/judge with key " + key})
	}
	w, err := capture.Capture(context.Background(), serve(t, orig), "codedang", []string{"backend"}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := world.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{password, key} {
		if strings.Contains(string(data), secret) {
			t.Errorf("the captured world holds %q", secret)
		}
	}
	for _, kept := range []string{"DB_PASSWORD", "connecting to postgres://judge:"} {
		if !strings.Contains(string(data), kept) {
			t.Errorf("the captured world lost %q", kept)
		}
	}
}
