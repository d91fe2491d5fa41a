package change

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
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
	v, err := e.gatherCluster(ctx, req.Target.Cluster, e.clusterServices(ctx, req.Target.Cluster))
	if err != nil {
		return nil, err
	}
	on := req.Kind == KindReservationOn
	p := &Plan{State: map[string]string{}}
	subject := "subject.reservation_off"
	if on {
		subject = "subject.reservation_on"
	}
	p.Subject = T(subject, "Cluster", req.Target.StoreCluster()) // prod/codedang with several targets
	if req.Percent != 0 && (req.Percent < 1 || req.Percent > 100) {
		p.fail("check.limits", T("reason.reservation_target_out", "Value", req.Percent))
	}
	// Whether scaling is on is aws.Scaling's rule, the one why and the
	// summary apply, so that `reservation off` turns off what they call on.
	rs := v.scaling()
	if len(v.CapacityProviders) > 0 {
		return e.planCapacityProviders(p, v, rs, req, on), nil
	}
	g := rs.Grower()
	if g == nil {
		p.fail("check.group", T("reason.add.no_group"))
		return &built{plan: p}, nil
	}
	gname := awssdk.ToString(g.AutoScalingGroupName)
	pol := rs.Policy(gname)
	p.State["group"] = gname
	p.State["policy"] = policyState(pol)
	p.State["group.size"] = fmt.Sprintf("desired %d max %d", awssdk.ToInt32(g.DesiredCapacity), awssdk.ToInt32(g.MaxSize))
	p.pass("check.group", T("reason.group", "Group", gname, "Now", awssdk.ToInt32(g.DesiredCapacity), "Max", awssdk.ToInt32(g.MaxSize)))
	if !on {
		if !rs.PolicyOn() {
			p.fail("check.change", T("reason.reservation_already_off", "Group", gname))
			return &built{plan: p}, nil
		}
		writes := disablePolicies(p, rs)
		p.note(T("note.reservation_off"))
		return &built{plan: p, writes: writes}, nil
	}
	enabled := pol != nil && aws.PolicyEnabled(*pol)
	if pol != nil && !aws.IsCPUReservationTracking(*pol, v.Name) {
		// A step policy or one on MemoryReservation: on already, but
		// with no CPU target to set; when it is off, `on` adds ecsmedic's
		// own target tracking policy rather than guess at its alarm.
		if enabled {
			p.fail("check.change", T("reason.reservation_already_on_policy", "Group", gname, "Policy", awssdk.ToString(pol.PolicyName)))
			return &built{plan: p}, nil
		}
		pol, enabled = nil, false
	}
	cur := 0.0
	if pol != nil {
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
	case enabled && cur == target:
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
		in = putPolicy(*pol, true)
		tc := *pol.TargetTrackingConfiguration
		tc.TargetValue = awssdk.Float64(target)
		in.TargetTrackingConfiguration = &tc
		p.diff(T("diff.policy_enable", "Group", gname, "Policy", awssdk.ToString(pol.PolicyName), "Before", onOff(enabled), "Target", target))
		if cur != target && cur != 0 {
			p.diff(T("diff.policy_target", "Before", cur, "After", target))
		}
	}
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
	return &built{plan: p, writes: []any{in}}, nil
}

// disablePolicies turns off every enabled reservation policy of the
// cluster's groups: leaving one on would leave the scaling on.
func disablePolicies(p *Plan, rs aws.Scaling) []any {
	var writes []any
	for _, pol := range rs.Policies {
		if !aws.PolicyEnabled(pol) {
			continue
		}
		writes = append(writes, putPolicy(pol, false))
		p.diff(T("diff.policy_disable", "Group", awssdk.ToString(pol.AutoScalingGroupName), "Policy", awssdk.ToString(pol.PolicyName)))
	}
	return writes
}

// putPolicy writes the policy back as it is, on or off. Target tracking
// carries its configuration; step and simple scaling their adjustments.
func putPolicy(pol asgtypes.ScalingPolicy, enabled bool) *autoscaling.PutScalingPolicyInput {
	in := &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: pol.AutoScalingGroupName, PolicyName: pol.PolicyName,
		PolicyType: pol.PolicyType, EstimatedInstanceWarmup: pol.EstimatedInstanceWarmup, Enabled: awssdk.Bool(enabled)}
	if in.PolicyType == nil && pol.TargetTrackingConfiguration != nil {
		in.PolicyType = awssdk.String("TargetTrackingScaling")
	}
	if pol.TargetTrackingConfiguration != nil {
		tc := *pol.TargetTrackingConfiguration
		in.TargetTrackingConfiguration = &tc
		return in
	}
	in.AdjustmentType, in.MinAdjustmentMagnitude, in.ScalingAdjustment, in.Cooldown = pol.AdjustmentType, pol.MinAdjustmentMagnitude, pol.ScalingAdjustment, pol.Cooldown
	in.MetricAggregationType, in.StepAdjustments = pol.MetricAggregationType, pol.StepAdjustments
	return in
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (e *Engine) planCapacityProviders(p *Plan, v clusterView, rs aws.Scaling, req Request, on bool) *built {
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
	if !on {
		// A group behind a provider may scale by its own policy too.
		b.writes = append(b.writes, disablePolicies(p, rs)...)
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
