package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/fleetmetrics"
	"github.com/ecsmedic/ecsmedic/iampolicy"
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
		c.Endpoint = cmp.Or(t.Endpoint, c.Endpoint) // one simulator may serve every account
		cfgs[t.Name] = c
	}
	return aws.NewTargets(cfgs)
}

// watchTargets starts one watcher per target, each over its own services
// with its account's clients, and reading the target's own SQS queue when
// it has one; wcfg is the watcher's config for them all.
// only wraps the watchers so that, with several replicas, only the leader
// runs them (replicas.only).
func watchTargets(ctx context.Context, wcfg watch.Config, cfg *config.Config, be *backend, b *bot.Bot, only func(func(context.Context) error) func(context.Context) error) error {
	be.targets.Observe(b.Metrics().ObserveAWS)
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
		// The fleet gauges of each target carry a target label.
		fleet := fleetmetrics.New(fleetmetrics.Config{Cluster: tc.Cluster, Services: tc.Services, Interval: tc.Interval}, clients)
		if err := b.Metrics().Register(prometheus.WrapCollectorWith(prometheus.Labels{"target": t.Name}, fleet)); err != nil {
			return err
		}
		b.Go("fleet metrics "+t.Name, fleet.Run)
		startWatcher(b, only, t.Name, tc, clients, fleet.CountStops(targetStore{Engine: be.store, target: t.Name}), t.SQSQueueURL) // watchers.go
	}
	return nil
}

// targetStore keeps a target's watcher state (the early warning's, the
// heartbeat) apart from another target's: the keys name a cluster, and
// two accounts may both have a cluster of one name. Stops are keyed by
// target/cluster already (svcref.Ref.StoreCluster).
type targetStore struct {
	store.Engine
	target string
}

func (s targetStore) Get(key string) (string, error) { return s.Engine.Get(s.target + "/" + key) }

func (s targetStore) Set(key, value string) error { return s.Engine.Set(s.target+"/"+key, value) }

// clientsFor are the clients of a target: the config's only ones, or the
// named target's when it has several.
func (b *backend) clientsFor(ctx context.Context, target string) (*aws.Clients, error) {
	if b.targets == nil {
		return b.clients, nil
	}
	return b.targets.Clients(ctx, target)
}

// targetPolicyFlags are iam-policy's flags for a config with targets.
type targetPolicyFlags struct {
	target  string // print only this target's policy
	trust   bool   // print its trust policy instead
	botRole string // the role the bot runs as, for the trust policies
}

func (tf *targetPolicyFlags) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&tf.target, "target", "", "with targets: in the config, print only this target's policy (for aws iam put-role-policy)")
	f.BoolVar(&tf.trust, "trust", false, "with --target, print the trust policy of the target's role instead")
	f.StringVar(&tf.botRole, "bot-role", "", "the ARN of the role the bot runs as (its ECS task role), which the trust policies let assume each target's role")
}

// targetPolicies is iam-policy's answer for several targets, in one JSON
// document; --target prints one of its parts alone.
type targetPolicies struct {
	// BotRole is the policy of the bot's own role: sts:AssumeRole on the
	// targets' roles.
	BotRole iampolicy.Policy        `json:"botRole"`
	Targets map[string]targetPolicy `json:"targets"`
}

type targetPolicy struct {
	Role        string           `json:"role,omitempty"` // attach Policy to it, with TrustPolicy as its trust policy
	Policy      iampolicy.Policy `json:"policy"`
	TrustPolicy iampolicy.Policy `json:"trustPolicy"`
}

// printTargetPolicies prints one permissions policy per target's role,
// scoped to the target's account, region and services, with the trust
// policy that lets the bot's role assume it with the target's external id.
func printTargetPolicies(cmd *cobra.Command, cfg *config.Config, base iampolicy.Input, account, region string, tf targetPolicyFlags) error {
	out := targetPolicies{Targets: map[string]targetPolicy{}}
	var roles, notes []string
	for _, t := range cfg.Targets {
		in := base
		in.Region = firstOf(region, t.Region, cfg.AWS.Region)
		in.Account = firstOf(account, iampolicy.AccountFromARN(t.RoleARN), iampolicy.AccountFromQueueURL(t.SQSQueueURL))
		in.Services, in.SQSQueueURL, in.AssumesRole = nil, t.SQSQueueURL, ""
		for _, s := range cfg.Services {
			if s.Target == t.Name {
				in.Services = append(in.Services, s)
			}
		}
		perm, trust := iampolicy.Build(in), iampolicy.Trust(tf.botRole, t.ExternalID)
		if tf.target == t.Name {
			res := perm
			if tf.trust {
				res = trust
			}
			return writePolicy(cmd, res.JSON(), res.Notes)
		}
		out.Targets[t.Name] = targetPolicy{Role: t.RoleARN, Policy: perm.Policy, TrustPolicy: trust.Policy}
		for _, n := range append(perm.Notes, trust.Notes...) {
			notes = append(notes, t.Name+": "+n)
		}
		if t.RoleARN != "" {
			roles = append(roles, t.RoleARN)
		}
	}
	if tf.target != "" {
		return fmt.Errorf("there is no target %q in the config; the targets are %s", tf.target, strings.Join(targetNames(cfg), ", "))
	}
	bot := iampolicy.AssumeRoles(roles)
	out.BotRole = bot.Policy
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("writing the policies: %w", err)
	}
	return writePolicy(cmd, append(b, '\n'), append(bot.Notes, notes...))
}

func writePolicy(cmd *cobra.Command, doc []byte, notes []string) error {
	if _, err := cmd.OutOrStdout().Write(doc); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
	}
	return nil
}

func targetNames(cfg *config.Config) []string {
	names := make([]string, len(cfg.Targets))
	for i, t := range cfg.Targets {
		names[i] = t.Name
	}
	return names
}
