// Package commands is ecsmedic's chat: it parses a line such as
// "!why backend", runs the command against AWS and answers with neutral
// reply.Messages that Discord and the terminal render their own way.
package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
)

// Gatherer reads everything about one service; *aws.Clients is one.
type Gatherer interface {
	GatherService(ctx context.Context, cluster, service string, opt aws.GatherOptions) (*aws.ServiceSnapshot, error)
}

// ServiceRef is one service the bot knows, by its config alias.
type ServiceRef struct {
	Alias     string
	Cluster   string
	Service   string // the ECS service name
	Container string // the main container, for logs; "" = the first one
}

// Name is what the user calls the service.
func (s ServiceRef) Name() string {
	if s.Alias != "" {
		return s.Alias
	}
	return s.Service
}

// Env is what the commands need from the outside world.
type Env struct {
	Services []ServiceRef
	Prefix   string // "!" when empty
	Locale   string // "en" or "ko"; "en" when empty
	Limits   diagnose.Limits
	AWS      Gatherer
	// Changes runs guarded changes (scale, reservation, …); nil = they
	// are not available here.
	Changes *change.Engine
	Now     func() time.Time // the present; the world's own clock in a frozen demo
	// Location is the time zone replies show times in (the team's, such
	// as Asia/Seoul); nil means the machine's.
	Location *time.Location
	// Stops is the bot's own stop history (*store.Store is one); nil
	// when there is no store, and then the summary counts the stops ECS
	// still returns.
	Stops StopHistory
}

func (e Env) loc() *time.Location {
	if e.Location == nil {
		return time.Local
	}
	return e.Location
}

func (e Env) prefix() string {
	if e.Prefix == "" {
		return "!"
	}
	return e.Prefix
}

func (e Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// names lists the services by the name users type.
func (e Env) names() []string {
	out := make([]string, 0, len(e.Services))
	for _, s := range e.Services {
		out = append(out, s.Name())
	}
	return out
}

// UnknownServiceError is a SERVICE argument that names no configured service.
type UnknownServiceError struct {
	Name        string
	Suggestions []string
	Known       []string
}

func (e *UnknownServiceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no service '%s'.", e.Name)
	if len(e.Suggestions) > 0 {
		fmt.Fprintf(&b, " Did you mean %s?", strings.Join(e.Suggestions, " or "))
	}
	if len(e.Known) > 0 {
		fmt.Fprintf(&b, " Known: %s", strings.Join(e.Known, ", "))
	} else {
		b.WriteString(" No services are configured.")
	}
	return b.String()
}

// Resolve finds a service by alias or ECS service name, ignoring case.
func (e Env) Resolve(name string) (ServiceRef, error) {
	n := strings.TrimSpace(name)
	for _, s := range e.Services {
		if strings.EqualFold(s.Alias, n) {
			return s, nil
		}
	}
	for _, s := range e.Services {
		if strings.EqualFold(s.Service, n) {
			return s, nil
		}
	}
	return ServiceRef{}, &UnknownServiceError{Name: n, Suggestions: e.suggest(n), Known: e.names()}
}

// suggest returns up to three aliases whose alias or ECS service name is
// close to n (aws.ClosestNames), closest first: users type aliases.
func (e Env) suggest(n string) []string {
	var names []string
	alias := map[string]string{}
	for _, s := range e.Services {
		for _, name := range []string{s.Alias, s.Service} {
			if name != "" {
				names = append(names, name)
				alias[name] = s.Name()
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range aws.ClosestNames(n, names) {
		if a := alias[c]; !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}
