package commands

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// summaryCommand is `summary`: the daily summary, now. The router's
// table lists it.
func summaryCommand() command {
	return command{Name: "summary", Run: runSummary}
}

func runSummary(ctx context.Context, r *Router, c *call) []reply.Message {
	if len(c.line.Args) > 0 {
		return []reply.Message{r.errorReply(c.p, "summary", badArg("usage.unexpected", "Arg", c.line.Args[0], "Command", "summary"))}
	}
	return []reply.Message{r.summary(ctx, c.p)}
}

func (r *Router) summary(ctx context.Context, p text.Printer) reply.Message {
	v, err := r.gatherSummary(ctx)
	if err != nil {
		return r.errorReply(p, "summary", err)
	}
	return renderSummary(p, v)
}

// Thresholds of "needs attention".
const (
	hotPct          = 90.0 // CPU, memory or cluster reservation at or over this
	maxAttentionLns = 15   // lines in the description before "… and N more"
)

// plannedCauses are stops someone meant; they are listed, never a reason
// for attention.
var plannedCauses = map[string]bool{diagnose.CauseDeployment: true, diagnose.CauseScaleIn: true, diagnose.CauseUserStopped: true}

// reasons says, in words, why a service needs attention; nil when it does
// not. The order is the order of urgency.
func serviceReasons(p text.Printer, s serviceView) []string {
	if !s.Found {
		return []string{p.T("summary.reason.not_found")}
	}
	var out []string
	if s.Running < s.Desired {
		out = append(out, p.T("summary.reason.down", "Running", s.Running, "Desired", s.Desired))
	}
	unexpected, n := map[string]int{}, 0
	for c, k := range s.Stops {
		if !plannedCauses[c] {
			unexpected[c] = k
			n += k
		}
	}
	if n > 0 {
		out = append(out, p.T(one(n, "summary.reason.stops"), "N", n, "Cause", strings.Join(causesByCount(unexpected), ", ")))
	}
	if s.FailedDeployment {
		out = append(out, p.T("summary.reason.deploy_failed"))
	}
	if s.CPU.OK && s.CPU.Peak >= hotPct {
		out = append(out, p.T("summary.reason.cpu", "Pct", explain.Pct(p, s.CPU.Peak)))
	}
	if s.Mem.OK && s.Mem.Peak >= hotPct {
		out = append(out, p.T("summary.reason.mem", "Pct", explain.Pct(p, s.Mem.Peak)))
	}
	if s.Unhealthy > 0 {
		out = append(out, p.T(one(s.Unhealthy, "summary.reason.unhealthy"), "N", s.Unhealthy))
	}
	return out
}

func clusterReasons(p text.Printer, c clusterView) []string {
	if c.Err != nil {
		return []string{p.T("summary.reason.cluster_error", "Reason", clip(c.Err.Error(), 300))}
	}
	var out []string
	if c.CPURes.OK && c.CPURes.Peak >= hotPct {
		out = append(out, p.T("summary.reason.cluster_cpu", "Pct", explain.Pct(p, c.CPURes.Peak)))
	}
	if c.MemRes.OK && c.MemRes.Peak >= hotPct {
		out = append(out, p.T("summary.reason.cluster_mem", "Pct", explain.Pct(p, c.MemRes.Peak)))
	}
	if len(out) > 0 && c.Growth.EC2 && !c.Growth.CanGrow() {
		out = append(out, p.T("summary.reason.cannot_grow"))
	}
	return out
}

// one picks ID.one for a count of 1, else ID: English says "1 stop".
func one(n int, id string) string {
	if n == 1 {
		return id + ".one"
	}
	return id
}

func logSummary(v summaryView) {
	n := 0
	for _, c := range v.Clusters {
		n += len(c.Services)
	}
	slog.Info("summary", "clusters", len(v.Clusters), "services", n, "stops", v.StopsFrom)
}

// serviceLine is "backend: 3 stops (elb-health-check), CPU peaked 99 %".
func serviceLine(name string, reasons []string) string {
	return fmt.Sprintf("**%s**: %s", name, strings.Join(reasons, ", "))
}
