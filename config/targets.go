package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ecsmedic/ecsmedic/internal/loopback"
)

// Target is one place the bot looks after: an account (a role to assume,
// with its external id), a region and one or more clusters. A config with
// targets: has several; a config with only aws: has none, and its aws:
// block is the one implicit target.
type Target struct {
	Name       string // as written under targets:, such as prod
	Region     string // "" when it comes from aws.region or $AWS_REGION
	Profile    string // the base credentials' profile; "" = aws.profile
	RoleARN    string
	ExternalID string
	Endpoint   string // a simulator's URL; "" for AWS itself
	Clusters   []string
	// SQSQueueURL is the queue the target's EventBridge rule feeds with
	// its stops; "" = the target's watcher only polls.
	SQSQueueURL string
	// RequireApprovers applies to every service of the target; 0 = the
	// config's guards.approval.requireApprovers.
	RequireApprovers int
}

// TargetByName finds a target; ok is false for "" and unknown names.
func (c *Config) TargetByName(name string) (Target, bool) {
	for _, t := range c.Targets {
		if t.Name == name {
			return t, true
		}
	}
	return Target{}, false
}

type rawTarget struct {
	Region           value                       `yaml:"region"`
	Profile          value                       `yaml:"profile"`
	RoleARN          value                       `yaml:"roleArn"`
	ExternalID       value                       `yaml:"externalId"`
	Endpoint         value                       `yaml:"endpoint"`
	Clusters         value                       `yaml:"clusters"`
	RequireApprovers value                       `yaml:"requireApprovers"`
	SQSQueueURL      value                       `yaml:"sqsQueueUrl"`
	Services         map[string]rawTargetService `yaml:"services"`
}

type rawTargetService struct {
	Service          value `yaml:"service"`
	Container        value `yaml:"container"`
	Cluster          value `yaml:"cluster"`
	RequireApprovers value `yaml:"requireApprovers"`
}

// hasTargets: the file has a targets: section, so aws: holds only what
// the targets share and need not name a cluster.
func (b *builder) hasTargets() bool { return b.ix.values["targets"] != nil }

// targets reads the targets: section and the services under each. A
// service under targets.NAME.services is qualified by its target: it is
// NAME/alias, and another target may use the same alias.
func (b *builder) targets(raw map[string]rawTarget, c *Config) {
	if !b.hasTargets() {
		return
	}
	if len(raw) == 0 {
		if n := b.ix.values["targets"]; n.Kind != yaml.MappingNode || len(n.Content) == 0 {
			b.errAt(n, "targets", "targets: is empty",
				"add one target per account and region, such as prod: with roleArn, region and clusters, or remove targets: and use aws:")
		}
		return
	}
	if c.AWS.Cluster != "" {
		b.errAt(b.ix.values["aws.cluster"], "aws.cluster", "aws.cluster is set, but with targets: every cluster belongs to a target",
			"move the cluster into the clusters: list of its target, and remove cluster: from aws:")
	}
	for _, name := range keyOrder(b.ix.values["targets"], raw) {
		r := raw[name]
		p := "targets." + name
		if len(name) > 32 || !aliasRE.MatchString(name) {
			b.errAt(b.ix.keys[p], p, fmt.Sprintf("%q is not a usable target name: names are 1 to 32 lower-case letters, digits and -", name),
				"rename it to "+suggestAlias(name)+"; people type it in chat, as in "+suggestAlias(name)+"/backend")
			continue
		}
		t := b.target(name, r, c)
		c.Targets = append(c.Targets, t)
		for _, alias := range keyOrder(b.ix.values[p+".services"], r.Services) {
			rs := r.Services[alias]
			b.targetService(&t, alias, p+".services."+alias, rawService{Service: rs.Service, Container: rs.Container, Cluster: rs.Cluster, RequireApprovers: rs.RequireApprovers}, c)
		}
	}
	b.sharedQueue(c) // config/targetqueue.go
}

func (b *builder) target(name string, r rawTarget, c *Config) Target {
	p := "targets." + name + "."
	t := Target{Name: name}
	if s, n := b.str(r.Region, p+"region", ""); s == "" {
		if c.AWS.Region == "" && b.getenv("AWS_REGION") == "" {
			b.errAt(n, p+"region", "the target's AWS region is missing",
				"add region: under the target, such as region: ap-northeast-2 for Seoul")
		}
	} else if !regionRE.MatchString(s) {
		b.errAt(n, p+"region", fmt.Sprintf("%q is not an AWS region code", s), "write a region code such as ap-northeast-2 (Seoul) or us-east-1")
	} else {
		t.Region = s
	}
	if s, n := b.str(r.Profile, p+"profile", ""); n != nil && s != "" {
		t.Profile = s
	}
	if s, n := b.str(r.RoleARN, p+"roleArn", ""); n != nil && s != "" {
		if isRoleARN(s) {
			t.RoleARN = s
		} else {
			b.errAt(n, p+"roleArn", fmt.Sprintf("%q is not an IAM role ARN", s),
				"copy the role's ARN from IAM → Roles in the target's account; it looks like arn:aws:iam::123456789012:role/ecsmedic")
		}
	}
	if s, n := b.str(r.ExternalID, p+"externalId", ""); n != nil && s != "" {
		if t.RoleARN == "" && r.RoleARN.n == nil {
			b.errAt(n, p+"externalId", "externalId is only used when assuming a role, and this target has no roleArn",
				"add roleArn to the target, or remove externalId")
		}
		t.ExternalID = s
	}
	if s, n := b.str(r.Endpoint, p+"endpoint", ""); n != nil && s != "" {
		if ep, ok := b.httpURL(n, p+"endpoint", s, false, "http://127.0.0.1:4566 (ecsmedic sim)"); ok {
			if strings.HasPrefix(strings.ToLower(ep), "http://") && !loopback.URL(ep) {
				b.errAt(n, p+"endpoint", fmt.Sprintf("%q is plain http to another machine: every AWS request and answer would cross the network unencrypted", ep),
					"use https://, or a simulator on this machine (http://127.0.0.1:4566)")
			}
			t.Endpoint = ep
		}
	}
	t.Clusters = b.clusterList(r.Clusters, p+"clusters")
	t.SQSQueueURL = b.targetQueue(&t, r.SQSQueueURL, p+"sqsQueueUrl", c) // config/targetqueue.go
	if r.RequireApprovers.n != nil {
		t.RequireApprovers, _ = b.integer(r.RequireApprovers, p+"requireApprovers", 0, 1, maxApprovers)
	}
	return t
}

// clusterList reads a target's clusters: a list of names, or one name.
func (b *builder) clusterList(v value, path string) []string {
	n := v.n
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	items := []*yaml.Node{n}
	if n != nil && n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []string
	for i, item := range items {
		ip := path
		if n != nil && n.Kind == yaml.SequenceNode {
			ip = fmt.Sprintf("%s[%d]", path, i)
		}
		s, in := b.str(value{item}, ip, "")
		if s == "" {
			continue
		}
		if name, ok := clusterName(s); ok {
			out = append(out, name)
		} else {
			b.errAt(in, ip, fmt.Sprintf("%q is not an ECS cluster name", s), "cluster names are letters, digits, - and _, as the ECS console shows them")
		}
	}
	if len(out) == 0 {
		b.errAt(v.n, path, "the target names no cluster", "add clusters: [NAME] under the target, with the clusters' names as the ECS console shows them")
	}
	return out
}

// targetService adds one service of target t; its cluster must be one of
// the target's.
func (b *builder) targetService(t *Target, alias, p string, r rawService, c *Config) {
	keyNode := b.ix.keys[p]
	if len(alias) > 32 || !aliasRE.MatchString(alias) {
		b.errAt(keyNode, p, fmt.Sprintf("%q is not a usable alias: aliases are 1 to 32 lower-case letters, digits and -", alias),
			"rename it to "+suggestAlias(alias))
		return
	}
	s := Service{Target: t.Name, Alias: alias, Service: alias, RequireApprovers: t.RequireApprovers}
	if len(t.Clusters) > 0 {
		s.Cluster = t.Clusters[0]
	}
	if name, n := b.str(r.Service, p+".service", alias); n != nil {
		if isName(name) {
			s.Service = name
		} else {
			b.errAt(n, p+".service", fmt.Sprintf("%q is not an ECS service name", name), "write the service's name as the ECS console shows it (letters, digits, - and _)")
		}
	}
	if name, n := b.str(r.Container, p+".container", ""); n != nil && name != "" {
		s.Container = name
	}
	// The service's own requireApprovers wins over its target's.
	if n, _ := b.integer(r.RequireApprovers, p+".requireApprovers", 0, 1, maxApprovers); n > 0 {
		s.RequireApprovers = n
	}
	if name, n := b.str(r.Cluster, p+".cluster", ""); n != nil && name != "" {
		cl, _ := clusterName(name)
		if !slices.Contains(t.Clusters, cl) {
			b.errAt(n, p+".cluster", fmt.Sprintf("%q is not one of target %s's clusters (%s)", name, t.Name, strings.Join(t.Clusters, ", ")),
				"add it to targets."+t.Name+".clusters, or correct the name")
			return
		}
		s.Cluster = cl
	} else if len(t.Clusters) > 1 {
		b.errAt(keyNode, p, fmt.Sprintf("target %s has %d clusters; say which one holds %s", t.Name, len(t.Clusters), alias),
			"add cluster: NAME under the service, one of "+strings.Join(t.Clusters, ", "))
		return
	}
	for _, o := range c.Services {
		if o.Target == s.Target && o.Cluster == s.Cluster && o.Service == s.Service {
			b.errAt(keyNode, p, fmt.Sprintf("%q and %q are the same ECS service %s in target %s", o.Name(), s.Name(), s.Service, t.Name),
				"keep one alias per service; delete one of the two")
			return
		}
		if o.Target == s.Target && o.Alias == s.Alias {
			b.errAt(keyNode, p, fmt.Sprintf("%s is defined twice", s.Name()), "keep one of the two")
			return
		}
	}
	c.Services = append(c.Services, s)
}

// topLevelTargetService handles a service under the top-level services:
// when the file has targets. "prod/backend:" is qualified; "backend:" with
// target: prod is not, and no other target may use the alias backend.
// It reports whether it handled the service.
func (b *builder) topLevelTargetService(alias string, r rawService, c *Config) bool {
	p := "services." + alias
	target, n := b.str(r.Target, p+".target", "")
	name, local, qualified := strings.Cut(alias, "/")
	if !qualified {
		local = alias
	} else if target != "" && target != name {
		b.errAt(n, p+".target", fmt.Sprintf("%s says target %s, but target: says %s", alias, name, target), "keep one: remove target:, or rename the key")
		return true
	} else {
		target = name
	}
	switch {
	case !b.hasTargets() && target == "":
		return false
	case !b.hasTargets():
		b.errAt(b.ix.keys[p], p, fmt.Sprintf("%s names target %s, but the file has no targets: section", alias, target),
			"add targets: with "+target+": (roleArn, region, clusters), or remove the target")
		return true
	case target == "":
		b.errAt(b.ix.keys[p], p, fmt.Sprintf("the file has targets:, so say which target holds %s", alias),
			"add target: NAME under it, write the key as NAME/"+alias+", or move it under targets.NAME.services")
		return true
	}
	t, ok := c.TargetByName(target)
	if !ok {
		b.errAt(b.ix.keys[p], p, fmt.Sprintf("there is no target %q", target), "use one of the names under targets:")
		return true
	}
	b.targetService(&t, local, p, r, c)
	return true
}

// unqualifiedClashes refuses an unqualified top-level alias ("api:" with
// target: prod) that a service of another target also uses, once every
// service is read, whatever their order in the file.
func (b *builder) unqualifiedClashes(raw map[string]rawService, c *Config) {
	for _, alias := range serviceOrder(b.root, raw) {
		p := "services." + alias
		target, _ := b.str(raw[alias].Target, p+".target", "")
		if strings.Contains(alias, "/") || target == "" {
			continue
		}
		for _, o := range c.Services {
			if o.Alias == alias && o.Target != "" && o.Target != target {
				b.errAt(b.ix.keys[p], p, fmt.Sprintf("the alias %s is used by targets %s and %s, so a bare %q in chat would be ambiguous", alias, target, o.Target, alias),
					fmt.Sprintf("qualify it: write the key as %s/%s, or move it under targets.%s.services; people then type %s/%s", target, alias, target, target, alias))
				break
			}
		}
	}
}

// noTargetServices reports a file with targets and no service at all,
// unless a target's own problem explains it.
func (b *builder) noTargetServices(c *Config) {
	if len(c.Services) == 0 && len(b.errs) == 0 {
		b.errAt(nil, "targets", "no services: ecsmedic needs at least one service to look after",
			"add services: under a target, such as backend: {cluster: NAME}")
	}
}

// keyOrder is the order of m's keys in the mapping node n, for maps the
// decoder read from it; keys n does not hold come last.
func keyOrder[V any](n *yaml.Node, m map[string]V) []string {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	var order []string
	seen := map[string]bool{}
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, ok := m[k]; ok && !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
		}
	}
	for k := range m {
		if !seen[k] {
			order = append(order, k)
		}
	}
	return order
}

// describeTargets is check-config's account of the targets.
func (c *Config) describeTargets(p func(format string, args ...any)) {
	if len(c.Targets) == 0 {
		return
	}
	p("Targets (services are named TARGET/ALIAS, such as %s)", c.Services[0].Name())
	for _, t := range c.Targets {
		region := cmp.Or(t.Region, c.AWS.Region, "$AWS_REGION")
		creds := "the base credentials"
		if t.RoleARN != "" {
			creds = "assumes " + t.RoleARN
			if t.ExternalID != "" {
				creds += " with its external id"
			}
		}
		p("  %s: %s, clusters %s; %s", t.Name, region, strings.Join(t.Clusters, ", "), creds)
		if t.Endpoint != "" {
			p("    endpoint: %s (not AWS itself)", t.Endpoint)
		}
		if t.SQSQueueURL != "" {
			p("    stops: events from %s, polling only as a backstop", t.SQSQueueURL)
		}
		if t.RequireApprovers > 0 {
			p("    %d approval(s) needed for its changes", t.RequireApprovers)
		}
	}
}
