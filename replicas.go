package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/replica"
	"github.com/ecsmedic/ecsmedic/store"
)

// replicas is how `ecsmedic run` shares the work with other replicas on
// one DynamoDB table (README "Running more than one replica"): each chat
// event is answered by the replica that claims it, and the watcher and
// the schedules run on the one that holds the leader lease. On bbolt
// there is one replica, which does everything.
type replicas struct {
	leader *replica.Leader // nil: one replica
	claim  func(id string) bool
}

func replicasOn(cfg *config.Config, st store.Engine, instance string) replicas {
	if cfg.Storage.Engine != config.EngineDynamoDB {
		return replicas{}
	}
	return replicas{
		leader: replica.New(st, "leader", instance, replica.DefaultTTL),
		claim: func(id string) bool {
			won, err := st.Claim("event:"+id, instance)
			if err != nil {
				// Answering twice beats not answering at all.
				slog.Warn("could not claim a chat event in the store; answering it anyway", "event", id, "err", err)
				return true
			}
			return won
		},
	}
}

// resumeOrphans: a change is applied by the replica that approved it;
// the others leave it alone while that replica is alive, and the leader
// takes over, once, a change whose replica died (change.Engine.Replicas,
// README "Running more than one replica").
func (r replicas) resumeOrphans(b interface {
	Go(name string, fn func(ctx context.Context) error)
}, eng *change.Engine, instance string) {
	if eng == nil {
		return
	}
	eng.Replicas(instance, r.leader.Alive)
	b.Go("resume changes", r.only(func(ctx context.Context) error {
		t := time.NewTicker(replica.DefaultTTL)
		defer t.Stop()
		for {
			// At once when it comes to lead (the replica before it may
			// have died mid-apply), then every TTL.
			if err := eng.TakeOver(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("could not look for changes a dead replica left", "err", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}))
}

// only runs fn on the leader alone, when there are replicas.
func (r replicas) only(fn func(ctx context.Context) error) func(ctx context.Context) error {
	if r.leader == nil {
		return fn
	}
	return r.leader.Only(fn)
}
