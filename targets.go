package main

import (
	"cmp"
	"context"
	"log/slog"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/watch"
)

// newTargets sets up the clients of a config with several targets: each
// target's role, external id, region and endpoint, with aws:'s profile,
// region, call timeout and attempts as what they share.
func newTargets(cfg *config.Config) *aws.Targets {
	cfgs := make(map[string]aws.Config, len(cfg.Targets))
	for _, t := range cfg.Targets {
		c := awsConfig(cfg)
		c.Region = cmp.Or(t.Region, c.Region)
		c.Profile = cmp.Or(t.Profile, c.Profile)
		c.RoleARN, c.ExternalID = t.RoleARN, t.ExternalID
		c.Endpoint = t.Endpoint
		cfgs[t.Name] = c
	}
	return aws.NewTargets(cfgs)
}

// watchTargets starts one watcher per target, each over its own services
// with its account's clients; wcfg is the watcher's config for them all.
// The fleet gauges and the SQS queue belong to the single-account setup
// (aws:), and are not started here.
func watchTargets(ctx context.Context, wcfg watch.Config, cfg *config.Config, be *backend, b *bot.Bot) error {
	be.targets.Observe(b.Metrics().ObserveAWS)
	if cfg.Schedules.Watch.SQSQueueURL != "" {
		slog.Warn("with several targets the watcher polls each target; schedules.watch.sqsQueueUrl is not read")
	}
	for _, t := range cfg.Targets {
		clients, err := be.targets.Clients(ctx, t.Name)
		if err != nil {
			return err
		}
		tc := wcfg
		tc.Cluster, tc.Services = t.Clusters[0], nil
		for _, s := range be.env.Services {
			if s.Target == t.Name {
				tc.Services = append(tc.Services, s)
			}
		}
		w := watch.New(tc, clients, targetStore{Store: be.store, target: t.Name}, b)
		b.Go("watch "+t.Name, w.Run)
	}
	return nil
}

// targetStore keeps a target's watcher state (the early warning's, the
// heartbeat) apart from another target's: the keys name a cluster, and
// two accounts may both have a cluster of one name. Stops are keyed by
// target/cluster already (svcref.Ref.StoreCluster).
type targetStore struct {
	*store.Store
	target string
}

func (s targetStore) Get(key string) (string, error) { return s.Store.Get(s.target + "/" + key) }

func (s targetStore) Set(key, value string) error { return s.Store.Set(s.target+"/"+key, value) }
