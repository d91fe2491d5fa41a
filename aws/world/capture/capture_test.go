package capture_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/aws/world/capture"
)

// TestCaptureReplays captures from a running simulator, serves the capture
// from a second one, and checks that the two answer a gather alike: a
// capture must hold everything `why` reads.
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
			if diff := cmp.Diff(asJSON(t, a), asJSON(t, b)); diff != "" {
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
