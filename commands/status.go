package commands

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/svcref"
)

func statusCommand() command {
	return command{Name: "status", Run: runStatus}
}

func runStatus(ctx context.Context, r *Router, c *call) []reply.Message {
	if len(c.line.Args) > 1 {
		return []reply.Message{r.errorReply(c.p, "status", badArg("usage.unexpected", "Arg", c.line.Args[1], "Command", "status"))}
	}
	name := ""
	if len(c.line.Args) == 1 {
		name = c.line.Args[0]
	}
	ms, err := r.status(ctx, c.p, name)
	if err != nil {
		return []reply.Message{r.errorReply(c.p, "status", err)}
	}
	return ms
}

// statusLogLines: status shows no logs, so it reads as few as it may.
const statusLogLines = 1

func (r *Router) status(ctx context.Context, p text.Printer, name string) ([]reply.Message, error) {
	if r.env.AWS == nil {
		return nil, errNoAWS
	}
	refs := r.env.Services
	if name != "" {
		ref, err := r.env.Resolve(name)
		if err != nil {
			return nil, err
		}
		refs = []ServiceRef{ref}
	}
	if len(refs) == 0 {
		return nil, &UnknownServiceError{Name: name}
	}
	// All services at once: a slow one must not hold up the others.
	out := make([]reply.Message, len(refs))
	var wg sync.WaitGroup
	for i, ref := range refs {
		wg.Go(func() {
			snap, err := r.env.AWS.GatherService(svcref.WithTarget(ctx, ref.Target), ref.Cluster, ref.Service, aws.GatherOptions{LogLines: statusLogLines})
			if err != nil {
				m := r.errorReply(p, "status", err)
				m.Title = ref.Name() + ": " + m.Title
				out[i] = m
				return
			}
			out[i] = renderStatus(p, ref, snap, r.env.prefix(), r.env.loc())
		})
	}
	wg.Wait()
	return out, nil
}

func renderStatus(p text.Printer, ref ServiceRef, snap *aws.ServiceSnapshot, prefix string, loc *time.Location) reply.Message {
	name := ref.Name()
	svc := snap.Service
	running, desired, pending := svc.RunningCount, svc.DesiredCount, svc.PendingCount
	m := reply.Message{
		Title:    p.T("status.title", "Service", name, "Running", running, "Desired", desired),
		Footer:   p.T("why.footer", "Cluster", ref.Cluster, "Service", ref.Service),
		DataTime: snap.Now.In(loc),
		Severity: reply.OK,
	}
	worse := func(s reply.Severity) {
		if s > m.Severity {
			m.Severity = s
		}
	}
	switch {
	case desired > 0 && running == 0:
		worse(reply.Critical)
	case running < desired:
		worse(reply.Warning)
	}
	tasks := p.T("status.tasks", "Running", running, "Desired", desired)
	if pending > 0 {
		tasks += " " + p.T("status.pending", "N", pending)
	}
	m.Fields = append(m.Fields, reply.Field{Name: p.T("status.field.tasks"), Value: tasks, Inline: true})

	var deps []string
	for _, d := range svc.Deployments {
		line := p.T("status.deployment", "Status", deref(d.Status), "Rev", revision(deref(d.TaskDefinition)),
			"Running", d.RunningCount, "Desired", d.DesiredCount)
		if d.RolloutState != "" {
			line += " · " + string(d.RolloutState)
			if d.RolloutState == "FAILED" {
				worse(reply.Critical)
			}
		}
		deps = append(deps, line)
	}
	if len(svc.Deployments) > 1 {
		worse(reply.Warning)
	}
	if len(deps) > 0 {
		m.Fields = append(m.Fields, reply.Field{Name: p.T("status.field.deployments"), Value: strings.Join(deps, "\n"), Inline: true})
	}

	cpuUnits, memMiB := atoi(deref(snap.TaskDefinition.Cpu)), atoi(deref(snap.TaskDefinition.Memory))
	if v, ok := last(snap, aws.MetricServiceCPUAvg); ok {
		val := p.T("status.cpu", "Pct", explain.Pct(p, v), "Units", cpuUnits, "HasUnits", cpuUnits > 0)
		if mx, ok := last(snap, aws.MetricServiceCPUMax); ok && mx > v+1 {
			val += "\n" + p.T("status.busiest", "Pct", explain.Pct(p, mx))
		}
		if v >= 90 {
			worse(reply.Warning)
		}
		m.Fields = append(m.Fields, reply.Field{Name: p.T("status.field.cpu"), Value: val, Inline: true})
	}
	if v, ok := last(snap, aws.MetricServiceMemAvg); ok {
		val := p.T("status.mem", "Pct", explain.Pct(p, v), "MiB", memMiB, "HasMiB", memMiB > 0)
		if v >= 90 {
			worse(reply.Warning)
		}
		m.Fields = append(m.Fields, reply.Field{Name: p.T("status.field.mem"), Value: val, Inline: true})
	}

	if len(snap.TargetGroups) > 0 {
		var lines []string
		for _, tg := range snap.TargetGroups {
			counts := map[string]int{}
			for _, h := range tg.Health {
				if h.TargetHealth != nil {
					counts[string(h.TargetHealth.State)]++
				}
			}
			if counts["unhealthy"] > 0 {
				worse(reply.Warning)
			}
			var parts []string
			for _, st := range sortedKeys(counts) {
				parts = append(parts, p.T("status.target_state", "State", targetState(p, st), "N", counts[st]))
			}
			if len(parts) == 0 {
				parts = append(parts, p.T("status.no_targets"))
			}
			lines = append(lines, fmt.Sprintf("`%s` %s", deref(tg.Group.TargetGroupName), strings.Join(parts, ", ")))
		}
		m.Fields = append(m.Fields, reply.Field{Name: p.T("status.field.targets"), Value: strings.Join(lines, "\n")})
	}

	cpuRes, okC := last(snap, aws.MetricClusterCPURes)
	memRes, okM := last(snap, aws.MetricClusterMemRes)
	if okC || okM {
		var parts []string
		if okC {
			parts = append(parts, "CPU "+explain.Pct(p, cpuRes))
		}
		if okM {
			parts = append(parts, p.T("chart.mem")+" "+explain.Pct(p, memRes))
		}
		if cpuRes >= 90 || memRes >= 90 {
			worse(reply.Warning)
		}
		m.Fields = append(m.Fields, reply.Field{Name: p.T("status.field.cluster", "Cluster", ref.Cluster), Value: strings.Join(parts, " · "), Inline: true})
	}

	if len(snap.Stopped) > 0 && snap.Stopped[0].StoppedAt != nil {
		t := snap.Stopped[0]
		m.Fields = append(m.Fields, reply.Field{Name: p.T("status.field.last_stop"),
			Value: p.T("status.last_stop", "At", explain.Clock(t.StoppedAt.In(loc)), "Task", explain.ShortID(deref(t.TaskArn)),
				"Reason", clip(explain.ShortARNs(explain.CodeSafeInline(deref(t.StoppedReason))), 160), "Prefix", prefix, "Service", name)})
	}
	if len(svc.Events) > 0 && svc.Events[0].Message != nil {
		e := svc.Events[0]
		at := ""
		if e.CreatedAt != nil {
			at = "`" + explain.Clock(e.CreatedAt.In(loc)) + "` "
		}
		m.Fields = append(m.Fields, reply.Field{Name: p.T("status.field.event"), Value: at + clip(explain.ShortARNs(deref(e.Message)), 300)})
	}
	return m
}

// last is the newest point of a metric.
func last(snap *aws.ServiceSnapshot, key string) (float64, bool) {
	s, ok := snap.Metrics[key]
	if !ok || len(s.Points) == 0 {
		return 0, false
	}
	return s.Points[len(s.Points)-1].V, true
}

func targetState(p text.Printer, st string) string {
	if p.Has("target." + st) {
		return p.T("target." + st)
	}
	return st
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// revision is "backend:12" from a task definition ARN.
func revision(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
