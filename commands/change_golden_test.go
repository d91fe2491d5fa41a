package commands

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
)

// goldenEngine is the incident world served by the simulator, frozen at
// its present, with a change engine whose clock moves only when the
// follow-up waits, and a router that renders its outcomes.
func goldenEngine(t *testing.T) (*Router, *change.Engine, *store.Store, func() time.Time) {
	t.Helper()
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	srv := sim.New(w, sim.Options{Freeze: true})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	noBackoff := retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	clients := aws.NewClientsForEndpoint(url, w.Region, aws.WithRetryBackoff(noBackoff), aws.WithMaxAttempts(2), aws.WithCallTimeout(5*time.Second))
	clients.Now = func() time.Time { return w.Now }
	var mu sync.Mutex
	now, ids := w.Now, 0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st, err := store.Open(filepath.Join(t.TempDir(), "ecsmedic.db"), store.Options{Timeout: time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	opt := ChangeOptions(config.Defaults().Guards, config.Roles{Operators: []string{"ops"}, Approvers: []string{"approvers"}})
	opt.Location, opt.Now = kst, clock
	opt.Services = []change.Target{{Alias: "backend", Cluster: "codedang", Service: "backend"}, {Alias: "frontend", Cluster: "codedang", Service: "frontend"}}
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
		srv.Close()
	})
	services := []ServiceRef{{Alias: "backend", Cluster: "codedang", Service: "backend"}, {Alias: "frontend", Cluster: "codedang", Service: "frontend"}}
	r := NewRouter(Env{Services: services, Locale: "en", Location: kst, AWS: clients, Changes: eng, Now: clock})
	return r, eng, st, clock
}

// TestGoldenChangeReplies keeps the plan replies of the club's fix, and
// the outcomes people read, in both languages: the engine's outcomes as
// the router renders them.
func TestGoldenChangeReplies(t *testing.T) {
	backend := change.Target{Alias: "backend", Cluster: "codedang", Service: "backend"}
	scaleCPU := change.Request{Kind: change.KindScaleCPU, Target: backend, Value: 1024}
	reservationOn := change.Request{Kind: change.KindReservationOn, Target: change.Target{Cluster: "codedang"}}
	alice := change.Actor{ID: "100", Name: "alice", Roles: []string{"ops"}}
	bob := change.Actor{ID: "200", Name: "bob", Roles: []string{"ops", "approvers"}}
	for _, lang := range text.Languages {
		t.Run(lang, func(t *testing.T) {
			r, eng, st, clock := goldenEngine(t)
			ctx := context.Background()
			a := func(who change.Actor) change.Ask { return change.Ask{Actor: who} }
			show := func(name string, o change.Outcome) change.Outcome {
				t.Helper()
				goldenReplyData(t, name+"_"+lang, r.ChangeReply(lang, o), true)
				return o
			}
			show("refused_scale_cpu", eng.Request(ctx, a(alice), scaleCPU))
			o := show("plan_reservation_on", eng.Request(ctx, a(alice), reservationOn))
			show("applied_reservation_on", eng.Approve(ctx, a(bob), o.Change.ID))
			o = show("plan_scale_cpu", eng.Request(ctx, a(alice), scaleCPU))
			show("self_approve", eng.Approve(ctx, a(alice), o.Change.ID))
			show("timeout_scale_cpu", eng.Approve(ctx, a(bob), o.Change.ID))
			show("dry_run_grace", eng.Request(ctx, change.Ask{Actor: alice, DryRun: true},
				change.Request{Kind: change.KindGrace, Target: backend, Value: 120}))
			recs, err := st.AuditLog(clock().Add(-24*time.Hour), 1)
			if err != nil || len(recs) != 1 {
				t.Fatal(recs, err)
			}
			goldenReplyData(t, "audit_"+lang, r.AuditReply(lang, recs[0]), true)
		})
	}
}
