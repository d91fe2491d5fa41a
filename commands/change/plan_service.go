package change

import (
	"context"
	"errors"
	"fmt"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsmedic/ecsmedic/aws"
)

// desiredTarget is the service's Application Auto Scaling target, if any.
func desiredTarget(snap *aws.ServiceSnapshot) *astypes.ScalableTarget {
	for i, t := range snap.ScalableTargets {
		if t.ScalableDimension == astypes.ScalableDimensionECSServiceDesiredCount {
			return &snap.ScalableTargets[i]
		}
	}
	return nil
}

func targetState(snap *aws.ServiceSnapshot) string {
	t := desiredTarget(snap)
	if t == nil {
		return "none"
	}
	return fmt.Sprintf("min %d max %d", awssdk.ToInt32(t.MinCapacity), awssdk.ToInt32(t.MaxCapacity))
}

// planCount plans `scale SERVICE count N`.
func (e *Engine) planCount(ctx context.Context, req Request) (*built, error) {
	snap, err := e.gatherService(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	cur, n := int(snap.Service.DesiredCount), req.Value
	p := &Plan{Deploys: true, State: serviceState(snap), Revision: revName(awssdk.ToString(snap.Service.TaskDefinition))}
	p.State["scalableTarget"] = targetState(snap)
	p.Subject = T("subject.count", "Service", req.Target.Name(), "Before", cur, "After", n)
	checkLimit(p, e.opt.Limits.Count, n, "@unit.tasks")
	if n == cur {
		p.fail("check.change", T("reason.same_count", "Value", n))
	}
	if t := desiredTarget(snap); t != nil {
		p.fail("check.autoscaling", T("reason.autoscaling_controls", "Service", req.Target.Name(),
			"Min", awssdk.ToInt32(t.MinCapacity), "Max", awssdk.ToInt32(t.MaxCapacity)))
	} else {
		p.pass("check.autoscaling", T("reason.no_autoscaling"))
	}
	checkSteady(p, snap.Service)
	p.diff(T("diff.count", "Service", req.Target.Name(), "Before", cur, "After", n))
	if n > cur {
		checkRunsOn(p, snap, serviceView(snap, req.Target.Cluster), tdSize(snap.TaskDefinition), n-cur, false)
	}
	return &built{plan: p, writes: []any{&ecs.UpdateServiceInput{
		Cluster: awssdk.String(req.Target.Cluster), Service: awssdk.String(req.Target.Service), DesiredCount: awssdk.Int32(int32(n)),
	}}}, nil
}

// planGrace plans `healthcheck SERVICE grace SECONDS`.
func (e *Engine) planGrace(ctx context.Context, req Request) (*built, error) {
	snap, err := e.gatherService(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	cur := int(awssdk.ToInt32(snap.Service.HealthCheckGracePeriodSeconds))
	n := req.Value
	p := &Plan{State: map[string]string{"healthCheckGracePeriodSeconds": fmt.Sprint(cur)}}
	p.Subject = T("subject.grace", "Service", req.Target.Name(), "Before", cur, "After", n)
	maxGrace := e.opt.GraceMaxSeconds
	if n < 0 || n > maxGrace {
		p.fail("check.limits", T("reason.grace_out", "Value", n, "Max", maxGrace))
	} else {
		p.pass("check.limits", T("reason.grace_ok", "Value", n, "Max", maxGrace))
	}
	if n == cur {
		p.fail("check.change", T("reason.same_grace", "Value", n))
	}
	if len(snap.Service.LoadBalancers) == 0 {
		p.fail("check.load_balancer", T("reason.no_load_balancer", "Service", req.Target.Name()))
	}
	p.diff(T("diff.grace", "Service", req.Target.Name(), "Before", cur, "After", n))
	p.note(T("note.grace_no_deploy"))
	return &built{plan: p, writes: []any{&ecs.UpdateServiceInput{
		Cluster: awssdk.String(req.Target.Cluster), Service: awssdk.String(req.Target.Service),
		HealthCheckGracePeriodSeconds: awssdk.Int32(int32(n)),
	}}}, nil
}

// planRollback plans `rollback SERVICE [REVISION]`: the service moved to an
// earlier ACTIVE revision of its family, by default the one before.
func (e *Engine) planRollback(ctx context.Context, req Request) (*built, error) {
	snap, err := e.gatherService(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	cur := snap.TaskDefinition
	curArn := awssdk.ToString(cur.TaskDefinitionArn)
	family := awssdk.ToString(cur.Family)
	p := &Plan{BaseTaskDefinition: curArn, Revision: revName(curArn), Deploys: true, State: serviceState(snap)}
	rev := req.Value
	if rev == 0 {
		rev, err = e.previousRevision(ctx, family, revNumber(curArn))
		if err != nil {
			return nil, err
		}
	}
	to := fmt.Sprintf("%s:%d", family, rev)
	p.Subject = T("subject.rollback", "Service", req.Target.Name(), "Before", revName(curArn), "After", to)
	checkSteadyForRollback(p, snap.Service)
	if rev == 0 {
		p.fail("check.revision", T("reason.no_previous", "Revision", revName(curArn)))
		return &built{plan: p}, nil
	}
	if rev == revNumber(curArn) {
		p.fail("check.revision", T("reason.rollback_same", "Revision", to))
		return &built{plan: p}, nil
	}
	clients, err := e.clients(ctx)
	if err != nil {
		return nil, err
	}
	out, err := clients.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: awssdk.String(to)})
	var api smithy.APIError
	switch {
	case errors.As(err, &api) && (api.ErrorCode() == "ClientException" || api.ErrorCode() == "InvalidParameterException"):
		p.fail("check.revision", T("reason.revision_missing", "Revision", to))
		return &built{plan: p}, nil
	case err != nil:
		return nil, aws.Explain(err)
	}
	target := *out.TaskDefinition
	if target.Status != ecstypes.TaskDefinitionStatusActive {
		p.fail("check.revision", T("reason.revision_inactive", "Revision", to, "Status", strings.ToLower(string(target.Status))))
		return &built{plan: p}, nil
	}
	p.pass("check.revision", T("reason.revision_ok", "Revision", to))
	toArn := awssdk.ToString(target.TaskDefinitionArn)
	p.NewTaskDefinition = toArn
	p.diff(T("diff.rollback", "Service", req.Target.Name(), "Before", revName(curArn), "After", to))
	for _, d := range tdDiff(cur, target) {
		p.diff(d)
	}
	checkRunsOn(p, snap, serviceView(snap, req.Target.Cluster), tdSize(target), min(int(snap.Service.DesiredCount), surge(snap.Service)), true)
	return &built{plan: p, writes: []any{&ecs.UpdateServiceInput{
		Cluster: awssdk.String(req.Target.Cluster), Service: awssdk.String(req.Target.Service), TaskDefinition: awssdk.String(toArn),
	}}}, nil
}

// checkSteadyForRollback lets a rollback stop a deployment that failed or
// hangs: that is what it is for. It only notes one under way.
func checkSteadyForRollback(p *Plan, svc ecstypes.Service) {
	if busy, rev := deploying(svc); busy {
		p.note(T("note.rollback_during_deploy", "Revision", rev))
	}
}

// previousRevision is the newest ACTIVE revision of family below current,
// 0 when there is none.
func (e *Engine) previousRevision(ctx context.Context, family string, current int) (int, error) {
	clients, err := e.clients(ctx)
	if err != nil {
		return 0, err
	}
	p := ecs.NewListTaskDefinitionsPaginator(clients.ECS, &ecs.ListTaskDefinitionsInput{
		FamilyPrefix: awssdk.String(family), Status: ecstypes.TaskDefinitionStatusActive, Sort: ecstypes.SortOrderDesc,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, aws.Explain(err)
		}
		for _, arn := range page.TaskDefinitionArns {
			if n := revNumber(arn); n < current && strings.HasSuffix(revName(arn), fmt.Sprintf("%s:%d", family, n)) {
				return n, nil
			}
		}
	}
	return 0, nil
}

// tdDiff lists the differences a rollback brings: sizes and images.
func tdDiff(a, b ecstypes.TaskDefinition) []Text {
	var out []Text
	if x, y := tdSize(a), tdSize(b); x.CPU != y.CPU {
		out = append(out, T("diff.task_field", "Field", "cpu", "Before", x.CPU, "After", y.CPU))
	}
	if x, y := tdSize(a), tdSize(b); x.Mem != y.Mem {
		out = append(out, T("diff.task_field", "Field", "memory", "Before", x.Mem, "After", y.Mem))
	}
	for _, ca := range a.ContainerDefinitions {
		for _, cb := range b.ContainerDefinitions {
			if awssdk.ToString(ca.Name) == awssdk.ToString(cb.Name) && awssdk.ToString(ca.Image) != awssdk.ToString(cb.Image) {
				out = append(out, T("diff.container_field", "Container", awssdk.ToString(ca.Name), "Field", "image",
					"Before", awssdk.ToString(ca.Image), "After", awssdk.ToString(cb.Image)))
			}
		}
	}
	if len(out) == 0 {
		out = append(out, T("diff.same_settings"))
	}
	return out
}
