package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
)

// postmortemRig is the club's afternoon in a store: an older stop that
// only the bot remembers, and the changes made through the engine after
// the stop — reservation scaling on and `!scale backend cpu 1024`, both
// approved, and auto scaling still waiting for approval.
func postmortemRig(t *testing.T) *changeRig {
	t.Helper()
	rig := newChangeRig(t, config.Roles{Operators: []string{"ops"}, Approvers: []string{"approvers"}})
	exit137 := int32(137)
	earlier := rig.clock().Add(-2*time.Hour - 38*time.Minute)
	if _, err := rig.st.RecordStop(store.StopRecord{
		TaskArn: "arn:aws:ecs:ap-northeast-2:111122223333:task/codedang/0a1b2c3d4e5f60718293a4b5c6d7e8f9",
		Cluster: "codedang", Service: "backend", StoppingAt: earlier.Add(-30 * time.Second), StoppedAt: earlier,
		StopCode: "ServiceSchedulerInitiated", StoppedReason: "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/codedang-backend-tg/4c03a0d27b3ef69a)",
		Containers: []store.StopContainer{{Name: "backend", ExitCode: &exit137}}, Cause: "elb-health-check",
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	backend := change.Target{Alias: "backend", Cluster: "codedang", Service: "backend"}
	alice := change.Ask{Actor: change.Actor{ID: "100", Name: "alice", Roles: []string{"ops"}}}
	bob := change.Ask{Actor: change.Actor{ID: "200", Name: "bob", Roles: []string{"ops", "approvers"}}}
	for _, req := range []change.Request{
		{Kind: change.KindReservationOn, Target: change.Target{Cluster: "codedang"}},
		{Kind: change.KindScaleCPU, Target: backend, Value: 1024},
	} {
		o := rig.eng.Request(ctx, alice, req)
		if o.Refused() {
			t.Fatalf("%s refused: %+v", req.Kind, o)
		}
		rig.eng.Approve(ctx, bob, o.Change.ID)
	}
	if o := rig.eng.Request(ctx, alice, change.Request{Kind: change.KindAutoscaleOn, Target: backend, Min: 2, Max: 4, Percent: 60}); o.Refused() {
		t.Fatalf("autoscale refused: %+v", o)
	}
	rig.r.env.Stops, rig.r.env.Audit = rig.st, rig.st
	return rig
}

// TestGoldenPostmortem keeps the report of the club's incident in both
// languages, and the chat reply that carries it.
func TestGoldenPostmortem(t *testing.T) {
	rig := postmortemRig(t)
	for _, lang := range text.Languages {
		t.Run(lang, func(t *testing.T) {
			pm := rig.r.Postmortem(context.Background(), PostmortemRequest{Service: "backend", From: From{Locale: lang}})
			if len(pm.Reply) != 1 || pm.Reply[0].Failed || pm.Markdown == "" {
				t.Fatalf("no report: %+v", pm.Reply)
			}
			golden(t, "postmortem_incident_"+lang+".md", pm.Markdown)
			goldenReply(t, "postmortem_reply_"+lang, pm.Reply[0])
			a := pm.Reply[0].Attachments
			if len(a) != 1 || string(a[0].Data) != pm.Markdown || a[0].Name != pm.FileName || !strings.HasSuffix(a[0].Name, ".md") {
				t.Errorf("the reply does not carry the report: %+v", a)
			}
		})
	}
}

// TestPostmortemContents checks what the report must say, in words a test
// can name: the approved change with its approver, the stop only the bot
// remembers, and the follow-ups.
func TestPostmortemContents(t *testing.T) {
	rig := postmortemRig(t)
	md := rig.r.Postmortem(context.Background(), PostmortemRequest{Service: "backend", Since: 6 * time.Hour, From: From{Locale: "en"}}).Markdown
	for _, want := range []string{
		"## Summary", "## Impact", "## Timeline", "## Root cause", "## What was changed", "## Follow-ups left open",
		"Tasks stopped unexpectedly: **2**", // one from ECS, one from the stop history
		"backend: CPU 512 → 1024 units",     // the scale change, by its plan
		"Change approved by bob", "Change requested by alice",
		"`!approve k0000003`", // auto scaling still waits
		"Change audit:",
		"1 of the stops above come from the bot's own records",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}

// TestPostmortemWithoutStore: no store, or an empty one, is said, and the
// report still tells what AWS returns.
func TestPostmortemWithoutStore(t *testing.T) {
	t.Run("no store", func(t *testing.T) {
		r, _ := simRouter(t, "../aws/world/builtin/incident.yaml", []ServiceRef{{Alias: "backend", Cluster: "codedang", Service: "backend"}})
		md := r.Postmortem(context.Background(), PostmortemRequest{Service: "backend"}).Markdown
		for _, want := range []string{"**No store**", "no store here to read the change audit", "Failed load-balancer health checks"} {
			if !strings.Contains(md, want) {
				t.Errorf("the report lacks %q:\n%s", want, md)
			}
		}
	})
	t.Run("empty store", func(t *testing.T) {
		rig := newChangeRig(t, config.Roles{})
		rig.r.env.Stops, rig.r.env.Audit = rig.st, rig.st
		md := rig.r.Postmortem(context.Background(), PostmortemRequest{Service: "backend", From: From{Locale: "ko"}}).Markdown
		for _, want := range []string{"ecsmedic으로 한 변경은 없습니다", "변경 감사 기록: 이 서비스나 클러스터에 대한 기록 0건"} {
			if !strings.Contains(md, want) {
				t.Errorf("the report lacks %q:\n%s", want, md)
			}
		}
	})
}

// TestPostmortemRequests: the chat line and the typed entry point refuse
// the same things, in the post-mortem's own words.
func TestPostmortemRequests(t *testing.T) {
	r, _ := simRouter(t, "../aws/world/builtin/incident.yaml", []ServiceRef{{Alias: "backend", Cluster: "codedang", Service: "backend"}})
	ctx := context.Background()
	tests := []struct {
		line string
		want string
	}{
		{"!postmortem", "Name one after `postmortem`"},
		{"!postmortem backend 5e1f6c3a", "I did not expect `5e1f6c3a` there"},
		{"!postmortem backend since 30d", "out of range"},
		{"!postmortem backnd", "Did you mean backend?"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			ms := r.Handle(ctx, Input{Text: tt.line})
			if len(ms) != 1 || !ms[0].Failed || !strings.Contains(ms[0].Title+ms[0].Description, tt.want) {
				t.Errorf("reply %+v, want a failure saying %q", ms, tt.want)
			}
		})
	}
	pm := r.Postmortem(ctx, PostmortemRequest{Service: "backend", Since: -time.Hour})
	if pm.Markdown != "" || len(pm.Reply) != 1 || !pm.Reply[0].Failed {
		t.Errorf("a negative window gave %+v", pm)
	}
	ms := r.Handle(ctx, Input{Text: "!postmortem backend since 2h"})
	if len(ms) != 1 || ms[0].Failed || len(ms[0].Attachments) != 1 || !strings.Contains(string(ms[0].Attachments[0].Data), "`!why backend since 2h`") {
		t.Errorf("since 2h: %+v", ms)
	}
}
