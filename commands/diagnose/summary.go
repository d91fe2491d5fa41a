package diagnose

import (
	"fmt"
	"strings"
)

// Clauses that read as part of the cause ("… while running at 99 % of its
// CPU reservation"), in the order they are written; the others follow after
// a semicolon.
var attached = []string{
	FactorNoGracePeriod, FactorCPUStarved, FactorMemoryPressure, FactorLogFlood,
	FactorClusterCPUFull, FactorClusterMemoryFull, FactorScalingDisabled,
	FactorTightHealthCheck, FactorCircuitBreaker,
}

var detached = []string{FactorSigtermIgnored, FactorCrashLoop}

// writeSummary writes the one English sentence. Every part of it restates
// an Evidence item: the cause comes from the stop's own evidence, each
// clause from its factor's, and "it was not out of memory" from the exit
// code the task carried.
func (d *diag) writeSummary() {
	var b strings.Builder
	b.WriteString(d.causePhrase())
	byFactor := make(map[string]string, len(d.clauses))
	for _, c := range d.clauses {
		byFactor[c.factor] = c.text
	}
	var parts []string
	while := false
	for _, f := range attached {
		t, ok := byFactor[f]
		if !ok {
			continue
		}
		if strings.HasPrefix(t, "while ") {
			if while {
				t = strings.TrimPrefix(t, "while ") // one "while" reads better than two
			}
			while = true
		}
		parts = append(parts, t)
	}
	if len(parts) > 0 {
		if d.out.Verdict.Cause == CauseUnknown && d.verdict != nil {
			b.WriteString("; it stopped")
		}
		b.WriteString(" ")
		b.WriteString(strings.Join(parts, ", "))
	}
	var after []string
	if d.notOOM() {
		after = append(after, "it was not out of memory")
	}
	for _, f := range detached {
		if t, ok := byFactor[f]; ok {
			after = append(after, t)
		}
	}
	if d.taskRunning {
		after = append(after, "the task asked about is still running")
	}
	for _, a := range after {
		b.WriteString("; ")
		b.WriteString(a)
	}
	b.WriteString(".")
	d.out.Verdict.Summary = b.String()
}

// notOOM says whether the verdict's task carried a 137 that people take for
// an OOM kill although ECS gave no OOM reason; it cites the fact if no other
// evidence item already does.
func (d *diag) notOOM() bool {
	v := d.verdict
	if v == nil || v.task == nil || v.oomReason || v.exitCode == nil || *v.exitCode != 137 {
		return false
	}
	for _, e := range d.out.Evidence {
		if strings.Contains(e.Fact, "no OutOfMemoryError reason") {
			return true
		}
	}
	d.cite(Evidence{Source: SourceTasks, At: v.StoppedAt,
		Fact: fmt.Sprintf("container %s exited 137 with no OutOfMemoryError reason", v.container)})
	return true
}

// causePhrase opens the summary with the verdict's cause.
func (d *diag) causePhrase() string {
	v := d.verdict
	f := &d.out.Figures
	cause := d.out.Verdict.Cause
	var p string
	switch cause {
	case CauseOOMKilled:
		p = fmt.Sprintf("The container %s was killed for going over its memory limit%s", containerName(v), unitsParen(f.MemoryReservedMiB, " MiB"))
	case CauseELBHealthCheck:
		p = "The task was stopped after failing load-balancer health checks"
	case CauseContainerHealthCheck:
		p = "The task was stopped after failing its container health check"
	case CauseAppCrash:
		if v != nil && v.exitCode != nil {
			p = fmt.Sprintf("The container %s exited by itself with code %d%s", containerName(v), *v.exitCode, exitMeaning(*v.exitCode))
		} else if v != nil && v.task != nil {
			p = fmt.Sprintf("The essential container %s exited by itself; ECS recorded no exit code, so a crash is likely but not certain", containerName(v))
		} else {
			p = "The container exited by itself with an error"
		}
	case CauseAppExited:
		p = fmt.Sprintf("The container %s exited by itself with code 0, and an essential container exiting stops the task", containerName(v))
	case CauseDeployment:
		p = "The task was replaced by a new deployment of the service"
	case CauseScaleIn:
		p = "The task was stopped because the service's desired count went down"
	case CauseUserStopped:
		p = "Someone stopped the task by hand (StopTask)"
	case CauseHostTerminated:
		p = "The task stopped because its EC2 host went away"
		if d.out.Verdict.Confidence == ConfidenceLow {
			p = "Nothing in the task says why it stopped, but the EC2 host it ran on is gone"
		}
	case CauseSpotInterruption:
		p = "AWS reclaimed the Spot capacity the task ran on"
	case CauseAWSMaintenance:
		p = "AWS retired the infrastructure under the task for maintenance"
	case CauseImagePullFailed:
		p = "The task could not start because its image could not be pulled"
	case CauseResourceInitFailed:
		p = "The task could not start because its secrets, logging, network or volumes could not be set up"
	case CauseContainerStartFailed:
		p = "The task's container could not be created or started"
	case CausePlacementFailed:
		p = fmt.Sprintf("No task stopped, but ECS cannot place the tasks the service wants (%d of %d running)%s", f.RunningCount, f.DesiredCount, placementClause[f.Placement])
	case CauseNoRecentStops:
		p = fmt.Sprintf("No task of the service stopped in the window, and it runs its %d desired tasks", f.DesiredCount)
	default:
		switch {
		case v == nil && d.opt.TaskID != "":
			p = fmt.Sprintf("Nothing says why task %s stopped", short(taskID(d.opt.TaskID)))
		case v == nil:
			p = fmt.Sprintf("No task stopped in the window, yet the service runs %d of %d desired tasks", f.RunningCount, f.DesiredCount)
		default:
			p = "Why the task stopped cannot be told from the data available"
		}
	}
	if v != nil && cause != CauseUnknown {
		switch v.Source {
		case "events":
			p = "From the service events, " + lowerFirst(p)
		case "history":
			p = "From ecsmedic's history, " + lowerFirst(p)
		}
	}
	return p
}

func containerName(v *stopCase) string {
	if v == nil || v.container == "" {
		return "of the task"
	}
	return v.container
}

func unitsParen(n int, unit string) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%d%s)", n, unit)
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "AWS") || strings.HasPrefix(s, "ECS") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// placementClause says why a task could not be placed, after the counts.
var placementClause = map[string]string{
	PlacementCPU:         ": no container instance has enough CPU units left",
	PlacementMemory:      ": no container instance has enough memory left",
	PlacementNoInstances: ": the cluster has no container instance to run it on",
	PlacementPorts:       ": every container instance already uses a host port the task needs (a fixed host port allows one such task per instance)",
	PlacementAttribute:   ": no container instance has an attribute or meets a placement constraint the task needs, which more capacity does not fix",
	PlacementQuota:       ": an AWS account or cluster limit was reached, which more capacity does not fix",
}
