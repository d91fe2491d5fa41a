package change

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// Kinds of change.
const (
	KindScaleCPU       = "scale-cpu"
	KindScaleMemory    = "scale-memory"
	KindScaleCount     = "scale-count"
	KindReservationOn  = "reservation-on"
	KindReservationOff = "reservation-off"
	KindAutoscaleOn    = "autoscale-on"
	KindAutoscaleOff   = "autoscale-off"
	KindGrace          = "healthcheck-grace"
	KindHCTimeout      = "healthcheck-timeout"
	KindHCInterval     = "healthcheck-interval"
	KindHCUnhealthy    = "healthcheck-unhealthy"
	KindRollback       = "rollback"
)

// Target is the service a change is about (Service is empty for the
// cluster's reservation scaling).
type Target = svcref.Ref

// lockName is the lock's "service": the cluster's scaling has its own.
func lockName(t Target) string {
	if t.Service == "" {
		return "(reservation)"
	}
	return t.Service
}

// Request is what someone asks for.
type Request struct {
	Kind   string `json:"kind"`
	Target Target `json:"target"`
	// Value is the cpu units, MiB, task count, seconds or revision (0 =
	// the previous one) the change sets.
	Value   int `json:"value,omitempty"`
	Min     int `json:"min,omitempty"`     // autoscale on
	Max     int `json:"max,omitempty"`     // autoscale on
	Percent int `json:"percent,omitempty"` // autoscale's CPU target; reservation's target (0 = keep or default)
}

// Text is something to say, as a message ID and its data, so a stored plan
// can be shown again in any language.
type Text struct {
	ID    string            `json:"id"`
	Args  map[string]string `json:"args,omitempty"`
	Parts map[string]Text   `json:"parts,omitempty"` // arguments that are texts themselves
}

// T makes a Text from an ID and name/value pairs; a value that is a Text
// is said in the same language.
func T(id string, kv ...any) Text {
	t := Text{ID: id}
	for i := 0; i+1 < len(kv); i += 2 {
		k := fmt.Sprint(kv[i])
		if sub, ok := kv[i+1].(Text); ok {
			if t.Parts == nil {
				t.Parts = map[string]Text{}
			}
			t.Parts[k] = sub
			continue
		}
		if t.Args == nil {
			t.Args = map[string]string{}
		}
		t.Args[k] = fmt.Sprint(kv[i+1])
	}
	return t
}

// Check is one apply requirement and whether the plan meets it.
type Check struct {
	Name   Text `json:"name"`
	Pass   bool `json:"pass"`
	Reason Text `json:"reason"`
}

// Plan is a computed change: what it does, the checks it passed or failed,
// and the state it was computed from.
type Plan struct {
	Request Request  `json:"request"`
	Subject Text     `json:"subject"` // one line: "backend: CPU 512 → 1024 units"
	Diff    []Text   `json:"diff"`
	Checks  []Check  `json:"checks"`
	Notes   []Text   `json:"notes,omitempty"`
	Calls   []string `json:"calls"` // IAM actions apply makes, in order
	// State is what the plan was computed from, as the apply compares it.
	State       map[string]string `json:"state"`
	Fingerprint string            `json:"fingerprint"`
	Deploys     bool              `json:"deploys,omitempty"` // apply starts a deployment to follow

	BaseTaskDefinition string `json:"baseTaskDefinition,omitempty"` // the service's revision at plan time
	NewTaskDefinition  string `json:"newTaskDefinition,omitempty"`  // registered at apply, or the rollback's target
	Revision           string `json:"revision,omitempty"`           // the service's revision before, for rollback buttons

	Outcome  *Text `json:"outcome,omitempty"`  // how it ended
	Progress *Text `json:"progress,omitempty"` // the deployment's latest state
	Rollback bool  `json:"rollback,omitempty"` // offer a rollback to Revision
}

// clonePlan copies a plan whose copy the follow-up keeps changing, so that
// an outcome handed out stays as it was.
func clonePlan(p *Plan) *Plan {
	c := *p
	return &c
}

// Refused reports whether a check failed.
func (p *Plan) Refused() bool {
	for _, c := range p.Checks {
		if !c.Pass {
			return true
		}
	}
	return false
}

func (p *Plan) check(name Text, pass bool, reason Text) {
	p.Checks = append(p.Checks, Check{Name: name, Pass: pass, Reason: reason})
}

func (p *Plan) pass(name string, reason Text) { p.check(T(name), true, reason) }
func (p *Plan) fail(name string, reason Text) { p.check(T(name), false, reason) }
func (p *Plan) note(t Text)                   { p.Notes = append(p.Notes, t) }
func (p *Plan) diff(t Text)                   { p.Diff = append(p.Diff, t) }

// seal fingerprints the state.
func (p *Plan) seal() {
	p.Fingerprint = fingerprint(p.State)
}

func fingerprint(state map[string]string) string {
	keys := make([]string, 0, len(state))
	for k := range state {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\n", k, state[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// stateDiff names the first key whose value changed, for "the service
// changed since the plan".
func stateDiff(before, now map[string]string) (key, was, is string) {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range now {
		keys[k] = true
	}
	var list []string
	for k := range keys {
		list = append(list, k)
	}
	sort.Strings(list)
	for _, k := range list {
		if before[k] != now[k] {
			return k, before[k], now[k]
		}
	}
	return "", "", ""
}

// built is a plan with the writes that carry it out, in order. A
// RegisterTaskDefinition comes first; the UpdateService after it gets the
// new revision's ARN.
type built struct {
	plan     *Plan
	register *ecs.RegisterTaskDefinitionInput
	writes   []any
}

func (b *built) requests() []aws.Request {
	var out []aws.Request
	if b.register != nil {
		r, _ := aws.RequestFor(b.register)
		out = append(out, r)
	}
	for _, w := range b.writes {
		if r, ok := aws.RequestFor(w); ok {
			out = append(out, r)
		}
	}
	return out
}

func (b *built) calls() []string {
	var out []string
	for _, r := range b.requests() {
		out = append(out, r.Action())
	}
	return out
}

// build computes a plan from what AWS says now.
func (e *Engine) build(ctx context.Context, req Request) (*built, error) {
	ctx = forTarget(ctx, req.Target)
	var (
		b   *built
		err error
	)
	switch req.Kind {
	case KindScaleCPU, KindScaleMemory:
		b, err = e.planSize(ctx, req)
	case KindScaleCount:
		b, err = e.planCount(ctx, req)
	case KindReservationOn, KindReservationOff:
		b, err = e.planReservation(ctx, req)
	case KindAutoscaleOn, KindAutoscaleOff:
		b, err = e.planAutoscale(ctx, req)
	case KindGrace:
		b, err = e.planGrace(ctx, req)
	case KindHCTimeout, KindHCInterval, KindHCUnhealthy:
		b, err = e.planTargetGroup(ctx, req)
	case KindRollback:
		b, err = e.planRollback(ctx, req)
	default:
		return nil, fmt.Errorf("unknown change kind %q", req.Kind)
	}
	if err != nil {
		return nil, err
	}
	b.plan.Request = req
	b.plan.Calls = b.calls()
	b.plan.seal()
	return b, nil
}

// encodePlan and decodePlan keep a plan in a store.Change.
func encodePlan(p *Plan) json.RawMessage {
	b, _ := json.Marshal(p)
	return b
}

func decodePlan(raw json.RawMessage) (*Plan, error) {
	var p Plan
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("the stored plan cannot be read (%v); ask again", err)
	}
	return &p, nil
}
