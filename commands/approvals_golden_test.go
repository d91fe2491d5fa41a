package commands

import (
	"context"
	"testing"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// TestGoldenTwoPersonApproval keeps what people read of a change that
// needs two approvers: the plan says so up front, the first approval
// keeps it waiting and names who approved, and a second press by the same
// person is turned down.
func TestGoldenTwoPersonApproval(t *testing.T) {
	backend := change.Target{Alias: "backend", Cluster: "codedang", Service: "backend", RequireApprovers: 2}
	alice, bob := goldenAlice, goldenBob
	for _, lang := range text.Languages {
		t.Run(lang, func(t *testing.T) {
			rig := newChangeRig(t, goldenRoles)
			r, eng := rig.r, rig.eng
			ctx := context.Background()
			a := askAs
			show := goldenShower(t, r, lang)
			o := show("plan_two_approvers", eng.Request(ctx, a(alice), change.Request{Kind: change.KindGrace, Target: backend, Value: 120}))
			show("approval_one_of_two", eng.Approve(ctx, a(bob), o.Change.ID))
			show("approved_already", eng.Approve(ctx, a(bob), o.Change.ID))
		})
	}
}
