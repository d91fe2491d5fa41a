package watch

import (
	"bytes"
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// Two targets (accounts) each have a cluster codedang with a service
// backend that stopped: one watcher per target, one store. Each stop is
// recorded under its target's cluster and announced under its qualified
// name; neither hides the other.
func TestWatchersOfTwoTargetsShareAStore(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(incidentWorld)
	if err != nil {
		t.Fatal(err)
	}
	// The same incident in another account: its ARNs differ, as AWS's do.
	other, err := world.Parse("staging.yaml", bytes.ReplaceAll(data, []byte("111122223333"), []byte("444455556666")))
	if err != nil {
		t.Fatal(err)
	}
	_, prodClients := simWorld(t)
	_, stagingClients, _ := serveWorld(t, other)
	st := openStore(t, storePath(t), prodClients)
	n := &notifier{}
	ctx := context.Background()
	watchers := map[string]*Watcher{}
	for target, clients := range map[string]*aws.Clients{"prod": prodClients, "staging": stagingClients} {
		refs := []svcref.Ref{{Target: target, Alias: "backend", Cluster: "codedang", Service: "backend"}}
		watchers[target] = newWatcher(clients, st, n, func(c *Config) { c.Services = refs })
	}
	for _, target := range []string{"prod", "staging"} {
		if err := watchers[target].Poll(ctx); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
	}
	var services []string
	for _, a := range n.alerts {
		services = append(services, a.Service)
	}
	sort.Strings(services)
	if d := cmp.Diff([]string{"prod/backend", "staging/backend"}, services); d != "" {
		t.Errorf("alerts (-want +got):\n%s", d)
	}
	since := prodClients.Now().Add(-24 * time.Hour)
	for cluster, want := range map[string]int{"prod/codedang": 1, "staging/codedang": 1, "codedang": 0} {
		recs, err := st.Stops(cluster, "backend", since)
		if err != nil || len(recs) != want {
			t.Errorf("stops of %s/backend: %d, %v; want %d", cluster, len(recs), err, want)
		}
	}
}
