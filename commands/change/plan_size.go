package change

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

func (e *Engine) gatherService(ctx context.Context, t Target) (*aws.ServiceSnapshot, error) {
	clients, err := e.clients(forTarget(ctx, t))
	if err != nil {
		return nil, err
	}
	return clients.GatherService(ctx, t.Cluster, t.Service, aws.GatherOptions{LogLines: 1, Container: t.Container})
}

// serviceState is the part of a service a change depends on.
func serviceState(snap *aws.ServiceSnapshot) map[string]string {
	s := snap.Service
	return map[string]string{
		"taskDefinition": revName(awssdk.ToString(s.TaskDefinition)),
		"desiredCount":   fmt.Sprint(s.DesiredCount),
	}
}

// deploying reports whether a deployment is under way, and the revision
// it rolls out.
func deploying(svc ecstypes.Service) (bool, string) {
	if len(svc.Deployments) > 1 {
		return true, revName(awssdk.ToString(svc.Deployments[0].TaskDefinition))
	}
	for _, d := range svc.Deployments {
		if awssdk.ToString(d.Status) == "PRIMARY" && d.RolloutState == ecstypes.DeploymentRolloutStateInProgress {
			return true, revName(awssdk.ToString(d.TaskDefinition))
		}
	}
	return false, ""
}

func checkSteady(p *Plan, svc ecstypes.Service) {
	if busy, rev := deploying(svc); busy {
		p.fail("check.deployment", T("reason.deploying", "Revision", rev))
		return
	}
	p.pass("check.deployment", T("reason.steady"))
}

func checkLimit(p *Plan, r Range, v int, unit string) {
	reason := T("reason.limits", "Value", v, "Min", r.Min, "Max", r.Max, "Step", max(r.Step, 1), "Unit", unit)
	if r.Allows(v) {
		p.pass("check.limits", reason)
		return
	}
	p.fail("check.limits", T("reason.limits_out", "Value", v, "Min", r.Min, "Max", r.Max, "Step", max(r.Step, 1), "Unit", unit))
}

// nextRevision is the number the family's next revision will get.
func (e *Engine) nextRevision(ctx context.Context, family string, current int) int {
	next := current + 1
	for _, st := range []ecstypes.TaskDefinitionStatus{ecstypes.TaskDefinitionStatusActive, ecstypes.TaskDefinitionStatusInactive} {
		clients, err := e.clients(ctx)
		if err != nil {
			return next
		}
		out, err := clients.ECS.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{
			FamilyPrefix: awssdk.String(family), Status: st, Sort: ecstypes.SortOrderDesc, MaxResults: awssdk.Int32(1),
		})
		if err != nil || len(out.TaskDefinitionArns) == 0 {
			continue
		}
		next = max(next, revNumber(out.TaskDefinitionArns[0])+1)
	}
	return next
}

// surge is how many new tasks a rolling deployment starts before it stops
// an old one (at least one).
func surge(svc ecstypes.Service) int {
	d := int(svc.DesiredCount)
	maxPct := 200
	if dc := svc.DeploymentConfiguration; dc != nil && dc.MaximumPercent != nil {
		maxPct = int(*dc.MaximumPercent)
	}
	return max(min(d*maxPct/100-d, d), 1)
}

// planSize plans `scale SERVICE cpu UNITS` and `scale SERVICE memory MIB`:
// a new revision, a faithful copy with only that size changed, and the
// service moved to it.
func (e *Engine) planSize(ctx context.Context, req Request) (*built, error) {
	snap, err := e.gatherService(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	memory := req.Kind == KindScaleMemory
	td := snap.TaskDefinition
	arn := awssdk.ToString(td.TaskDefinitionArn)
	field, unit, rng, cur := "@field.cpu", "@unit.cpu", e.opt.Limits.CPU, tdSize(td).CPU
	if memory {
		field, unit, rng, cur = "@field.memory", "@unit.mib", e.opt.Limits.Memory, tdSize(td).Mem
	}
	n := req.Value
	p := &Plan{BaseTaskDefinition: arn, Revision: revName(arn), Deploys: true, State: serviceState(snap)}
	p.Subject = T("subject.scale", "Service", req.Target.Name(), "Field", field, "Before", cur, "After", n, "Unit", unit)
	checkLimit(p, rng, n, unit)
	if n == cur {
		p.fail("check.change", T("reason.same", "Field", field, "Value", n, "Unit", unit))
	}
	checkSteady(p, snap.Service)

	in := aws.CopyForRegister(td, snap.TaskDefinitionTags[arn])
	diffs, problem := resize(in, td, memory, n, req.Target.Container)
	if problem != nil {
		p.fail("check.containers", *problem)
	}
	next := fmt.Sprintf("%s:%d", awssdk.ToString(td.Family), e.nextRevision(ctx, awssdk.ToString(td.Family), revNumber(arn)))
	p.diff(T("diff.new_revision", "Before", revName(arn), "After", next))
	for _, d := range diffs {
		p.diff(d)
	}
	p.diff(T("diff.unchanged"))
	p.diff(T("diff.service_uses", "Service", req.Target.Name(), "After", next, "MinHealthy", minHealthy(snap.Service), "MaxPercent", maxPercent(snap.Service)))

	need := inputSize(in)
	checkRunsOn(p, snap, serviceView(snap, req.Target.Cluster), need, min(int(snap.Service.DesiredCount), surge(snap.Service)), true)
	return &built{plan: p, register: in, writes: []any{&ecs.UpdateServiceInput{
		Cluster: awssdk.String(req.Target.Cluster), Service: awssdk.String(req.Target.Service),
	}}}, nil
}

func maxPercent(svc ecstypes.Service) int {
	if dc := svc.DeploymentConfiguration; dc != nil && dc.MaximumPercent != nil {
		return int(*dc.MaximumPercent)
	}
	return 200
}

// checkRunsOn checks the Fargate size, or placement on EC2.
func checkRunsOn(p *Plan, snap *aws.ServiceSnapshot, v clusterView, need size, n int, replacing bool) {
	if isFargate(snap.Service, snap.TaskDefinition) {
		valid, lo, hi, step, ok := fargateValid(need.CPU, need.Mem)
		switch {
		case !ok:
			p.fail("check.fargate", T("reason.fargate_cpu", "CPU", need.CPU, "CPUs", fargateCPUs()))
		case !valid:
			p.fail("check.fargate", T("reason.fargate_pair", "CPU", need.CPU, "Mem", need.Mem, "Lo", lo, "Hi", hi, "Step", step))
		default:
			p.pass("check.fargate", T("reason.fargate_ok", "CPU", need.CPU, "Mem", need.Mem))
		}
		return
	}
	placement(p, snap, v, need, n, replacing)
}
