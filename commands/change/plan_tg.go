package change

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// hcRanges are the ALB health check limits (reference §5.1).
var hcRanges = map[string]struct {
	Field  string
	Lo, Hi int
	Unit   string
}{
	KindHCTimeout:   {"@field.timeout", 2, 120, "@unit.s"},
	KindHCInterval:  {"@field.interval", 5, 300, "@unit.s"},
	KindHCUnhealthy: {"@field.unhealthy", 2, 10, "@unit.checks"},
}

func hcValues(g elbtypes.TargetGroup) (interval, timeout, unhealthy int) {
	return int(awssdk.ToInt32(g.HealthCheckIntervalSeconds)), int(awssdk.ToInt32(g.HealthCheckTimeoutSeconds)), int(awssdk.ToInt32(g.UnhealthyThresholdCount))
}

// planTargetGroup plans `healthcheck SERVICE timeout|interval|unhealthy N`
// on each of the service's target groups.
func (e *Engine) planTargetGroup(ctx context.Context, req Request) (*built, error) {
	snap, err := e.gatherService(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	r := hcRanges[req.Kind]
	n := req.Value
	p := &Plan{State: map[string]string{}}
	p.Subject = T("subject.healthcheck", "Service", req.Target.Name(), "Field", r.Field, "After", n, "Unit", r.Unit)
	if n < r.Lo || n > r.Hi {
		p.fail("check.limits", T("reason.hc_out", "Field", r.Field, "Value", n, "Lo", r.Lo, "Hi", r.Hi, "Unit", r.Unit))
	} else {
		p.pass("check.limits", T("reason.hc_ok", "Field", r.Field, "Value", n, "Lo", r.Lo, "Hi", r.Hi, "Unit", r.Unit))
	}
	if len(snap.TargetGroups) == 0 {
		p.fail("check.load_balancer", T("reason.no_target_group", "Service", req.Target.Name()))
		return &built{plan: p}, nil
	}
	b := &built{plan: p}
	same := true
	for _, tg := range snap.TargetGroups {
		g := tg.Group
		name := awssdk.ToString(g.TargetGroupName)
		interval, timeout, unhealthy := hcValues(g)
		p.State["targetGroup."+name] = fmt.Sprintf("interval %d timeout %d unhealthy %d healthy %d", interval, timeout, unhealthy, awssdk.ToInt32(g.HealthyThresholdCount))
		in := &elb.ModifyTargetGroupInput{TargetGroupArn: g.TargetGroupArn}
		before := 0
		switch req.Kind {
		case KindHCTimeout:
			before, timeout = timeout, n
			in.HealthCheckTimeoutSeconds = awssdk.Int32(int32(n))
		case KindHCInterval:
			before, interval = interval, n
			in.HealthCheckIntervalSeconds = awssdk.Int32(int32(n))
		case KindHCUnhealthy:
			before = unhealthy
			in.UnhealthyThresholdCount = awssdk.Int32(int32(n))
		}
		if before != n {
			same = false
		}
		if req.Kind != KindHCUnhealthy && timeout >= interval {
			p.fail("check.timeout_interval", T("reason.timeout_interval", "Group", name, "Timeout", timeout, "Interval", interval))
		}
		p.diff(T("diff.healthcheck", "Group", name, "Field", r.Field, "Before", before, "After", n, "Unit", r.Unit))
		b.writes = append(b.writes, in)
	}
	if same {
		p.fail("check.change", T("reason.same_hc", "Field", r.Field, "Value", n, "Unit", r.Unit))
	}
	// A failing target is declared unhealthy after interval × threshold.
	interval, _, unhealthy := hcValues(snap.TargetGroups[0].Group)
	switch req.Kind {
	case KindHCInterval:
		interval = n
	case KindHCUnhealthy:
		unhealthy = n
	}
	p.note(T("note.unhealthy_after", "Seconds", interval*unhealthy))
	return b, nil
}
