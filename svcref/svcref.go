// Package svcref holds the one description of a service ecsmedic is set up
// for: the config file, the chat commands, the watcher and the change engine
// all speak of services with Ref, and find one by what a user typed with
// List.Resolve. It imports nothing of ecsmedic, so every layer may use it.
package svcref

import (
	"context"
	"strings"
)

// Ref is one ECS service by the short alias people type in chat. A Ref with
// no Service stands for its cluster (the cluster's reservation scaling).
// The JSON names are those stored with changes: keep them.
type Ref struct {
	Alias     string `json:"alias,omitempty"`
	Cluster   string `json:"cluster"`
	Service   string `json:"service,omitempty"`   // the ECS service name
	Container string `json:"container,omitempty"` // the main container; "" = the only or first essential one
	// Target is the config's target (account, region) the service is in;
	// "" = the only one, the config's aws: block.
	Target string `json:"target,omitempty"`
	// RequireApprovers is the service's own guards.approval.requireApprovers
	// (services.NAME.requireApprovers, else its target's); 0 leaves it to
	// the global one. It is config, not part of a stored change's name for
	// the service.
	RequireApprovers int `json:"-"`
}

// Name is what users call the service: its alias, else its ECS name, else
// (for a cluster) the cluster's name; qualified by its target, as in
// prod/backend, when the config has several targets.
func (r Ref) Name() string {
	if r.Target != "" {
		return r.Target + "/" + r.local()
	}
	return r.local()
}

// local is the name within the service's target.
func (r Ref) local() string {
	switch {
	case r.Alias != "":
		return r.Alias
	case r.Service != "":
		return r.Service
	}
	return r.Cluster
}

// List is the configured services, in the order of the config file.
type List []Ref

// Names lists the services by the name users type, in order.
func (l List) Names() []string {
	out := make([]string, 0, len(l))
	for _, r := range l {
		out = append(out, r.Name())
	}
	return out
}

// Resolve finds the service a user means. It accepts, in this order:
//
//   - an alias, ignoring case ("Backend");
//   - an ECS service name, exactly ("backend-svc"), then ignoring case
//     when only one service matches that way;
//   - a service ARN, arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME (or
//     the old form service/NAME), which must name the service exactly and,
//     when it carries one, its cluster: people paste ARNs from the console
//     and from ecsmedic's own alerts.
//
// An alias wins over another service's ECS name, so adding a service never
// changes what an existing alias means.
func (l List) Resolve(name string) (Ref, bool) {
	found := l.matches(name)
	if len(found) == 1 {
		return found[0], true
	}
	return Ref{}, false
}

// Ambiguous lists the qualified names (prod/backend) of the services name
// could mean when it means more than one: a bare alias that two targets
// share. It is nil when name means one service or none.
func (l List) Ambiguous(name string) []string {
	found := l.matches(name)
	if len(found) < 2 {
		return nil
	}
	return List(found).Names()
}

// matches is every service name may mean, in the order of Resolve's rules:
// one when the name is clear, several when targets share it.
func (l List) matches(name string) []Ref {
	name = strings.TrimSpace(name)
	if strings.HasPrefix(name, "arn:") {
		return l.resolveARN(name)
	}
	if name == "" {
		return nil
	}
	// prod/backend: the service backend of the target prod.
	if target, rest, ok := strings.Cut(name, "/"); ok {
		var in List
		for _, r := range l {
			if r.Target != "" && strings.EqualFold(r.Target, target) {
				in = append(in, r)
			}
		}
		if len(in) == 0 {
			return nil
		}
		return in.matches(rest)
	}
	var found []Ref
	for _, r := range l {
		if strings.EqualFold(r.Alias, name) {
			found = append(found, r)
		}
	}
	if len(found) > 0 {
		return found
	}
	for _, r := range l {
		if r.Service == name {
			found = append(found, r)
		}
	}
	if len(found) > 0 {
		return found
	}
	for _, r := range l {
		if strings.EqualFold(r.Service, name) {
			found = append(found, r)
		}
	}
	if len(found) == 1 {
		return found
	}
	return nil
}

// resolveARN matches a service ARN on its service name and, in the long
// form, its cluster.
func (l List) resolveARN(arn string) []Ref {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "ecs" {
		return nil
	}
	res, ok := strings.CutPrefix(parts[5], "service/")
	if !ok || res == "" {
		return nil
	}
	cluster, service := "", res
	if i := strings.IndexByte(res, '/'); i >= 0 {
		cluster, service = res[:i], res[i+1:]
	}
	var found []Ref
	for _, r := range l {
		if r.Service == service && (cluster == "" || r.Cluster == cluster) {
			found = append(found, r)
		}
	}
	return found
}

// StoreCluster is the cluster as the store keys locks, changes and stops:
// the cluster's name, or prod/codedang for a service of a named target, so
// that clusters of the same name in two accounts never share a lock. ECS
// names have no "/", so the two forms cannot meet.
func (r Ref) StoreCluster() string {
	if r.Target == "" {
		return r.Cluster
	}
	return r.Target + "/" + r.Cluster
}

type targetKey struct{}

// WithTarget says which target (account, region) the AWS calls made with
// ctx are for: a cluster name alone does not say, as two accounts may
// both have a cluster "main".
func WithTarget(ctx context.Context, target string) context.Context {
	if target == "" {
		return ctx
	}
	return context.WithValue(ctx, targetKey{}, target)
}

// TargetOf is the target WithTarget put in ctx; "" when none.
func TargetOf(ctx context.Context) string {
	s, _ := ctx.Value(targetKey{}).(string)
	return s
}
