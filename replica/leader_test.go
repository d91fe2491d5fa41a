package replica

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/store/storetest"
)

// TestTakeover: two replicas on one store. One leads and runs the work;
// the other waits. When the leader stops renewing (killed), the other
// takes over once the lease lapses, within TTL + TTL/3 of the last
// renewal; the old leader, if it comes back, steps down at its first
// renewal. A replica that stops cleanly hands over at once.
func TestTakeover(t *testing.T) {
	clk := storetest.NewClock()
	st, err := store.Open(filepath.Join(t.TempDir(), "ecsmedic.db"), store.Options{Now: clk.Now, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	const ttl = 15 * time.Second
	a, b := New(st, "leader", "a", ttl), New(st, "leader", "b", ttl)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type term struct {
		who   string
		ended chan struct{}
	}
	started := make(chan term, 4)
	work := func(who string) func(context.Context) error {
		return func(ctx context.Context) error {
			ended := make(chan struct{})
			started <- term{who, ended}
			<-ctx.Done()
			close(ended)
			return nil
		}
	}
	done := make(chan struct{}, 2)
	go func() { _ = a.Only(work("a"))(ctx); done <- struct{}{} }()
	go func() { _ = b.Only(work("b"))(ctx); done <- struct{}{} }()

	at := func(d time.Duration) { clk.Set(storetest.T0.Add(d)) }
	at(0)
	a.Tick()
	b.Tick()
	first := <-started
	if first.who != "a" {
		t.Fatalf("%s runs the work, want a (it took the lease first)", first.who)
	}
	if l, _ := b.Leading(); l {
		t.Fatal("b leads too")
	}
	// a renews every TTL/3, then is killed after its renewal at 10 s.
	for _, s := range []time.Duration{5 * time.Second, 10 * time.Second} {
		at(s)
		a.Tick()
		b.Tick()
	}
	// b ticks on; the lease, renewed at 10 s, lapses at 25 s.
	var took time.Duration
	for s := 15 * time.Second; s <= 30*time.Second; s += ttl / 3 {
		at(s)
		b.Tick()
		if l, _ := b.Leading(); l {
			took = s
			break
		}
	}
	if took == 0 || took-10*time.Second > ttl+ttl/3 {
		t.Fatalf("b took over %s after a's last renewal, want within %s", took-10*time.Second, ttl+ttl/3)
	}
	second := <-started
	if _, epoch := b.Leading(); second.who != "b" || epoch != 2 {
		t.Fatalf("after the takeover %s runs the work in epoch %d, want b in 2", second.who, epoch)
	}
	// a comes back (it was only stalled): its renewal fails and it stops.
	a.Tick()
	<-first.ended
	if l, _ := a.Leading(); l {
		t.Fatal("the stalled leader still leads")
	}
	// b stops cleanly: a takes over at its next tick, without waiting.
	b.Resign()
	<-second.ended
	a.Tick()
	third := <-started
	if _, epoch := a.Leading(); third.who != "a" || epoch != 3 {
		t.Fatalf("after the handover %s runs the work in epoch %d, want a in 3", third.who, epoch)
	}
	cancel()
	<-done
	<-done
}
