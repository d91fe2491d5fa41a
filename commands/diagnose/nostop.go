package diagnose

import (
	"fmt"
	"strings"
)

// windowWithoutStops is rule 8: nothing stopped in the window. Placement
// failures while short of the desired count → placement-failed; at the
// desired count → no-recent-stops; otherwise unknown.
func (d *diag) windowWithoutStops() {
	v := &d.out.Verdict
	svc := &d.snap.Service
	desired, running := int(svc.DesiredCount), int(svc.RunningCount)
	counts := Evidence{Source: SourceServices, At: d.to,
		Fact: fmt.Sprintf("the service runs %d of %d desired tasks", running, desired)}
	var place *serviceEvent
	win := eventsBetween(d.events, d.from, d.to)
	for i := len(win) - 1; i >= 0; i-- {
		if win[i].Kind == evPlacement {
			place = &win[i]
			break
		}
	}
	if len(win) == 0 {
		d.miss(MissingNoEvents)
	}
	switch {
	case place != nil && running < desired:
		v.Cause, v.Confidence = CausePlacementFailed, ConfidenceHigh
		d.out.Figures.Placement = placementKind(place.Message)
		d.cite(Evidence{Source: SourceEvents, At: place.At, Fact: "the service event says: " + place.Message})
		d.cite(counts)
	case running == desired:
		v.Cause, v.Confidence = CauseNoRecentStops, ConfidenceHigh
		d.cite(Evidence{Source: SourceTasks, At: d.to, Fact: "no task of the service stopped in the window"})
		d.cite(counts)
	default:
		v.Cause, v.Confidence = CauseUnknown, ConfidenceLow
		d.cite(Evidence{Source: SourceTasks, At: d.to, Fact: "no task of the service stopped in the window, and no event says a task could not be placed"})
		d.cite(counts)
		d.miss(MissingCountUnexplained)
	}
}

// noSuchTask answers for an opt.TaskID that no source knows as stopped.
func (d *diag) noSuchTask() {
	v := &d.out.Verdict
	v.Cause, v.Confidence = CauseUnknown, ConfidenceLow
	want := taskID(d.opt.TaskID)
	for _, r := range d.snap.Running {
		if taskID(deref(r.TaskArn)) == want {
			d.cite(Evidence{Source: SourceTasks, At: d.to, Fact: fmt.Sprintf("task %s is still running", want)})
			d.taskRunning = true
			return
		}
	}
	d.cite(Evidence{Source: SourceTasks, At: d.to, Fact: fmt.Sprintf("task %s is not among the stopped tasks", want)})
	d.miss(MissingTaskNotFound)
}

// Why ECS could not place a task, read from the service event's wording.
const (
	PlacementCPU         = "cpu"          // no instance has enough CPU units left
	PlacementMemory      = "memory"       // no instance has enough memory left
	PlacementNoInstances = "no-instances" // the cluster has no container instance
	PlacementPorts       = "ports"        // a host port the task needs is taken
	PlacementAttribute   = "attribute"    // no instance has an attribute or meets a constraint the task needs
	PlacementQuota       = "quota"        // an account or cluster limit was reached
	PlacementOther       = "other"        // the event names no reason ecsmedic knows
)

// placementKind reads a "was unable to place a task" event.
func placementKind(msg string) string {
	m := strings.ToLower(msg)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(m, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("insufficient cpu"):
		return PlacementCPU
	case has("insufficient memory"):
		return PlacementMemory
	case has("no container instances", "no active container instances"):
		return PlacementNoInstances
	case has("already using a port", "port required by your task"):
		return PlacementPorts
	case has("missing an attribute", "placement constraint", "memberof", "distinctinstance"):
		return PlacementAttribute
	case has("reached the limit", "limit on the number", "quota", "limitexceeded"):
		return PlacementQuota
	}
	return PlacementOther
}

// capacityWouldHelp says whether more container instances would have let
// ECS place the task: not for a taken port, a missing attribute or a quota.
func capacityWouldHelp(kind string) bool {
	return kind == PlacementCPU || kind == PlacementMemory || kind == PlacementNoInstances
}
