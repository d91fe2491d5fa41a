package change

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

// defaultCPUPolicy names the policy ecsmedic creates.
const defaultCPUPolicy = "ecsmedic-cpu-target"

func resourceID(t Target) string { return "service/" + t.Cluster + "/" + t.Service }

// cpuPolicy is the service's target tracking policy on average CPU.
func cpuPolicy(snap *aws.ServiceSnapshot) *astypes.ScalingPolicy {
	for i, p := range snap.ScalingPolicies {
		c := p.TargetTrackingScalingPolicyConfiguration
		if c != nil && c.PredefinedMetricSpecification != nil &&
			c.PredefinedMetricSpecification.PredefinedMetricType == astypes.MetricTypeECSServiceAverageCPUUtilization {
			return &snap.ScalingPolicies[i]
		}
	}
	return nil
}

func policyTarget(p *astypes.ScalingPolicy) int {
	if p == nil || p.TargetTrackingScalingPolicyConfiguration == nil {
		return 0
	}
	return int(awssdk.ToFloat64(p.TargetTrackingScalingPolicyConfiguration.TargetValue))
}

func scalingState(snap *aws.ServiceSnapshot) map[string]string {
	st := serviceState(snap)
	st["scalableTarget"] = targetState(snap)
	for _, p := range snap.ScalingPolicies {
		st["policy."+awssdk.ToString(p.PolicyName)] = fmt.Sprintf("%s %d", p.PolicyType, policyTarget(&p))
	}
	return st
}

// planAutoscale plans `autoscale SERVICE on min N max M cpu PCT` and
// `autoscale SERVICE off`.
func (e *Engine) planAutoscale(ctx context.Context, req Request) (*built, error) {
	snap, err := e.gatherService(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	p := &Plan{State: scalingState(snap)}
	name := req.Target.Name()
	t := desiredTarget(snap)
	ns, dim, rid := astypes.ServiceNamespaceEcs, astypes.ScalableDimensionECSServiceDesiredCount, awssdk.String(resourceID(req.Target))
	if req.Kind == KindAutoscaleOff {
		p.Subject = T("subject.autoscale_off", "Service", name)
		if t == nil {
			p.fail("check.change", T("reason.autoscale_already_off", "Service", name))
			return &built{plan: p}, nil
		}
		b := &built{plan: p}
		for _, pol := range snap.ScalingPolicies {
			p.diff(T("diff.policy_removed", "Policy", awssdk.ToString(pol.PolicyName)))
			b.writes = append(b.writes, &applicationautoscaling.DeleteScalingPolicyInput{
				ServiceNamespace: ns, ScalableDimension: dim, ResourceId: rid, PolicyName: pol.PolicyName,
			})
		}
		p.diff(T("diff.target_removed", "Min", awssdk.ToInt32(t.MinCapacity), "Max", awssdk.ToInt32(t.MaxCapacity), "Count", snap.Service.DesiredCount))
		b.writes = append(b.writes, &applicationautoscaling.DeregisterScalableTargetInput{ServiceNamespace: ns, ScalableDimension: dim, ResourceId: rid})
		return b, nil
	}

	lo, hi, cpu := req.Min, req.Max, req.Percent
	p.Subject = T("subject.autoscale_on", "Service", name, "Min", lo, "Max", hi, "CPU", cpu)
	lim := e.opt.Limits.Count
	switch {
	case lo > hi:
		p.fail("check.limits", T("reason.min_over_max", "Min", lo, "Max", hi))
	case !lim.Allows(lo) || !lim.Allows(hi):
		p.fail("check.limits", T("reason.limits_out", "Value", fmt.Sprintf("%d–%d", lo, hi), "Min", lim.Min, "Max", lim.Max, "Step", 1, "Unit", "@unit.tasks"))
	default:
		p.pass("check.limits", T("reason.limits", "Value", fmt.Sprintf("%d–%d", lo, hi), "Min", lim.Min, "Max", lim.Max, "Step", 1, "Unit", "@unit.tasks"))
	}
	if cpu < 10 || cpu > 90 {
		p.fail("check.cpu_target", T("reason.cpu_target_out", "Value", cpu))
	} else {
		p.pass("check.cpu_target", T("reason.cpu_target_ok", "Value", cpu))
	}
	pol := cpuPolicy(snap)
	polName := defaultCPUPolicy
	if pol != nil {
		polName = awssdk.ToString(pol.PolicyName)
	}
	same := t != nil && int(awssdk.ToInt32(t.MinCapacity)) == lo && int(awssdk.ToInt32(t.MaxCapacity)) == hi && policyTarget(pol) == cpu
	if same {
		p.fail("check.change", T("reason.autoscale_same", "Service", name))
	}
	if t == nil {
		p.diff(T("diff.target_new", "Min", lo, "Max", hi))
	} else {
		p.diff(T("diff.target_change", "BMin", awssdk.ToInt32(t.MinCapacity), "BMax", awssdk.ToInt32(t.MaxCapacity), "Min", lo, "Max", hi))
	}
	if pol == nil {
		p.diff(T("diff.policy_new", "Policy", polName, "CPU", cpu))
	} else {
		p.diff(T("diff.policy_change", "Policy", polName, "Before", policyTarget(pol), "CPU", cpu))
	}
	desired := int(snap.Service.DesiredCount)
	switch {
	case desired < lo:
		p.note(T("note.desired_raised", "Count", desired, "Min", lo))
		checkRunsOn(p, snap, serviceView(snap, req.Target.Cluster), tdSize(snap.TaskDefinition), lo-desired, false)
	case desired > hi:
		p.note(T("note.desired_lowered", "Count", desired, "Max", hi))
	}
	if hi > max(desired, lo) && !isFargate(snap.Service, snap.TaskDefinition) {
		p.note(T("note.room_for_max", "Max", hi))
	}
	return &built{plan: p, writes: []any{
		&applicationautoscaling.RegisterScalableTargetInput{ServiceNamespace: ns, ScalableDimension: dim, ResourceId: rid,
			MinCapacity: awssdk.Int32(int32(lo)), MaxCapacity: awssdk.Int32(int32(hi))},
		&applicationautoscaling.PutScalingPolicyInput{ServiceNamespace: ns, ScalableDimension: dim, ResourceId: rid,
			PolicyName: awssdk.String(polName), PolicyType: astypes.PolicyTypeTargetTrackingScaling,
			TargetTrackingScalingPolicyConfiguration: &astypes.TargetTrackingScalingPolicyConfiguration{
				TargetValue: awssdk.Float64(float64(cpu)),
				PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{
					PredefinedMetricType: astypes.MetricTypeECSServiceAverageCPUUtilization},
				ScaleOutCooldown: awssdk.Int32(60), ScaleInCooldown: awssdk.Int32(300),
			}},
	}}, nil
}
