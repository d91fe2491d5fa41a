package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// The simulated service scheduler. It has no timers: a service that a
// call set in motion (UpdateService, StopTask) moves one step each time
// DescribeServices reads it, or on AdvanceDeployments. A task that cannot
// be placed lets the cluster's Auto Scaling add a host for the next step
// (ecs_capacity_scaling.go). A step is one of,
// in order:
//
//  1. start the tasks the PRIMARY deployment lacks (or record why not);
//  2. stop tasks beyond the desired count, then the older deployments';
//  3. mark the deployment COMPLETED and the service steady.
//
// Services nobody touched are left exactly as the world describes them.

// AdvanceDeployments moves every service the scheduler is working on one
// step, as if each had been described once, after evaluating the
// clusters' scaling if the clock moved on a minute. For tests.
func (s *Server) AdvanceDeployments() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	now := s.Now()
	s.scaleOnClock(now)
	for _, svc := range s.w.Services {
		s.stepService(svc, now)
	}
}

func svcKey(svc world.Object) string {
	if a := ecsS(svc, "serviceArn"); a != "" {
		return a
	}
	return ecsClusterOf(svc) + "/" + svcName(svc)
}

func (s *Server) markBusy(svc world.Object) {
	if s.ecsBusy == nil {
		s.ecsBusy = map[string]bool{}
	}
	s.ecsBusy[svcKey(svc)] = true
}

// serviceLaunchType is FARGATE or EC2 (or EXTERNAL), from the launch type
// or the capacity provider strategy.
func serviceLaunchType(svc world.Object) string {
	if lt := ecsS(svc, "launchType"); lt != "" {
		return lt
	}
	for _, it := range ecsList(svc, "capacityProviderStrategy") {
		if strings.HasPrefix(ecsS(it, "capacityProvider"), "FARGATE") {
			return "FARGATE"
		}
	}
	return "EC2"
}

func primaryDeployment(svc world.Object) map[string]any {
	for _, d := range ecsList(svc, "deployments") {
		if ecsS(d, "status") == "PRIMARY" {
			return d
		}
	}
	return nil
}

// newDeploymentID makes an id of the form ecs-svc/ and 19 digits, one no
// deployment in the world has: the ids come from a counter, and a world
// written by hand may well use the first of them.
func (s *Server) newDeploymentID() string {
	used := map[string]bool{}
	for _, svc := range s.w.Services {
		deps, _ := svc["deployments"].([]any)
		for _, d := range deps {
			if m, ok := d.(map[string]any); ok {
				if id, ok := m["id"].(string); ok {
					used[id] = true
				}
			}
		}
	}
	for {
		h := s.newID("")
		n, _ := strconv.ParseUint(h[len(h)-15:], 16, 64)
		id := fmt.Sprintf("ecs-svc/%019d", 1_000_000_000_000_000_000+n%8_000_000_000_000_000_000)
		if !used[id] {
			return id
		}
	}
}

// startDeployment makes a new PRIMARY deployment of the service's current
// task definition; the old PRIMARY becomes ACTIVE.
func (s *Server) startDeployment(svc world.Object, now time.Time) {
	deps := ecsList(svc, "deployments")
	if len(deps) == 0 {
		// A world without deployments: stand one in for the tasks that
		// run now, so they have somewhere to roll back to.
		created, ok := svc["createdAt"].(time.Time)
		if !ok {
			created = now.Add(-time.Minute)
		}
		deps = append(deps, map[string]any{
			"id": s.newDeploymentID(), "status": "PRIMARY", "taskDefinition": ecsS(svc, "taskDefinition"),
			"desiredCount": desiredOf(svc), "pendingCount": int64(0), "runningCount": int64(len(s.liveTasks(svc))),
			"failedTasks": int64(0), "createdAt": created, "updatedAt": created, "rolloutState": "COMPLETED",
			"rolloutStateReason": "ECS deployment completed.",
		})
	}
	for _, d := range deps {
		if ecsS(d, "status") == "PRIMARY" {
			d["status"] = "ACTIVE"
			d["updatedAt"] = now
		}
	}
	id := s.newDeploymentID()
	d := map[string]any{
		"id": id, "status": "PRIMARY", "taskDefinition": ecsS(svc, "taskDefinition"),
		"desiredCount": desiredOf(svc), "pendingCount": int64(0), "runningCount": int64(0), "failedTasks": int64(0),
		"createdAt": now, "updatedAt": now, "rolloutState": "IN_PROGRESS",
		"rolloutStateReason": "ECS deployment " + id + " in progress.",
	}
	for _, k := range []string{"launchType", "platformVersion", "platformFamily", "networkConfiguration", "capacityProviderStrategy"} {
		if v, ok := svc[k]; ok {
			d[k] = ecsCopy(v)
		}
	}
	svc["deployments"] = ecsAnyList(append([]map[string]any{d}, deps...))
}

// owner returns the deployment a running task belongs to: the one that
// started it, else the oldest (tasks that a world gives without
// startedBy predate every deployment the simulator made).
func owner(deps []map[string]any, t world.Object) map[string]any {
	by := ecsS(t, "startedBy")
	var oldest map[string]any
	for _, d := range deps {
		if ecsS(d, "id") == by {
			return d
		}
		if oldest == nil || created(d).Before(created(oldest)) {
			oldest = d
		}
	}
	return oldest
}

func created(d map[string]any) time.Time {
	t, _ := d["createdAt"].(time.Time)
	return t
}

// circuitBreaker reports whether the breaker (and rollback) are on.
func circuitBreaker(svc world.Object) (enabled, rollback bool) {
	cb := obj(obj(svc, "deploymentConfiguration"), "deploymentCircuitBreaker")
	enabled, _ = boolean(cb, "enable")
	rollback, _ = boolean(cb, "rollback")
	return enabled, rollback
}

// failureThreshold is clamp(ceil(0.5 × desired), 10, 200) (reference §2).
func failureThreshold(desired int64) int64 {
	return min(max((desired+1)/2, 10), 200)
}

// stepService moves a busy service's scheduler one step.
func (s *Server) stepService(svc world.Object, now time.Time) {
	if !s.ecsBusy[svcKey(svc)] {
		return
	}
	p := primaryDeployment(svc)
	if p == nil {
		delete(s.ecsBusy, svcKey(svc))
		return
	}
	deps := ecsList(svc, "deployments")
	var mine, old []world.Object
	for _, t := range s.liveTasks(svc) {
		if o := owner(deps, t); o == nil || ecsS(o, "id") == ecsS(p, "id") {
			mine = append(mine, t)
		} else {
			old = append(old, t)
		}
	}
	desired := desiredOf(svc)
	name := svcName(svc)
	switch {
	case int64(len(mine)) < desired:
		if ecsS(p, "rolloutState") == "FAILED" {
			// A failed deployment launches nothing more (reference §2).
			delete(s.ecsBusy, svcKey(svc))
			break
		}
		s.placeForService(svc, p, int(desired)-len(mine), len(mine) > 0, now)
	case int64(len(mine)) > desired:
		s.stopForService(svc, mine[desired:], p, now)
	case len(old) > 0:
		s.stopForService(svc, old, nil, now)
	default:
		if ecsS(p, "rolloutState") == "IN_PROGRESS" {
			p["rolloutState"] = "COMPLETED"
			p["rolloutStateReason"] = "ECS deployment " + ecsS(p, "id") + " completed."
			svc["deployments"] = []any{p}
			s.ecsAddEvent(svc, now, fmt.Sprintf("(service %s) (deployment %s) deployment completed.", name, ecsS(p, "id")))
		} else {
			// Older deployments have no tasks left: nothing more to do.
			svc["deployments"] = []any{p}
		}
		s.ecsAddEvent(svc, now, fmt.Sprintf("(service %s) has reached a steady state.", name))
		delete(s.ecsBusy, svcKey(svc))
	}
	s.recount(svc, now)
	if serviceLaunchType(svc) != "FARGATE" {
		s.recordReservationOf(svc, now) // tasks started or stopped on its hosts
	}
}

// placeForService starts up to n tasks for the PRIMARY deployment and
// runs the circuit breaker when none could be placed.
func (s *Server) placeForService(svc world.Object, p map[string]any, n int, hasRunning bool, now time.Time) {
	name := svcName(svc)
	var ids []string
	var why string
	for range n {
		t, reason := s.placeTask(svc, p, now)
		if t == nil {
			why = reason
			break
		}
		ids = append(ids, ecsLast(ecsS(t, "taskArn")))
	}
	if len(ids) > 0 {
		s.ecsAddEvent(svc, now, fmt.Sprintf("(service %s) has started %d tasks: %s.", name, len(ids), taskList(ids)))
	}
	if why == "" {
		return
	}
	// A task waits: the cluster's Auto Scaling may add a host for it,
	// which the next step places it on.
	s.scaleForWaiting(s.waitingFor(svc, p), now)
	msg := fmt.Sprintf("(service %s) was unable to place a task because no container instance met all of its requirements. %s For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.", name, why)
	if ev := ecsList(svc, "events"); len(ev) == 0 || ecsS(ev[0], "message") != msg {
		s.ecsAddEvent(svc, now, msg)
	}
	enabled, rollback := circuitBreaker(svc)
	if !enabled || ecsS(p, "rolloutState") != "IN_PROGRESS" {
		return
	}
	if hasRunning || len(ids) > 0 {
		p["failedTasks"] = int64(0)
		return
	}
	failed, _ := ecsInt(p["failedTasks"])
	failed++
	p["failedTasks"] = failed
	if failed < failureThreshold(desiredOf(svc)) {
		return
	}
	p["rolloutState"] = "FAILED"
	p["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
	s.ecsAddEvent(svc, now, fmt.Sprintf("(service %s) (deployment %s) deployment failed: tasks failed to start.", name, ecsS(p, "id")))
	if rollback {
		s.rollBack(svc, p, now)
	}
}

// rollBack makes the newest older deployment PRIMARY again.
func (s *Server) rollBack(svc world.Object, failed map[string]any, now time.Time) {
	var to map[string]any
	for _, d := range ecsList(svc, "deployments") {
		if ecsS(d, "status") == "ACTIVE" && (to == nil || created(d).After(created(to))) {
			to = d
		}
	}
	if to == nil {
		return
	}
	failed["status"] = "ACTIVE"
	failed["desiredCount"] = int64(0)
	failed["updatedAt"] = now
	to["status"] = "PRIMARY"
	to["desiredCount"] = desiredOf(svc)
	to["rolloutState"] = "IN_PROGRESS"
	to["rolloutStateReason"] = "ECS deployment circuit breaker: rolling back to deploymentId " + ecsS(to, "id") + "."
	to["updatedAt"] = now
	svc["taskDefinition"] = ecsS(to, "taskDefinition")
	deps := []map[string]any{to}
	for _, d := range ecsList(svc, "deployments") {
		if ecsS(d, "id") != ecsS(to, "id") {
			deps = append(deps, d)
		}
	}
	svc["deployments"] = ecsAnyList(deps)
	s.ecsAddEvent(svc, now, fmt.Sprintf("(service %s) rolling back to deployment %s.", svcName(svc), ecsS(to, "id")))
}

// stopForService stops tasks the scheduler no longer wants. by is the
// deployment doing the scaling; nil means each task's own deployment,
// which is what AWS names when old tasks of a deployment are replaced.
func (s *Server) stopForService(svc world.Object, tasks []world.Object, by map[string]any, now time.Time) {
	deps := ecsList(svc, "deployments")
	ids := make([]string, 0, len(tasks))
	for _, t := range tasks {
		d := by
		if d == nil {
			// An older deployment scaling in to make way for the new one.
			if d = owner(deps, t); d != nil {
				d["desiredCount"] = int64(0)
			}
		}
		if d == nil {
			d = primaryDeployment(svc)
		}
		s.stopTask(t, "ServiceSchedulerInitiated", "Scaling activity initiated by (deployment "+ecsS(d, "id")+")", 143, now)
		ids = append(ids, ecsLast(ecsS(t, "taskArn")))
	}
	s.ecsAddEvent(svc, now, fmt.Sprintf("(service %s) has stopped %d running tasks: %s.", svcName(svc), len(ids), taskList(ids)))
}

func taskList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "(task " + id + ")"
	}
	return strings.Join(parts, " ")
}

// recount sets the service's and its deployments' counts from its tasks.
func (s *Server) recount(svc world.Object, now time.Time) {
	live := s.liveTasks(svc)
	svc["runningCount"] = int64(len(live))
	svc["pendingCount"] = int64(0)
	deps := ecsList(svc, "deployments")
	counts := map[string]int64{}
	for _, t := range live {
		if o := owner(deps, t); o != nil {
			counts[ecsS(o, "id")]++
		}
	}
	for _, d := range deps {
		n := counts[ecsS(d, "id")]
		if old, _ := ecsInt(d["runningCount"]); old != n {
			d["updatedAt"] = now
		}
		d["runningCount"] = n
		d["pendingCount"] = int64(0)
	}
}
