package commands

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/commands/change"
)

// TestParseChange: the chat's words after a change command become the
// same typed request a slash command or the command line builds.
func TestParseChange(t *testing.T) {
	tests := []struct {
		cmd, args string
		want      ChangeRequest
		dry       bool
		err       string // the usage error's message ID
	}{
		{"scale", "backend cpu 1024", ScaleRequest{Service: "backend", Resource: ScaleCPU, Value: 1024}, false, ""},
		{"scale", "backend vcpu 512 --dry-run", ScaleRequest{Service: "backend", Resource: ScaleCPU, Value: 512}, true, ""},
		{"scale", "backend memory 2048", ScaleRequest{Service: "backend", Resource: ScaleMemory, Value: 2048}, false, ""},
		{"scale", "backend count 2", ScaleRequest{Service: "backend", Resource: ScaleCount, Value: 2}, false, ""},
		{"scale", "backend disk 10", ScaleRequest{Service: "backend"}, false, "usage.scale_what"},
		{"scale", "", nil, false, "usage.need_service"},
		{"reservation", "on", ReservationRequest{On: true}, false, ""},
		{"reservation", "on target 80 cluster codedang", ReservationRequest{On: true, TargetPercent: 80, Cluster: "codedang"}, false, ""},
		{"reservation", "off", ReservationRequest{}, false, ""},
		{"reservation", "off target 80", ReservationRequest{}, false, "usage.unexpected"},
		{"reservation", "on target 0", ReservationRequest{On: true}, false, "reason.reservation_target_out"},
		{"autoscale", "backend on min 1 max 3 cpu 60", AutoscaleRequest{Service: "backend", On: true, Min: 1, Max: 3, CPUPercent: 60}, false, ""},
		{"autoscale", "backend off", AutoscaleRequest{Service: "backend"}, false, ""},
		{"autoscale", "backend on min 1", AutoscaleRequest{Service: "backend", On: true, Min: 1}, false, "usage.autoscale_args"},
		{"healthcheck", "backend grace-period 120", HealthcheckRequest{Service: "backend", Setting: HealthcheckGrace, Value: 120}, false, ""},
		{"healthcheck", "backend unhealthy 3", HealthcheckRequest{Service: "backend", Setting: HealthcheckUnhealthy, Value: 3}, false, ""},
		{"rollback", "backend", RollbackRequest{Service: "backend"}, false, ""},
		{"rollback", "backend backend:42", RollbackRequest{Service: "backend", Revision: 42}, false, ""},
		{"rollback", "backend x1", RollbackRequest{Service: "backend"}, false, "usage.bad_revision"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd+" "+tt.args, func(t *testing.T) {
			got, dry, err := ParseChange(tt.cmd, strings.Fields(tt.args))
			var ue *usageError
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.err != "" && (!errors.As(err, &ue) || ue.id != tt.err):
				t.Fatalf("error %v, want %s", err, tt.err)
			}
			if dry != tt.dry {
				t.Errorf("dry run %t, want %t", dry, tt.dry)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("request (-want +got):\n%s", d)
			}
		})
	}
	if _, _, err := ParseChange("why", nil); err == nil {
		t.Error("why parsed as a change")
	}
}

// TestPlanLikeLine: Plan with a typed request answers exactly what the
// same request typed as a `!` line answers, refusals included (an unknown
// service is named before a bad argument, as the line does).
func TestPlanLikeLine(t *testing.T) {
	r, s := changeRouter(t)
	ctx := context.Background()
	alice := Input{User: "100", UserName: "alice", Roles: []string{"ops"}}
	tests := []struct {
		line string
		req  ChangeRequest
	}{
		{"!scale backend cpu 1024 --dry-run", ScaleRequest{Service: "backend", Resource: ScaleCPU, Value: 1024}},
		{"!scale backend count 2 --dry-run", ScaleRequest{Service: "backend", Resource: ScaleCount, Value: 2}},
		{"!scale nosuch disk 10 --dry-run", ScaleRequest{Service: "nosuch", Resource: "disk", Value: 10}},
		{"!scale backend disk 10 --dry-run", ScaleRequest{Service: "backend", Resource: "disk", Value: 10}},
		{"!reservation on target 80 --dry-run", ReservationRequest{On: true, TargetPercent: 80}},
		{"!reservation off target 80 --dry-run", ReservationRequest{TargetPercent: 80}},
		{"!reservation on cluster nosuch --dry-run", ReservationRequest{On: true, Cluster: "nosuch"}},
		{"!autoscale backend on min 1 max 3 cpu 60 --dry-run", AutoscaleRequest{Service: "backend", On: true, Min: 1, Max: 3, CPUPercent: 60}},
		{"!autoscale backend off --dry-run", AutoscaleRequest{Service: "backend"}},
		{"!autoscale backend off min 1 --dry-run", AutoscaleRequest{Service: "backend", Min: 1}},
		{"!healthcheck backend grace 120 --dry-run", HealthcheckRequest{Service: "backend", Setting: HealthcheckGrace, Value: 120}},
		{"!healthcheck backend interval 10 --dry-run", HealthcheckRequest{Service: "backend", Setting: HealthcheckInterval, Value: 10}},
		{"!rollback backend --dry-run", RollbackRequest{Service: "backend"}},
		{"!rollback frontend 3 --dry-run", RollbackRequest{Service: "frontend", Revision: 3}},
	}
	for _, lang := range []string{"en", "ko"} {
		for _, tt := range tests {
			in := alice
			in.Locale = lang
			o, got := r.Plan(ctx, in, tt.req, true)
			in.Text = tt.line
			want := r.Handle(ctx, in)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s %q: Plan answers unlike the line (-line +plan):\n%s", lang, tt.line, d)
			}
			if !o.DryRun && !o.Refused() {
				t.Errorf("%q: neither a dry run nor refused: %+v", tt.line, o)
			}
			args := strings.Fields(tt.line)
			_, one := r.PlanArgs(ctx, Input{User: alice.User, UserName: alice.UserName, Roles: alice.Roles, Locale: lang}, strings.TrimPrefix(args[0], "!"), args[1:len(args)-1], true)
			if d := cmp.Diff(want, one); d != "" {
				t.Errorf("%s %q: PlanArgs answers unlike the line (-line +args):\n%s", lang, tt.line, d)
			}
		}
	}
	var told change.Outcome
	in := alice
	in.OnChange = func(o change.Outcome) { told = o }
	o, _ := r.Plan(ctx, in, ReservationRequest{On: true}, false)
	if !o.Pending() || told.Change.ID != o.Change.ID {
		t.Errorf("a plan: %+v; OnChange told %q", o, told.Change.ID)
	}
	if o, ms := r.Plan(ctx, alice, ScaleRequest{Service: "nosuch", Resource: ScaleCPU, Value: 1}, false); o.Refusal != change.RefusalError || len(ms) != 1 || !ms[0].Failed {
		t.Errorf("an unknown service: %+v %+v", o, ms)
	}
	if m := mutating(s); len(m) > 0 {
		t.Errorf("mutating calls: %v", m)
	}
}
