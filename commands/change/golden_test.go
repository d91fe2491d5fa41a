package change

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	goldenfile "github.com/ecsmedic/ecsmedic/internal/golden"
	"github.com/ecsmedic/ecsmedic/store"
)

// TestGoldenReplies keeps the plan replies of the club's fix, and the
// outcomes people read, in both languages.
func TestGoldenReplies(t *testing.T) {
	t.Parallel()
	for _, lang := range text.Languages {
		t.Run(lang, func(t *testing.T) {
			h := newHarness(t, "builtin:incident")
			ctx := context.Background()
			a := func(who Actor) Ask { return Ask{Actor: who, Locale: lang} }

			goldenReply(t, "refused_scale_cpu_"+lang, h.eng.Request(ctx, a(alice), scaleBackendCPU))
			m := h.eng.Request(ctx, a(alice), reservationOn)
			goldenReply(t, "plan_reservation_on_"+lang, m)
			goldenReply(t, "applied_reservation_on_"+lang, h.eng.Approve(ctx, a(bob), pendingID(t, m)))
			m = h.eng.Request(ctx, a(alice), scaleBackendCPU)
			goldenReply(t, "plan_scale_cpu_"+lang, m)
			goldenReply(t, "self_approve_"+lang, h.eng.Approve(ctx, a(alice), pendingID(t, m)))
			goldenReply(t, "timeout_scale_cpu_"+lang, h.eng.Approve(ctx, a(bob), pendingID(t, m)))
			goldenReply(t, "dry_run_grace_"+lang, h.eng.Request(ctx, Ask{Actor: alice, Locale: lang, DryRun: true},
				Request{Kind: KindGrace, Target: scaleBackendCPU.Target, Value: 120}))
			recs, err := h.st.AuditLog(h.clock().Add(-24*time.Hour), 1)
			if err != nil || len(recs) != 1 {
				t.Fatal(recs, err)
			}
			goldenReply(t, "audit_"+lang, h.eng.AuditMessage(lang, recs[0]))
		})
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	reqs := []Request{
		scaleBackendCPU, reservationOn,
		{Kind: KindScaleMemory, Target: scaleBackendCPU.Target, Value: 2048},
		{Kind: KindScaleCount, Target: scaleBackendCPU.Target, Value: 2},
		{Kind: KindAutoscaleOn, Target: scaleBackendCPU.Target, Min: 1, Max: 3, Percent: 60},
		{Kind: KindGrace, Target: scaleBackendCPU.Target, Value: 120},
		{Kind: KindHCInterval, Target: scaleBackendCPU.Target, Value: 10},
		{Kind: KindRollback, Target: scaleBackendCPU.Target},
	}
	h := newHarness(t, "builtin:incident")
	for _, req := range reqs {
		m := h.eng.Request(context.Background(), Ask{Actor: alice, DryRun: true}, req)
		if len(m.Buttons) > 0 {
			t.Errorf("%s: a dry run offers buttons", req.Kind)
		}
	}
	h.noMutations("dry runs")
	if cs, _ := h.st.Changes(store.ChangeFilter{}); len(cs) > 0 {
		t.Errorf("dry runs stored %d changes", len(cs))
	}
}

// goldenReply compares a reply as JSON (attachment bytes as text) and as
// the terminal shows it.
func goldenReply(t *testing.T, name string, m reply.Message) {
	t.Helper()
	shown := m
	shown.Attachments = nil
	for _, a := range m.Attachments {
		a.Text, a.Data = a.Text+"\n"+string(a.Data), nil
		shown.Attachments = append(shown.Attachments, a)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(shown); err != nil {
		t.Fatal(err)
	}
	golden(t, name+".json", buf.String())
	golden(t, name+".txt", reply.RenderText(m, reply.TextOptions{}))
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, name, got)
}
