package commands

import (
	"context"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/config"
)

// TestGoldenChangeReplies keeps the plan replies of the club's fix, and
// the outcomes people read, in both languages: the engine's outcomes as
// the router renders them.
func TestGoldenChangeReplies(t *testing.T) {
	backend := change.Target{Alias: "backend", Cluster: "codedang", Service: "backend"}
	scaleCPU := change.Request{Kind: change.KindScaleCPU, Target: backend, Value: 1024}
	reservationOn := change.Request{Kind: change.KindReservationOn, Target: change.Target{Cluster: "codedang"}}
	alice, bob := goldenAlice, goldenBob
	for _, lang := range text.Languages {
		t.Run(lang, func(t *testing.T) {
			// The group never adds the host (Launch suspended): the
			// bigger task waits until the follow-up times out.
			rig := newChangeRig(t, goldenRoles, suspendLaunch)
			r, eng := rig.r, rig.eng
			ctx := context.Background()
			a := askAs
			show := goldenShower(t, r, lang)
			show("refused_scale_cpu", eng.Request(ctx, a(alice), scaleCPU))
			o := show("plan_reservation_on", eng.Request(ctx, a(alice), reservationOn))
			show("applied_reservation_on", eng.Approve(ctx, a(bob), o.Change.ID))
			o = show("plan_scale_cpu", eng.Request(ctx, a(alice), scaleCPU))
			show("self_approve", eng.Approve(ctx, a(alice), o.Change.ID))
			show("timeout_scale_cpu", eng.Approve(ctx, a(bob), o.Change.ID))
			show("dry_run_grace", eng.Request(ctx, change.Ask{Actor: alice, DryRun: true},
				change.Request{Kind: change.KindGrace, Target: backend, Value: 120}))
			recs, err := rig.st.AuditLog(rig.clock().Add(-24*time.Hour), 1)
			if err != nil || len(recs) != 1 {
				t.Fatal(recs, err)
			}
			goldenReplyData(t, "audit_"+lang, r.AuditReply(lang, recs[0]), true)
		})
	}
}

// The people of the golden change tests: alice asks (an operator), bob
// approves.
var (
	goldenRoles = config.Roles{Operators: []string{"ops"}, Approvers: []string{"approvers"}}
	goldenAlice = change.Actor{ID: "100", Name: "alice", Roles: []string{"ops"}}
	goldenBob   = change.Actor{ID: "200", Name: "bob", Roles: []string{"ops", "approvers"}}
)

func askAs(who change.Actor) change.Ask { return change.Ask{Actor: who} }

// goldenShower keeps each outcome's reply, as the router renders it in
// lang, in testdata/NAME_LANG, and passes the outcome on.
func goldenShower(t *testing.T, r *Router, lang string) func(name string, o change.Outcome) change.Outcome {
	return func(name string, o change.Outcome) change.Outcome {
		t.Helper()
		goldenReplyData(t, name+"_"+lang, r.ChangeReply(lang, o), true)
		return o
	}
}
