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
	"github.com/ecsmedic/ecsmedic/svcref"
)

// Gatherer reads everything about one service; *aws.Clients is one.
type Gatherer interface {
	GatherService(ctx context.Context, cluster, service string, opt aws.GatherOptions) (*aws.ServiceSnapshot, error)
}

// ServiceRef is one service the bot knows, by its config alias.
type ServiceRef = svcref.Ref

// Env is what the commands need from the outside world.
type Env struct {
	Services svcref.List
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
	// Audit is the change audit, for the post-mortem (*store.Store is
	// one); nil when there is no store.
	Audit ChangeHistory
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

// UnknownServiceError is a SERVICE argument that names no configured service.
type UnknownServiceError struct {
	Name        string
	Suggestions []string
	Known       []string
	// Ambiguous are the qualified names (prod/backend) a bare alias that
	// several targets share could mean.
	Ambiguous []string
}

func (e *UnknownServiceError) Error() string {
	var b strings.Builder
	if len(e.Ambiguous) > 0 {
		fmt.Fprintf(&b, "'%s' is in more than one target: say %s", e.Name, strings.Join(e.Ambiguous, " or "))
		return b.String()
	}
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

// Resolve finds a service by alias, ECS service name or service ARN
// (svcref.List.Resolve); when none matches, the error suggests close names.
func (e Env) Resolve(name string) (ServiceRef, error) {
	if s, ok := e.Services.Resolve(name); ok {
		return s, nil
	}
	n := strings.TrimSpace(name)
	if amb := e.Services.Ambiguous(n); len(amb) > 0 {
		return ServiceRef{}, &UnknownServiceError{Name: n, Ambiguous: amb}
	}
	return ServiceRef{}, &UnknownServiceError{Name: n, Suggestions: e.suggest(n), Known: e.Services.Names()}
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
