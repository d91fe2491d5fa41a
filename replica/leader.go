// Package replica lets several ecsmedic replicas on one shared store
// (storage.engine: dynamodb) agree on one that runs the work that must
// run once: the watcher and the schedules. That replica holds the store's
// "leader" lease and renews it; when it stops renewing (it died, or lost
// the store), another takes the lease once it lapses. README "Running
// more than one replica".
package replica

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
)

// Leaser is the store's lease; store.Engine is one.
type Leaser interface {
	AcquireLease(name, holder string, ttl time.Duration) (store.Lease, bool, error)
	ReleaseLease(name, holder string) error
}

// DefaultTTL is how long a lease lasts without renewal: a replica that
// dies is replaced within it (plus one renewal interval, TTL/3).
const DefaultTTL = 15 * time.Second

// Leader is one replica's part in the election.
type Leader struct {
	st     Leaser
	name   string
	holder string
	ttl    time.Duration

	mu      sync.Mutex
	leading bool
	epoch   uint64
	term    chan struct{} // closed when the current term ends
	changed chan struct{} // closed and replaced at every change
}

// New is a replica named holder (its instance id) competing for the
// lease name.
func New(st Leaser, name, holder string, ttl time.Duration) *Leader {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Leader{st: st, name: name, holder: holder, ttl: ttl, changed: make(chan struct{})}
}

// Leading reports whether this replica leads now, and in which epoch.
func (l *Leader) Leading() (bool, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.leading, l.epoch
}

// Tick takes or renews the lease once. A replica that fails to renew
// steps down at once, before the lease lapses for the others: the work
// it led stops (Only's contexts are cancelled).
func (l *Leader) Tick() {
	lease, got, err := l.st.AcquireLease(l.name, l.holder, l.ttl)
	if err != nil {
		slog.Warn("could not renew the leader lease: this replica stops the watcher and the schedules until it can", "err", err)
		got = false
	}
	l.set(got, lease.Epoch)
}

func (l *Leader) set(leading bool, epoch uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if leading == l.leading && (!leading || epoch == l.epoch) {
		return
	}
	if l.leading {
		close(l.term)
		slog.Info("this replica no longer leads: another runs the watcher and the schedules", "epoch", l.epoch)
	}
	l.leading, l.epoch = leading, epoch
	if leading {
		l.term = make(chan struct{})
		slog.Info("this replica leads: it runs the watcher and the schedules", "epoch", epoch)
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

// Run ticks every TTL/3 until ctx ends, then gives the lease up so that
// another replica takes over at once rather than after the TTL.
func (l *Leader) Run(ctx context.Context) error {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		l.Tick()
		select {
		case <-ctx.Done():
			l.Resign()
			return nil
		case <-t.C:
		}
	}
}

// Resign gives the lease up and ends the current term.
func (l *Leader) Resign() {
	if err := l.st.ReleaseLease(l.name, l.holder); err != nil {
		slog.Warn("could not give the leader lease up: another replica takes over when it lapses", "err", err)
	}
	l.set(false, 0)
}

// Only runs fn while this replica leads, with a context that ends with
// the term, and again at each later term, until ctx ends.
func (l *Leader) Only(fn func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		for {
			l.mu.Lock()
			leading, term, changed := l.leading, l.term, l.changed
			l.mu.Unlock()
			if !leading {
				select {
				case <-ctx.Done():
					return nil
				case <-changed:
					continue
				}
			}
			tctx, cancel := context.WithCancel(ctx)
			go func() {
				select {
				case <-term:
				case <-tctx.Done():
				}
				cancel()
			}()
			err := fn(tctx)
			cancel()
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				slog.Warn("leader work ended with an error; it starts again at the next term", "err", err)
			}
			// Wait for this term to end before running fn again.
			select {
			case <-ctx.Done():
				return nil
			case <-term:
			}
		}
	}
}
