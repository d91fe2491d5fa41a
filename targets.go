package main

import (
	"cmp"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/config"
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
