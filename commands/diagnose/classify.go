package diagnose

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// The cause rules, one cause per stop, checked in this order (the first that
// matches wins):
//
//  1. Any container reason starting "OutOfMemoryError" → oom-killed, whatever
//     the exit code (Docker marks a container OOM-killed when any process in
//     it was, so 0 and 1 happen too).
//  2. A stoppedReason or container reason starting with a start-up error:
//     CannotPull{Container,ECRContainer,ContainerAuth,ImageManifest}Error →
//     image-pull-failed; ResourceInitializationError → resource-init-failed;
//     CannotStartContainerError, CannotCreateContainerError,
//     ContainerRuntimeTimeoutError, DockerTimeoutError,
//     CannotCreateVolumeError, CannotInspectContainerError →
//     container-start-failed.
//  3. "Task failed ELB health checks in (target-group …)" or "(elb …)" →
//     elb-health-check; "Task failed container health checks" →
//     container-health-check.
//  4. stopCode SpotInterruption, or TerminationNotice with the Spot message →
//     spot-interruption; "ECS is performing maintenance …" → aws-maintenance;
//     "Host EC2 (instance …) terminated/stopped", "Container instance
//     deregistration forced by user" or any other TerminationNotice →
//     host-terminated.
//  5. stopCode UserInitiated → user-stopped.
//  6. "Scaling activity initiated by (deployment …)" → deployment when a newer
//     deployment was rolling out at the stop (the task ran another task
//     definition than the PRIMARY deployment, or the deployments and events
//     show one in progress), else scale-in.
//  7. "Essential container in task exited" / EssentialContainerExited: the
//     essential container's exit code 0 → app-exited (high: a clean exit is
//     unambiguous), any other → app-crash (medium: read from the code; 137
//     without an OOM reason included: that is a kill, not memory). An exit
//     code alone never decides anything else.
//  8. Anything else falls back to what the service events say around the stop
//     (rule 9's inference), or unknown.
//
// Stops AWS has forgotten (rule 9) are rebuilt from "has stopped N running
// tasks: (task ID)" events: elb-health-check when an "is unhealthy in
// (target-group …)" event came within 5 minutes before, container-health-check
// for "failed container health checks", deployment when one was rolling out,
// else unknown. Their confidence is low, medium when the events are specific.

var (
	pullErrors  = []string{"CannotPullContainerError", "CannotPullECRContainerError", "CannotPullContainerAuthError", "CannotPullImageManifestError"}
	initErrors  = []string{"ResourceInitializationError"}
	startErrors = []string{"CannotStartContainerError", "CannotCreateContainerError", "ContainerRuntimeTimeoutError",
		"DockerTimeoutError", "CannotCreateVolumeError", "CannotInspectContainerError"}

	reELBFailed   = regexp.MustCompile(`failed ELB health checks in \((?:target-group|elb) ([^)]*)\)`)
	reHostGone    = regexp.MustCompile(`^Host EC2 \(instance ([^)]*)\) (terminated|stopped)`)
	reScalingAct  = regexp.MustCompile(`^Scaling activity initiated by \(deployment ([^)]*)\)`)
	reRevision    = regexp.MustCompile(`:(\d+)$`)
	healthWindow  = 5 * time.Minute  // rule 9: an unhealthy event this close before a stop explains it
	deployHorizon = 30 * time.Minute // how far a "deployment completed" or a new deployment may sit from a stop
)

const (
	msgContainerHC   = "Task failed container health checks"
	msgMaintenance   = "ECS is performing maintenance"
	msgDeregistered  = "Container instance deregistration forced by user"
	msgEssential     = "Essential container in task exited"
	msgSpot          = "Your Spot Task was interrupted"
	msgUserStopped   = "Task stopped by user"
	stopCodeSpot     = "SpotInterruption"
	stopCodeNotice   = "TerminationNotice"
	stopCodeUser     = "UserInitiated"
	stopCodeExited   = "EssentialContainerExited"
	rolloutFailed    = "FAILED"
	rolloutRunning   = "IN_PROGRESS"
	rolloutCompleted = "COMPLETED"
)

// classifyTask applies rules 1–8 to a task DescribeTasks returned.
func (d *diag) classifyTask(s *stopCase) {
	t := s.task
	reason := s.StoppedReason
	at := s.StoppedAt
	set := func(cause, conf, fact string) {
		s.Cause, s.confidence = cause, conf
		s.why = append(s.why, Evidence{Source: SourceTasks, At: at, Fact: fact})
	}

	// 1. OOM, whatever the exit code.
	for _, c := range t.Containers {
		if strings.HasPrefix(deref(c.Reason), "OutOfMemoryError") {
			s.container, s.exitCode, s.oomReason = deref(c.Name), c.ExitCode, true
			set(CauseOOMKilled, ConfidenceHigh, fmt.Sprintf("container %s has the reason %q (exit code %s)",
				deref(c.Name), deref(c.Reason), exitText(c.ExitCode)))
			return
		}
	}
	// Pasted or older output may carry the OOM only in the task's reason.
	if strings.Contains(reason, "OutOfMemoryError") {
		s.oomReason = true
		set(CauseOOMKilled, ConfidenceMedium, "ECS says: "+clip(reason, 200)+" (no container records the OutOfMemoryError itself)")
		return
	}
	s.pickContainer(d.essential(t))

	// 2. Start-up errors, in the task's reason or a container's.
	texts := make([]string, 0, 1+len(t.Containers))
	texts = append(texts, reason)
	for _, c := range t.Containers {
		texts = append(texts, deref(c.Reason))
	}
	for _, grp := range []struct {
		names []string
		cause string
	}{{pullErrors, CauseImagePullFailed}, {initErrors, CauseResourceInitFailed}, {startErrors, CauseContainerStartFailed}} {
		for _, txt := range texts {
			if hasAnyPrefix(txt, grp.names) {
				set(grp.cause, ConfidenceHigh, fmt.Sprintf("ECS says: %s", clip(txt, 200)))
				return
			}
		}
	}

	// 3. Health checks.
	if strings.Contains(reason, "failed ELB health checks in (") && reELBFailed.MatchString(reason) {
		set(CauseELBHealthCheck, ConfidenceHigh, "ECS says: "+clip(reason, 200))
		d.agreeingHealthEvent(s, evUnhealthy)
		return
	}
	if strings.HasPrefix(reason, msgContainerHC) {
		set(CauseContainerHealthCheck, ConfidenceHigh, "ECS stopped the task because it failed its container health checks")
		d.agreeingHealthEvent(s, evContainerUnhealthy)
		return
	}

	// 4. The capacity went away.
	code := string(t.StopCode)
	switch {
	case code == stopCodeSpot || (code == stopCodeNotice && strings.Contains(reason, msgSpot)):
		set(CauseSpotInterruption, ConfidenceHigh, fmt.Sprintf("stop code %s, reason %q", code, reason))
		return
	case strings.Contains(reason, msgSpot) || strings.Contains(reason, "Spot interruption"):
		set(CauseSpotInterruption, ConfidenceMedium, fmt.Sprintf("ECS says: %s (no stop code confirms it)", clip(reason, 200)))
		s.lack(MissingNoStopCode)
		return
	case strings.HasPrefix(reason, msgMaintenance):
		set(CauseAWSMaintenance, ConfidenceHigh, fmt.Sprintf("ECS says: %s", clip(reason, 200)))
		return
	case (strings.HasPrefix(reason, "Host EC2 (") && reHostGone.MatchString(reason)) || strings.HasPrefix(reason, msgDeregistered):
		set(CauseHostTerminated, ConfidenceHigh, fmt.Sprintf("ECS says: %s", clip(reason, 200)))
		return
	case code == stopCodeNotice:
		set(CauseHostTerminated, ConfidenceMedium, fmt.Sprintf("stop code TerminationNotice: the capacity under the task was going away (reason %q)", reason))
		return
	}

	// 5. Someone called StopTask.
	if code == stopCodeUser {
		if reason == "" {
			reason = msgUserStopped
		}
		set(CauseUserStopped, ConfidenceHigh, fmt.Sprintf("stop code UserInitiated, reason %q", reason))
		return
	}
	if code == "" && strings.HasPrefix(reason, msgUserStopped) {
		// StopTask's default reason; a caller's own reason says nothing
		// without the stop code.
		set(CauseUserStopped, ConfidenceMedium, fmt.Sprintf("ECS says: %s (no stop code confirms it)", clip(reason, 200)))
		s.lack(MissingNoStopCode)
		return
	}

	// 6. The scheduler scaled the old tasks away.
	if strings.HasPrefix(reason, "Scaling activity initiated by") && reScalingAct.MatchString(reason) {
		cause, ev := d.deploymentOrScaleIn(s)
		set(cause, ConfidenceMedium, fmt.Sprintf("ECS says: %s", reason))
		s.why = append(s.why, ev...)
		return
	}

	// 7. The essential container exited by itself.
	if code == stopCodeExited || strings.HasPrefix(reason, msgEssential) {
		switch {
		case s.exitCode == nil:
			// Exiting by itself is the cause either way; a service's
			// container that finishes cleanly is the rarer case.
			set(CauseAppCrash, ConfidenceLow, "an essential container exited by itself, but ECS recorded no exit code for it, so a crash cannot be told from a clean exit")
			s.lack(MissingNoExitCode)
		case *s.exitCode == 0:
			// A clean exit is unambiguous, unlike a non-zero code that a
			// kill from elsewhere could also leave.
			set(CauseAppExited, ConfidenceHigh, fmt.Sprintf("essential container %s exited by itself with code 0", s.container))
		default:
			set(CauseAppCrash, ConfidenceMedium, fmt.Sprintf("essential container %s exited by itself with code %d%s%s",
				s.container, *s.exitCode, exitMeaning(*s.exitCode), noOOMClause(*s.exitCode)))
		}
		return
	}

	// 8. Nothing in the task says why: ask the events.
	if reason != "" {
		s.why = append(s.why, Evidence{Source: SourceTasks, At: at, Fact: fmt.Sprintf("ECS gives the reason %q, which names no known cause", clip(reason, 200))})
	} else {
		s.why = append(s.why, Evidence{Source: SourceTasks, At: at, Fact: "ECS recorded no stoppedReason for the task"})
	}
	d.inferFromEvents(s, ConfidenceLow)
	if s.Cause != CauseUnknown && s.confidence == ConfidenceLow {
		s.confidence = ConfidenceMedium // a task we can see, explained by the events
	}
	if s.Cause == CauseUnknown && d.hostGone(t) {
		// The host that went away is the one thing the record shows.
		s.Cause, s.confidence = CauseHostTerminated, ConfidenceLow
	}
}

// noteHostGone cites a task's host that is no longer registered: the
// evidence of host-terminated when nothing else decided, a note otherwise.
func (d *diag) noteHostGone(s *stopCase) {
	if s.task == nil || !d.hostGone(s.task) {
		return
	}
	switch s.Cause {
	case CauseSpotInterruption, CauseAWSMaintenance:
		return // the reason already says the capacity went away
	case CauseHostTerminated:
		if s.confidence != ConfidenceLow {
			return
		}
	}
	s.why = append(s.why, Evidence{Source: SourceInstances, At: s.StoppedAt,
		Fact: fmt.Sprintf("the container instance %s the task ran on is no longer registered in the cluster: its host is gone", shortInstance(deref(s.task.ContainerInstanceArn)))})
	s.lack(MissingHostGone)
}

// hostGone says whether the task ran on a container instance the cluster
// no longer lists (deregistered, as AWS forgets them) or lists as leaving.
// Without the instance list (not gathered) nothing is concluded.
func (d *diag) hostGone(t *ecstypes.Task) bool {
	arn := deref(t.ContainerInstanceArn)
	if arn == "" || !d.instancesRead() {
		return false
	}
	for _, ci := range d.snap.ContainerInstances {
		if deref(ci.ContainerInstanceArn) == arn {
			st := deref(ci.Status)
			return st == "INACTIVE" || st == "DEREGISTERING"
		}
	}
	return true
}

// instancesRead says whether the cluster's container instances were read:
// an empty list is then an answer, not a gap.
func (d *diag) instancesRead() bool {
	for _, m := range d.snap.Missing {
		if strings.HasPrefix(m.Source, "container instances") {
			return false
		}
	}
	return true
}

// shortInstance is a container instance's ID from its ARN.
func shortInstance(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// pickContainer remembers the container whose exit explains the stop: an
// essential one with a non-zero code first, then any essential one with a
// code, then the first essential one.
func (s *stopCase) pickContainer(essential func(name string) bool) {
	var first *ecstypes.Container
	var zero *ecstypes.Container
	for i := range s.task.Containers {
		c := &s.task.Containers[i]
		if !essential(deref(c.Name)) {
			continue
		}
		if first == nil {
			first = c
		}
		if c.ExitCode != nil && *c.ExitCode != 0 {
			s.container, s.exitCode = deref(c.Name), c.ExitCode
			return
		}
		if c.ExitCode != nil && zero == nil {
			zero = c
		}
	}
	if zero != nil {
		first = zero
	}
	if first != nil {
		s.container, s.exitCode = deref(first.Name), first.ExitCode
	}
}

// essential tells which containers of the task are essential. Without the
// task definition every container counts (ECS's default is essential).
func (d *diag) essential(t *ecstypes.Task) func(string) bool {
	td := d.taskDef(deref(t.TaskDefinitionArn))
	return func(name string) bool {
		if td == nil {
			return true
		}
		for _, cd := range td.ContainerDefinitions {
			if deref(cd.Name) == name {
				return cd.Essential == nil || *cd.Essential
			}
		}
		return true
	}
}

// agreeingHealthEvent adds the service event that agrees with a health-check
// stop, when there is one.
func (d *diag) agreeingHealthEvent(s *stopCase, k eventKind) {
	if e := lastEventBefore(d.events, k, s.StoppedAt, 15*time.Minute, s.id); e != nil {
		s.why = append(s.why, Evidence{Source: SourceEvents, At: e.At, Fact: "the service event says: " + e.Message})
	}
}

// inferFromEvents is rule 9: a cause from the service events around a stop
// whose task says nothing (or that AWS forgot). base is the confidence of a
// vague inference; specific health events raise it to medium.
func (d *diag) inferFromEvents(s *stopCase, base string) {
	t := s.at()
	if e := lastEventBefore(d.events, evUnhealthy, t, healthWindow, s.id); e != nil {
		s.Cause, s.confidence = CauseELBHealthCheck, ConfidenceMedium
		s.why = append(s.why, Evidence{Source: SourceEvents, At: e.At,
			Fact: fmt.Sprintf("%s before the stop, the service event said: %s", ago(t.Sub(e.At)), e.Message)})
		return
	}
	if e := lastEventBefore(d.events, evContainerUnhealthy, t, healthWindow, s.id); e != nil {
		s.Cause, s.confidence = CauseContainerHealthCheck, ConfidenceMedium
		s.why = append(s.why, Evidence{Source: SourceEvents, At: e.At,
			Fact: fmt.Sprintf("%s before the stop, the service event said: %s", ago(t.Sub(e.At)), e.Message)})
		return
	}
	if ok, ev := d.deploymentInProgress(t); ok {
		s.Cause, s.confidence = CauseDeployment, base
		s.why = append(s.why, ev)
		return
	}
	s.Cause, s.confidence = CauseUnknown, ConfidenceLow
}

// deploymentOrScaleIn decides rule 6.
func (d *diag) deploymentOrScaleIn(s *stopCase) (string, []Evidence) {
	t := s.at()
	if p := d.primary(); p != nil && s.task != nil {
		ran, now := deref(s.task.TaskDefinitionArn), deref(p.TaskDefinition)
		if ran != "" && now != "" && ran != now && (p.CreatedAt == nil || !p.CreatedAt.After(t)) {
			return CauseDeployment, []Evidence{{Source: SourceServices, At: derefTime(p.CreatedAt),
				Fact: fmt.Sprintf("the task ran %s while the service's PRIMARY deployment runs %s", shortTD(ran), shortTD(now))}}
		}
	}
	if ok, ev := d.deploymentInProgress(t); ok {
		return CauseDeployment, []Evidence{ev}
	}
	var ev []Evidence
	for i := len(d.events) - 1; i >= 0; i-- {
		e := d.events[i]
		if e.At.After(t.Add(time.Minute)) || e.Kind != evDesiredCount {
			continue
		}
		if e.At.Before(t.Add(-15 * time.Minute)) {
			break
		}
		ev = append(ev, Evidence{Source: SourceEvents, At: e.At,
			Fact: fmt.Sprintf("Application Auto Scaling set the desired count to %d %s before the stop", e.Count, ago(t.Sub(e.At)))})
		break
	}
	if ev == nil {
		ev = append(ev, Evidence{Source: SourceServices, At: t,
			Fact: "no newer deployment was rolling out when the task stopped, so the desired count went down"})
	}
	return CauseScaleIn, ev
}

// deploymentInProgress says whether a deployment of the service was rolling
// out at t, and why it thinks so.
func (d *diag) deploymentInProgress(t time.Time) (bool, Evidence) {
	deps := d.snap.Service.Deployments
	for i := range deps {
		dep := &deps[i]
		if dep.CreatedAt == nil || dep.CreatedAt.After(t) {
			continue
		}
		id := deref(dep.Id)
		if string(dep.RolloutState) == rolloutRunning || (deref(dep.Status) == "PRIMARY" && len(deps) > 1) {
			return true, Evidence{Source: SourceServices, At: *dep.CreatedAt,
				Fact: fmt.Sprintf("deployment %s (%s) was rolling out, started %s before the stop", id, shortTD(deref(dep.TaskDefinition)), ago(t.Sub(*dep.CreatedAt)))}
		}
		done := dep.UpdatedAt
		if string(dep.RolloutState) == rolloutCompleted && done != nil && done.Before(t) {
			continue
		}
		for _, e := range d.events {
			if e.Kind == evDeploymentCompleted && e.Deploy == id && !e.At.Before(t) {
				return true, Evidence{Source: SourceEvents, At: e.At,
					Fact: fmt.Sprintf("deployment %s started %s before the stop and completed after it", id, ago(t.Sub(*dep.CreatedAt)))}
			}
		}
		if deref(dep.Status) == "PRIMARY" && t.Sub(*dep.CreatedAt) <= deployHorizon && (done == nil || !done.Before(t)) {
			return true, Evidence{Source: SourceServices, At: *dep.CreatedAt,
				Fact: fmt.Sprintf("deployment %s started %s before the stop", id, ago(t.Sub(*dep.CreatedAt)))}
		}
	}
	// A deployment that no longer shows: a completion event soon after the
	// stop with tasks started shortly before it.
	for _, e := range d.events {
		if e.Kind != evDeploymentCompleted || e.At.Before(t) || e.At.Sub(t) > deployHorizon {
			continue
		}
		if lastEventBefore(d.events, evStarted, t, deployHorizon, "") != nil {
			return true, Evidence{Source: SourceEvents, At: e.At,
				Fact: fmt.Sprintf("a deployment completed %s after the stop: %s", ago(e.At.Sub(t)), e.Message)}
		}
	}
	return false, Evidence{}
}

// primary is the service's PRIMARY deployment, nil when unknown.
func (d *diag) primary() *ecstypes.Deployment {
	for i := range d.snap.Service.Deployments {
		if deref(d.snap.Service.Deployments[i].Status) == "PRIMARY" {
			return &d.snap.Service.Deployments[i]
		}
	}
	return nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func exitText(c *int32) string {
	if c == nil {
		return "none recorded"
	}
	return fmt.Sprint(*c)
}

// exitMeaning names the signal behind a shell-style exit code.
func exitMeaning(code int32) string {
	switch code {
	case 134:
		return " (SIGABRT: the program aborted)"
	case 137:
		return " (SIGKILL)"
	case 139:
		return " (SIGSEGV: a segmentation fault)"
	case 143:
		return " (SIGTERM)"
	}
	return ""
}

func noOOMClause(code int32) string {
	if code == 137 {
		return ", with no OutOfMemoryError reason, so it was killed, not out of memory"
	}
	return ""
}

// shortTD turns a task definition ARN into "family:revision".
func shortTD(arn string) string {
	if i := strings.LastIndex(arn, "task-definition/"); i >= 0 {
		return arn[i+len("task-definition/"):]
	}
	return arn
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ago writes a duration for people: "40 s", "3 min", "2 h 5 min".
func ago(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < 100*time.Second:
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	default:
		h := int(d / time.Hour)
		m := int((d % time.Hour).Round(time.Minute) / time.Minute)
		return fmt.Sprintf("%d h %d min", h, m)
	}
}
