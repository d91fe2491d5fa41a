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
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
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
// log lines and the application's other text through the redactor.
func masked(v any) any {
	aws.HideEnvironment(v)
	capture.MaskAppText(v, redact.Default) // Logs' Message included
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

// TestCaptureMasksAppText: the fields besides logs and environment that
// carry the application's text (commands, entry points, Docker labels,
// log and volume driver options, stop and container reasons, overrides,
// service events) are masked as a
// reply in chat masks them, and the replay still diagnoses the same.
func TestCaptureMasksAppText(t *testing.T) {
	t.Parallel()
	orig, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	const pw = "hunter2-judge-db"
	for _, td := range orig.TaskDefinitions {
		for _, c := range td["containerDefinitions"].([]any) {
			m := c.(map[string]any)
			m["command"] = []any{"--db-password=" + pw + "-command"}
			m["entryPoint"] = []any{"sh", "-c", "DB_URL=postgres://judge:" + pw + "-entrypoint@db/judge exec app"}
			m["dockerLabels"] = map[string]any{"api_key": pw + "-label", "team": "judge", "auth": "password=" + pw + "-label2"}
			if lc, ok := m["logConfiguration"].(map[string]any); ok {
				lc["options"].(map[string]any)["splunk-token"] = pw + "-logdriver"
			}
		}
	}
	for _, td := range orig.TaskDefinitions {
		td["volumes"] = []any{map[string]any{"name": "shared", "dockerVolumeConfiguration": map[string]any{
			"driver": "local", "driverOpts": map[string]any{"type": "cifs", "o": "addr=10.0.0.5,username=judge,password=" + pw + "-volume"}}}}
	}
	for _, tk := range orig.Tasks {
		if r, ok := tk["stoppedReason"].(string); ok {
			tk["stoppedReason"] = r + " token=" + pw + "-stop"
		}
		for _, c := range tk["containers"].([]any) {
			c.(map[string]any)["reason"] = "CannotStartContainerError: password=" + pw + "-container"
		}
		tk["overrides"] = map[string]any{"containerOverrides": []any{map[string]any{"name": "backend", "command": []any{"--password=" + pw + "-override"}}}}
	}
	for _, s := range orig.Services {
		for _, e := range s["events"].([]any) {
			e.(map[string]any)["message"] = e.(map[string]any)["message"].(string) + " secret=" + pw + "-event"
		}
	}
	live := serve(t, orig)
	w, err := capture.Capture(context.Background(), live, "codedang", []string{"backend"}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := world.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, pw) {
			t.Errorf("the captured world holds the password: %s", strings.TrimSpace(l))
		}
	}
	for _, kept := range []string{"--db-password=[redacted]", "team: judge", "postgres://judge:[redacted]@db/judge", "awslogs-group: ", "username=judge,password=[redacted]"} {
		if !strings.Contains(string(data), kept) {
			t.Errorf("the captured world lost %q", kept)
		}
	}
	loaded, err := world.Parse("capture.yaml", data)
	if err != nil {
		t.Fatalf("the capture does not load: %v", err)
	}
	verdict := func(c *aws.Clients) diagnose.Verdict {
		snap, err := c.GatherService(context.Background(), "codedang", "backend", aws.GatherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return diagnose.Diagnose(snap, diagnose.Options{}).Verdict
	}
	if a, b := verdict(live), verdict(serve(t, loaded)); a.Cause != b.Cause || a.Confidence != b.Confidence {
		t.Errorf("the replay diagnoses %s (%s), the live world %s (%s)", b.Cause, b.Confidence, a.Cause, a.Confidence)
	}
}
