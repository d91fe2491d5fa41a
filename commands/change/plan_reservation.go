package change

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Reservation scaling defaults.
const (
	defaultReservationTarget = 75 // % CPU reservation, the classic ECS tutorial's
	reservationPolicyName    = "ecsmedic-cpureservation"
)

func policyState(p *asgtypes.ScalingPolicy) string {
	if p == nil {
		return "none"
	}
	en := p.Enabled == nil || *p.Enabled
	target := 0.0
	if p.TargetTrackingConfiguration != nil {
		target = awssdk.ToFloat64(p.TargetTrackingConfiguration.TargetValue)
	}
	return fmt.Sprintf("%s enabled=%t target=%g", awssdk.ToString(p.PolicyName), en, target)
}

func cpState(cp ecstypes.CapacityProvider) (status string, target int) {
	if ms := cp.AutoScalingGroupProvider.ManagedScaling; ms != nil {
		status, target = string(ms.Status), int(awssdk.ToInt32(ms.TargetCapacity))
	}
	if status == "" {
		status = string(ecstypes.ManagedScalingStatusDisabled)
	}
	if target == 0 {
		target = 100
	}
	return status, target
}

// planReservation plans `reservation on|off [target PCT]`: managed scaling
// of the cluster's capacity providers, or where it has none, the target
// tracking policy on CPUReservation of its EC2 Auto Scaling group.
func (e *Engine) planReservation(ctx context.Context, req Request) (*built, error) {
	v, err := e.gatherCluster(ctx, req.Target.Cluster, e.clusterServices(req.Target.Cluster))
	if err != nil {
		return nil, err
	}
	on := req.Kind == KindReservationOn
	p := &Plan{State: map[string]string{}}
	subject := "subject.reservation_off"
	if on {
		subject = "subject.reservation_on"
	}
	p.Subject = T(subject, "Cluster", req.Target.Cluster)
	if req.Percent != 0 && (req.Percent < 1 || req.Percent > 100) {
		p.fail("check.limits", T("reason.reservation_target_out", "Value", req.Percent))
	}
	if len(v.CapacityProviders) > 0 {
		return e.planCapacityProviders(p, v, req, on), nil
	}
	g := v.asgOf(nil)
	if g == nil {
		p.fail("check.group", T("reason.add.no_group"))
		return &built{plan: p}, nil
	}
	gname := awssdk.ToString(g.AutoScalingGroupName)
	pol := v.reservationPolicy(g)
	p.State["group"] = gname
	p.State["policy"] = policyState(pol)
	p.State["group.size"] = fmt.Sprintf("desired %d max %d", awssdk.ToInt32(g.DesiredCapacity), awssdk.ToInt32(g.MaxSize))
	p.pass("check.group", T("reason.group", "Group", gname, "Now", awssdk.ToInt32(g.DesiredCapacity), "Max", awssdk.ToInt32(g.MaxSize)))
	enabled := pol != nil && (pol.Enabled == nil || *pol.Enabled)
	cur := 0.0
	if pol != nil && pol.TargetTrackingConfiguration != nil {
		cur = awssdk.ToFloat64(pol.TargetTrackingConfiguration.TargetValue)
	}
	target := float64(req.Percent)
	if target == 0 {
		target = cur
		if target == 0 {
			target = defaultReservationTarget
		}
	}
	in := &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: g.AutoScalingGroupName, PolicyType: awssdk.String("TargetTrackingScaling")}
	switch {
	case !on && !enabled:
		p.fail("check.change", T("reason.reservation_already_off", "Group", gname))
		return &built{plan: p}, nil
	case on && enabled && cur == target:
		p.fail("check.change", T("reason.reservation_already_on", "Group", gname, "Target", target))
		return &built{plan: p}, nil
	case pol == nil:
		in.PolicyName = awssdk.String(reservationPolicyName)
		in.TargetTrackingConfiguration = &asgtypes.TargetTrackingConfiguration{
			TargetValue: awssdk.Float64(target),
			CustomizedMetricSpecification: &asgtypes.CustomizedMetricSpecification{
				Namespace: awssdk.String("AWS/ECS"), MetricName: awssdk.String("CPUReservation"), Statistic: asgtypes.MetricStatisticAverage,
				Dimensions: []asgtypes.MetricDimension{{Name: awssdk.String("ClusterName"), Value: awssdk.String(v.Name)}},
			},
		}
		in.Enabled = awssdk.Bool(true)
		p.diff(T("diff.policy_create", "Group", gname, "Policy", reservationPolicyName, "Target", target))
	default:
		// Keep the policy as it is; change only whether it is on and,
		// when asked, its target.
		in.PolicyName = pol.PolicyName
		tc := *pol.TargetTrackingConfiguration
		tc.TargetValue = awssdk.Float64(target)
		in.TargetTrackingConfiguration = &tc
		in.EstimatedInstanceWarmup = pol.EstimatedInstanceWarmup
		in.Enabled = awssdk.Bool(on)
		if on {
			p.diff(T("diff.policy_enable", "Group", gname, "Policy", awssdk.ToString(pol.PolicyName), "Before", onOff(enabled), "Target", target))
		} else {
			p.diff(T("diff.policy_disable", "Group", gname, "Policy", awssdk.ToString(pol.PolicyName)))
		}
		if on && cur != target && cur != 0 {
			p.diff(T("diff.policy_target", "Before", cur, "After", target))
		}
	}
	if on {
		if awssdk.ToInt32(g.MaxSize) <= awssdk.ToInt32(g.DesiredCapacity) {
			p.note(T("note.group_at_max", "Group", gname, "Max", awssdk.ToInt32(g.MaxSize)))
		}
		if v.HasReservation {
			key := "note.reservation_below"
			if v.CPUReservation > target {
				key = "note.reservation_above"
			}
			p.note(T(key, "Now", pct(v.CPUReservation), "Target", pct(target)))
		}
	} else {
		p.note(T("note.reservation_off"))
	}
	return &built{plan: p, writes: []any{in}}, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (e *Engine) planCapacityProviders(p *Plan, v clusterView, req Request, on bool) *built {
	b := &built{plan: p}
	want := ecstypes.ManagedScalingStatusDisabled
	if on {
		want = ecstypes.ManagedScalingStatusEnabled
	}
	for _, cp := range v.CapacityProviders {
		name := awssdk.ToString(cp.Name)
		status, target := cpState(cp)
		p.State["capacityProvider."+name] = fmt.Sprintf("%s %d", status, target)
		newTarget := target
		if on && req.Percent != 0 {
			newTarget = req.Percent
		}
		if status == string(want) && newTarget == target {
			continue
		}
		ms := ecstypes.ManagedScaling{Status: want}
		if cur := cp.AutoScalingGroupProvider.ManagedScaling; cur != nil {
			ms = *cur
			ms.Status = want
		}
		ms.TargetCapacity = awssdk.Int32(int32(newTarget))
		b.writes = append(b.writes, &ecs.UpdateCapacityProviderInput{
			Name:                     cp.Name,
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProviderUpdate{ManagedScaling: &ms},
		})
		p.diff(T("diff.capacity_provider", "Provider", name, "Before", status, "After", string(want), "BTarget", target, "Target", newTarget))
		if g := v.asgOf(&cp); g != nil && on {
			p.pass("check.group", T("reason.group", "Group", awssdk.ToString(g.AutoScalingGroupName), "Now", awssdk.ToInt32(g.DesiredCapacity), "Max", awssdk.ToInt32(g.MaxSize)))
			if awssdk.ToInt32(g.MaxSize) <= awssdk.ToInt32(g.DesiredCapacity) {
				p.note(T("note.group_at_max", "Group", awssdk.ToString(g.AutoScalingGroupName), "Max", awssdk.ToInt32(g.MaxSize)))
			}
		}
	}
	if len(b.writes) == 0 {
		key := "reason.cp_already_off"
		if on {
			key = "reason.cp_already_on"
		}
		p.fail("check.change", T(key))
	}
	if on {
		p.note(T("note.cp_scaling"))
	}
	return b
}
