// Package change is ecsmedic's guarded-change engine, after Atlantis: a
// plan computed from what AWS says now, an approval by someone allowed to
// give it, an apply that checks the plan again and runs exactly once, a
// follow-up of the deployment, and an audit record of every step.
//
// No mutating AWS call is made before an approval. Changes live in the
// store, so that a restart, a double click or two approvers never apply a
// change twice, and one change per service runs at a time.
package change

import (
	"context"
	"sync"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// Store is what the engine needs of the embedded store; *store.Store is one.
type Store interface {
	CreateChange(c store.Change) error
	Change(id string) (store.Change, error)
	Transition(id string, from []store.Status, to store.Status, mutate func(*store.Change) error) (store.Change, error)
	Changes(f store.ChangeFilter) ([]store.Change, error)
	LockService(cluster, service, changeID string) error
	UnlockService(cluster, service, changeID string) error
	ServiceLock(cluster, service string) (string, error)
	Audit(r store.AuditRecord) (store.AuditRecord, error)
}

// Defaults of the engine's timing.
const (
	DefaultFollowTimeout = 15 * time.Minute
	DefaultPollEvery     = 15 * time.Second
)

// Range is an inclusive range of allowed values, in steps from Min.
type Range struct {
	Min, Max, Step int
}

// Allows reports whether v is within the range and on a step.
func (r Range) Allows(v int) bool {
	return v >= r.Min && v <= r.Max && (r.Step <= 1 || (v-r.Min)%r.Step == 0)
}

// Limits are the sizes a change may set.
type Limits struct {
	CPU    Range // CPU units, 1024 = 1 vCPU
	Memory Range // MiB
	Count  Range // tasks
}

// Options configure an engine. The caller maps its configuration to them
// (commands.ChangeOptions maps ecsmedic's config file).
type Options struct {
	Limits          Limits
	GraceMaxSeconds int           // the longest health check grace period allowed
	ApprovalExpiry  time.Duration // how long a plan waits for approval
	SelfApprove     bool          // whether a requester may approve their own change
	// RequireApprovers is how many different people must approve a change
	// (guards.approval.requireApprovers); a service's own value
	// (svcref.Ref.RequireApprovers) wins. 0 is 1. See approvals.go.
	RequireApprovers int
	// Operators may ask for changes, Approvers approve them (Discord role
	// IDs). Empty Operators means anyone may ask; empty Approvers means
	// changes are off for everyone but the terminal (the console).
	Operators, Approvers []string
	Services             svcref.List // the configured services, for the cluster's reservation

	FollowTimeout time.Duration // default 15 min
	PollEvery     time.Duration // default 15 s
	// Background runs the follow-up of a deployment in a goroutine that
	// reports through Update (the bot); otherwise Approve follows it to the
	// end, reporting progress through Update (the terminal).
	Background bool

	// Now is the clock; nil = time.Now. Wait pauses between polls; nil =
	// a timer. Tests set both.
	Now  func() time.Time
	Wait func(ctx context.Context, d time.Duration) error
	// NewID makes change IDs; nil = store.NewChangeID.
	NewID func() string

	// Update is called when a change's message should be edited: the
	// deployment's progress, an outcome reached in the background, an
	// expiry found by Sweep. The bot edits o.Change.ChannelID/MessageID.
	Update func(o Outcome)
	// OnAudit is called after each audit record is stored, for the audit
	// channel.
	OnAudit func(r store.AuditRecord)

	// ClientsFor gives the clients of a named target (a config with
	// several accounts or regions; see targets.go); nil = every change
	// uses the engine's own clients.
	ClientsFor func(ctx context.Context, target string) (*aws.Clients, error)
}

// Engine plans, approves, applies and follows guarded changes.
type Engine struct {
	aws   *aws.Clients
	store Store
	opt   Options

	// instance and alive: several replicas on one store (resume.go).
	instance string
	alive    func(instance string) bool

	wg     sync.WaitGroup // background follow-ups
	mu     sync.Mutex
	cancel []context.CancelFunc
	closed bool
}

// New builds an engine over the AWS clients and the store.
func New(clients *aws.Clients, st Store, opt Options) *Engine {
	if opt.FollowTimeout <= 0 {
		opt.FollowTimeout = DefaultFollowTimeout
	}
	if opt.PollEvery <= 0 {
		opt.PollEvery = DefaultPollEvery
	}
	return &Engine{aws: clients, store: st, opt: opt}
}

// Notify sets the callbacks and the follow-up mode for the bot: the
// message updates, the audit channel, and following deployments in the
// background. Call it before the engine is used.
func (e *Engine) Notify(update func(Outcome), onAudit func(store.AuditRecord), background bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opt.Update, e.opt.OnAudit, e.opt.Background = update, onAudit, background
}

// Close stops the background follow-ups and waits for them. Resume picks
// them up again at the next start.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	for _, c := range e.cancel {
		c()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

// Wait waits for the background follow-ups to end, for tests and shutdown.
func (e *Engine) Wait() { e.wg.Wait() }

func (e *Engine) now() time.Time {
	if e.opt.Now != nil {
		return e.opt.Now()
	}
	return time.Now()
}

func (e *Engine) wait(ctx context.Context, d time.Duration) error {
	if e.opt.Wait != nil {
		return e.opt.Wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (e *Engine) newID() string {
	if e.opt.NewID != nil {
		return e.opt.NewID()
	}
	return store.NewChangeID()
}

// NormalizeID is how users' spellings of a change ID are compared.
func NormalizeID(id string) string { return store.NormalizeID(id) }

// Actor is who acts: a Discord user with their roles, or the person at the
// terminal (an operator console, who may approve their own changes).
type Actor struct {
	ID, Name string
	Roles    []string
	Console  bool
}

func (a Actor) display() string {
	if a.Name != "" {
		return a.Name
	}
	if a.ID != "" {
		return a.ID
	}
	return "terminal"
}

// clusterServices are the configured services of a cluster (of the
// target ctx names, when the config has several).
func (e *Engine) clusterServices(ctx context.Context, cluster string) []string {
	var out []string
	for _, t := range e.opt.Services {
		if t.Cluster == cluster && t.Service != "" && t.Target == svcref.TargetOf(ctx) {
			out = append(out, t.Service)
		}
	}
	return out
}

func hasRole(have, allowed []string) bool {
	for _, h := range have {
		for _, a := range allowed {
			if h == a {
				return true
			}
		}
	}
	return false
}

// may: the console always; nobody else while no approver role is set
// (changes are off by default); else those with one of roles (anyone when
// roles is empty), the others refused with r.
func (e *Engine) may(a Actor, roles []string, r Refusal) Refusal {
	switch {
	case a.Console:
		return RefusalNone
	case len(e.opt.Approvers) == 0:
		return RefusalChangesOff
	case len(roles) > 0 && !hasRole(a.Roles, roles):
		return r
	}
	return RefusalNone
}

// mayRequest: an operator, or anyone when no operator role is set.
func (e *Engine) mayRequest(a Actor) Refusal { return e.may(a, e.opt.Operators, RefusalNotOperator) }

// mayApprove: an approver.
func (e *Engine) mayApprove(a Actor) Refusal { return e.may(a, e.opt.Approvers, RefusalNotApprover) }
