package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ecsmedic/ecsmedic/svcref"
)

// Targets holds the clients of every target of a config with several
// (accounts, regions): each target's are built on first use, so a command
// about one service assumes that service's role only. The assumed role's
// credentials are cached by the SDK's credentials cache (NewClients) and
// renewed before they expire.
type Targets struct {
	cfgs map[string]Config
	opts []Option

	mu    sync.Mutex
	built map[string]*Clients
	// observe is given to every Clients built, now and later.
	observe Observer
}

// NewTargets sets up the clients of each named target; nothing is built
// or asked of AWS until a target is used.
func NewTargets(cfgs map[string]Config, opts ...Option) *Targets {
	return &Targets{cfgs: cfgs, opts: opts, built: map[string]*Clients{}}
}

// Names lists the targets, sorted.
func (t *Targets) Names() []string {
	names := make([]string, 0, len(t.cfgs))
	for n := range t.cfgs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Clients are the named target's clients, built on first use.
func (t *Targets) Clients(ctx context.Context, name string) (*Clients, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.built[name]; c != nil {
		return c, nil
	}
	cfg, ok := t.cfgs[name]
	if !ok {
		if name == "" {
			return nil, fmt.Errorf("the config has several targets (%s) and this request names none: "+
				"name the service as TARGET/ALIAS, such as %s/backend", strings.Join(t.Names(), ", "), t.Names()[0])
		}
		return nil, fmt.Errorf("there is no target %q in the config; the targets are %s", name, strings.Join(t.Names(), ", "))
	}
	c, err := NewClients(ctx, cfg, t.opts...)
	if err != nil {
		return nil, fmt.Errorf("setting up the AWS clients of target %s: %w", name, err)
	}
	if t.observe != nil {
		c.Observe(t.observe)
	}
	t.built[name] = c
	return c, nil
}

// Observe is Clients.Observe for every target's clients.
func (t *Targets) Observe(o Observer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.observe = o
	for _, c := range t.built {
		c.Observe(o)
	}
}

// GatherService reads one service through its target's clients: the
// target the context carries (svcref.WithTarget).
func (t *Targets) GatherService(ctx context.Context, cluster, service string, opt GatherOptions) (*ServiceSnapshot, error) {
	c, err := t.Clients(ctx, svcref.TargetOf(ctx))
	if err != nil {
		return nil, err
	}
	return c.GatherService(ctx, cluster, service, opt)
}

// CloseIdleConnections closes every built target's idle connections.
func (t *Targets) CloseIdleConnections() {
	t.mu.Lock()
	built := slices.Collect(maps.Values(t.built))
	t.mu.Unlock()
	for _, c := range built {
		c.CloseIdleConnections()
	}
}

// GatherSummaryStats reads one cluster for the daily summary through the
// clients of the target the context carries (svcref.WithTarget).
func (t *Targets) GatherSummaryStats(ctx context.Context, cluster string, services []string, since, until time.Time) (*ClusterSnapshot, error) {
	c, err := t.Clients(ctx, svcref.TargetOf(ctx))
	if err != nil {
		return nil, err
	}
	return c.GatherSummaryStats(ctx, cluster, services, since, until)
}
