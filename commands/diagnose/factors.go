package diagnose

import (
	"fmt"
	"math"
	"time"

	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

// Contributing factors, each only when the data for it exists:
//
//   - cpu-starved: the task's Container Insights TaskCpuUtilization, else the
//     service's CPUUtilization Maximum (Average when that is all there is),
//     at or above 90 % in at least 3 points of the 10 minutes before the
//     stop (before stoppingAt when known, else stoppedAt).
//   - memory-pressure: memory at or above 90 % in that window, when the
//     cause is not oom-killed.
//   - cluster-cpu-full / cluster-memory-full: the cluster's CPUReservation /
//     MemoryReservation at or above 90 % in that window (no stop: the last
//     10 minutes).
//   - scaling-disabled: with one of those or placement-failed, on an
//     EC2-backed cluster, when reservation-based scaling is off
//     (aws.Scaling states the rule, shared with the summary and the
//     change planner).
//   - no-grace-period: a health-check stop within grace + 5 minutes of the
//     task's start, with a grace period of 0 or shorter than that start-up.
//   - tight-health-check: ELB timeout ≤ 2 s or unhealthy threshold ×
//     interval < 30 s; container health check retries × interval < 30 s or
//     timeout ≤ 2 s.
//   - sigterm-ignored: an essential container exited 137 without an OOM
//     reason on a stop ECS or a user initiated, and stoppedAt − stoppingAt
//     ≥ stopTimeout − 2 s (or that gap is unknown).
//   - crash-loop: 3 or more stops of the service with the same failure cause
//     within 30 minutes, the latest included. Causes that are not failures
//     (deployment, scale-in, user-stopped, the capacity going away, unknown)
//     do not loop.
//   - circuit-breaker: a deployment whose rolloutState is FAILED, or
//     "deployment failed" / "rolling back to deployment" events in the window.
//   - log-flood: IncomingLogEvents ÷ RequestCount over the 10 minutes before
//     the stop ≥ 10 lines per request; without request counts, lines per
//     minute ≥ 5 × the median of the hour before.
const (
	highPercent      = 90.0
	cpuStarvedPoints = 3
	sigtermSlack     = 2 * time.Second
	crashLoopWindow  = 30 * time.Minute
	crashLoopStops   = 3
	linesPerRequest  = 10.0
	logJump          = 5.0
	hostWellBelow    = 20.0 // percentage points between the task's CPU and the hosts'
)

// clause is one part of the summary after the cause.
type clause struct {
	factor string
	text   string
}

func (d *diag) addFactor(code, text string, ev ...Evidence) {
	if d.factorSet[code] {
		return
	}
	d.factorSet[code] = true
	d.out.Verdict.Contributing = append(d.out.Verdict.Contributing, code)
	if text != "" {
		d.clauses = append(d.clauses, clause{factor: code, text: text})
	}
	d.out.Evidence = append(d.out.Evidence, ev...)
}

// preStopWindow is "the 10 minutes before the stop", or the last 10 minutes
// when nothing stopped or the question is about now (Options.Early).
func (d *diag) preStopWindow() (time.Time, time.Time) {
	to := d.to
	if d.verdict != nil && !d.opt.Early {
		to = d.verdict.at()
	}
	return to.Add(-preStop), to
}

func (d *diag) findFactors() {
	f := &d.out.Figures
	var task = (*stopCase)(nil)
	if d.verdict != nil {
		task = d.verdict
	}
	if task != nil && task.task != nil {
		f.CPUReservedUnits, f.MemoryReservedMiB = d.taskSize(task.task)
	} else {
		f.CPUReservedUnits, f.MemoryReservedMiB = d.taskSize(nil)
	}
	f.GracePeriod = derefInt(d.snap.Service.HealthCheckGracePeriodSeconds, 0)
	f.DesiredCount = int(d.snap.Service.DesiredCount)
	f.RunningCount = int(d.snap.Service.RunningCount)
	if task != nil {
		f.StoppedAt = task.StoppedAt
		f.Container = task.container
		f.ExitCode = task.exitCode
		f.OOMReason = task.oomReason
		if !task.startedAt.IsZero() {
			f.TaskLivedSeconds = task.StoppedAt.Sub(task.startedAt).Seconds()
		}
	}
	from, to := d.preStopWindow()
	if d.verdict != nil || d.opt.Early {
		// Starvation and floods are about "before the stop"; with no stop
		// they contribute to nothing, unless asked before one.
		d.cpuStarved(from, to)
		d.memoryPressure(from, to)
		d.logFlood(from, to)
	}
	d.clusterFull(from, to)
	d.scalingDisabled()
	d.noGracePeriod()
	d.tightHealthCheck()
	d.sigtermIgnored()
	d.crashLoop()
	d.circuitBreaker()
}

func (d *diag) cpuStarved(from, to time.Time) {
	keys := []string{aws.MetricServiceCPUMax, aws.MetricServiceCPUAvg}
	if d.verdict != nil && d.verdict.id != "" {
		keys = append([]string{aws.MetricTaskCPUPrefix + d.verdict.id}, keys...)
	}
	s, key := series(d.snap, keys...)
	w := stats(s, from, to, highPercent)
	if w.N == 0 {
		d.miss(MissingNoCPUMetrics)
		return
	}
	f := &d.out.Figures
	f.PeakCPUPercent = round1(w.Peak)
	f.CPUHighMinutes = minutes(s, w.Over)
	f.CPUPerTask = key != aws.MetricServiceCPUMax && key != aws.MetricServiceCPUAvg
	if w.Over < cpuStarvedPoints {
		return
	}
	src := metricSource(s, "AWS/ECS", "CPUUtilization")
	if f.CPUPerTask {
		src = metricSource(s, "ECS/ContainerInsights", "TaskCpuUtilization")
	}
	d.addFactor(FactorCPUStarved,
		fmt.Sprintf("while running at %s of its CPU reservation", pct(w.Peak)),
		Evidence{Source: src, At: w.PeakAt, Fact: fmt.Sprintf("CPU at or above 90 %% of the %sreservation for %d of the %d minutes before the stop, peaking at %s",
			unitsText(f.CPUReservedUnits, "-unit "), f.CPUHighMinutes, minutes(s, w.N), pct(w.Peak))})
	if !f.CPUPerTask {
		d.miss(MissingNoContainerInsight)
	}
	// The hosts' CPU, for the note that it is not the task's.
	if h, _ := series(d.snap, aws.MetricClusterCPUUtil); h != nil {
		hw := stats(h, from, to, highPercent)
		if hw.N > 0 {
			f.HostCPUPercent = round1(hw.Peak)
			f.HasHostCPU = true
			d.hostCPU = &Evidence{Source: metricSource(h, "AWS/ECS", "CPUUtilization"), At: hw.PeakAt,
				Fact: fmt.Sprintf("the cluster's hosts peaked at %s CPU in the same minutes: host CPU is not the task's share", pct(hw.Peak))}
		}
	}
}

func (d *diag) memoryPressure(from, to time.Time) {
	keys := []string{aws.MetricServiceMemMax, aws.MetricServiceMemAvg}
	if d.verdict != nil && d.verdict.id != "" {
		keys = append([]string{aws.MetricTaskMemPrefix + d.verdict.id}, keys...)
	}
	s, key := series(d.snap, keys...)
	w := stats(s, from, to, highPercent)
	if w.N == 0 {
		if d.verdict != nil && d.verdict.Cause == CauseOOMKilled {
			d.miss(MissingNoMemMetrics)
		}
		return
	}
	d.out.Figures.PeakMemPercent = round1(w.Peak)
	if w.Over == 0 || d.out.Verdict.Cause == CauseOOMKilled {
		return
	}
	src := metricSource(s, "AWS/ECS", "MemoryUtilization")
	if key != aws.MetricServiceMemMax && key != aws.MetricServiceMemAvg {
		src = metricSource(s, "ECS/ContainerInsights", "TaskMemoryUtilization")
	}
	d.addFactor(FactorMemoryPressure,
		fmt.Sprintf("with memory at %s of its limit", pct(w.Peak)),
		Evidence{Source: src, At: w.PeakAt, Fact: fmt.Sprintf("memory reached %s of the %sreservation in the 10 minutes before the stop, without an OOM kill",
			pct(w.Peak), unitsText(d.out.Figures.MemoryReservedMiB, " MiB "))})
}

func (d *diag) clusterFull(from, to time.Time) {
	for _, c := range []struct {
		key, metric, factor, what string
		fig                       *float64
	}{
		{aws.MetricClusterCPURes, "CPUReservation", FactorClusterCPUFull, "CPU", &d.out.Figures.ClusterCPURes},
		{aws.MetricClusterMemRes, "MemoryReservation", FactorClusterMemoryFull, "memory", &d.out.Figures.ClusterMemRes},
	} {
		s, _ := series(d.snap, c.key)
		w := stats(s, from, to, highPercent)
		if w.N == 0 {
			continue
		}
		*c.fig = round1(w.Peak)
		if w.Over == 0 {
			continue
		}
		d.addFactor(c.factor,
			fmt.Sprintf("on a cluster whose %s reservation reached %s", c.what, pct(w.Peak)),
			Evidence{Source: metricSource(s, "AWS/ECS", c.metric), At: w.PeakAt,
				Fact: fmt.Sprintf("the cluster's %s reservation reached %s: no room to place more or larger tasks", c.what, pct(w.Peak))})
	}
}

func (d *diag) scalingDisabled() {
	placement := d.out.Verdict.Cause == CausePlacementFailed && capacityWouldHelp(d.out.Figures.Placement)
	if !d.factorSet[FactorClusterCPUFull] && !d.factorSet[FactorClusterMemoryFull] && !placement {
		return
	}
	if !d.ec2Backed() {
		return
	}
	// The factor is about a way to scale, not room to: a group at its
	// maximum is a different fix (raise MaxSize), which the change planner
	// names.
	if aws.ReservationScaling(d.snap.CapacityOf()).On() {
		return
	}
	at := d.to
	cps := "the cluster has no capacity provider with managed scaling enabled"
	if len(d.snap.CapacityProviders) == 0 {
		cps = "the cluster has no capacity provider"
	}
	d.addFactor(FactorScalingDisabled, "and the cluster cannot grow by itself",
		Evidence{Source: SourceCapacity, At: at, Fact: cps},
		Evidence{Source: SourceASGPolicies, At: at, Fact: "no enabled EC2 Auto Scaling policy follows the cluster's CPUReservation or MemoryReservation"})
}

// ec2Backed says whether the service's tasks run on EC2 container instances
// (Fargate has no cluster capacity to scale).
func (d *diag) ec2Backed() bool {
	svc := &d.snap.Service
	if svc.LaunchType == "FARGATE" {
		return false
	}
	for _, s := range svc.CapacityProviderStrategy {
		if n := deref(s.CapacityProvider); n == "FARGATE" || n == "FARGATE_SPOT" {
			return false
		}
	}
	if svc.LaunchType == "EC2" || len(d.snap.ContainerInstances) > 0 || d.snap.Cluster.RegisteredContainerInstancesCount > 0 || len(d.snap.AutoScalingGroups) > 0 {
		return true
	}
	for _, cp := range d.snap.CapacityProviders {
		if cp.AutoScalingGroupProvider != nil {
			return true
		}
	}
	return false
}

func (d *diag) noGracePeriod() {
	v := d.verdict
	if v == nil || (v.Cause != CauseELBHealthCheck && v.Cause != CauseContainerHealthCheck) || v.startedAt.IsZero() {
		return
	}
	grace := d.out.Figures.GracePeriod
	startup := v.at().Sub(v.startedAt)
	if startup < 0 || startup > time.Duration(grace)*time.Second+5*time.Minute {
		return
	}
	// It never got past start-up: it was stopped while still starting, so
	// its start-up took at least this long.
	if grace > 0 && startup <= time.Duration(grace)*time.Second {
		return
	}
	d.out.Figures.StartupSeconds = math.Round(startup.Seconds())
	d.addFactor(FactorNoGracePeriod,
		fmt.Sprintf("only %s after it started, with a health-check grace period of %d s", ago(startup), grace),
		Evidence{Source: SourceServices, At: v.startedAt, Fact: fmt.Sprintf("healthCheckGracePeriodSeconds is %d", grace)},
		Evidence{Source: sourceOf(v), At: v.at(), Fact: fmt.Sprintf("the task was stopped %s after it started", ago(startup))})
}

func (d *diag) tightHealthCheck() {
	v := d.verdict
	if v == nil {
		return
	}
	f := &d.out.Figures
	switch v.Cause {
	case CauseELBHealthCheck:
		tg := d.targetGroup(v.StoppedReason)
		if tg == nil {
			return
		}
		timeout := derefInt(tg.HealthCheckTimeoutSeconds, 5)
		interval := derefInt(tg.HealthCheckIntervalSeconds, 30)
		unhealthy := derefInt(tg.UnhealthyThresholdCount, 2)
		f.HealthCheckTimeout, f.HealthCheckInterval, f.UnhealthyThreshold = timeout, interval, unhealthy
		if timeout > 2 && unhealthy*interval >= 30 {
			return
		}
		d.addFactor(FactorTightHealthCheck,
			fmt.Sprintf("with a load-balancer health check that gives up after %d s (timeout %d s)", unhealthy*interval, timeout),
			Evidence{Source: SourceTargetGroups, At: d.to, Fact: fmt.Sprintf("target group %s: timeout %d s, interval %d s, unhealthy after %d failures",
				deref(tg.TargetGroupName), timeout, interval, unhealthy)})
	case CauseContainerHealthCheck:
		var td = d.taskDef("")
		if v.task != nil {
			td = d.taskDef(deref(v.task.TaskDefinitionArn))
		}
		cd := essentialDef(td, v.container)
		if cd == nil || cd.HealthCheck == nil {
			return
		}
		hc := cd.HealthCheck
		timeout, interval, retries := derefInt(hc.Timeout, 5), derefInt(hc.Interval, 30), derefInt(hc.Retries, 3)
		f.HealthCheckTimeout, f.HealthCheckInterval, f.UnhealthyThreshold = timeout, interval, retries
		if timeout > 2 && retries*interval >= 30 {
			return
		}
		d.addFactor(FactorTightHealthCheck,
			fmt.Sprintf("with a container health check that gives up after %d s (timeout %d s)", retries*interval, timeout),
			Evidence{Source: SourceTaskDefinition, At: d.to, Fact: fmt.Sprintf("container %s health check: timeout %d s, interval %d s, %d retries",
				deref(cd.Name), timeout, interval, retries)})
	}
}

// targetGroup is the one the stop names, else the service's first.
func (d *diag) targetGroup(reason string) *elbGroup {
	tgs := d.snap.TargetGroups
	if len(tgs) == 0 {
		return nil
	}
	if m := reELBFailed.FindStringSubmatch(reason); m != nil {
		for i := range tgs {
			if a := deref(tgs[i].Group.TargetGroupArn); a != "" && (a == m[1] || deref(tgs[i].Group.TargetGroupName) == m[1]) {
				return &tgs[i].Group
			}
		}
	}
	return &tgs[0].Group
}

func (d *diag) sigtermIgnored() {
	v := d.verdict
	if v == nil || v.task == nil || v.oomReason || v.exitCode == nil || *v.exitCode != 137 {
		return
	}
	if v.StopCode == stopCodeExited || (v.StopCode == "" && v.Cause == CauseAppCrash) {
		return // the container exited by itself: nobody sent SIGTERM
	}
	td := d.taskDef(deref(v.task.TaskDefinitionArn))
	timeout := defaultStopTimeout
	if cd := essentialDef(td, v.container); cd != nil {
		timeout = derefInt(cd.StopTimeout, defaultStopTimeout)
	}
	f := &d.out.Figures
	f.StopTimeout = timeout
	fact := fmt.Sprintf("container %s exited 137 with no OutOfMemoryError reason; ECS's gap between SIGTERM and the stop is unknown (stopTimeout %d s)", v.container, timeout)
	if !v.stoppingAt.IsZero() && !v.StoppedAt.Before(v.stoppingAt) {
		gap := v.StoppedAt.Sub(v.stoppingAt)
		f.StopSeconds = round1(gap.Seconds())
		if gap < time.Duration(timeout)*time.Second-sigtermSlack {
			return
		}
		fact = fmt.Sprintf("container %s exited 137 with no OutOfMemoryError reason %s after ECS sent SIGTERM (stopTimeout %d s): it did not exit and was killed",
			v.container, ago(gap), timeout)
	}
	d.addFactor(FactorSigtermIgnored,
		"the container did not exit on SIGTERM and was killed (exit 137)",
		Evidence{Source: SourceTasks, At: v.StoppedAt, Fact: fact})
}

// loopingCauses are the failures that can repeat as a crash loop.
var loopingCauses = map[string]bool{
	CauseOOMKilled: true, CauseELBHealthCheck: true, CauseContainerHealthCheck: true, CauseAppCrash: true,
	CauseAppExited: true, CauseImagePullFailed: true, CauseResourceInitFailed: true, CauseContainerStartFailed: true,
}

func (d *diag) crashLoop() {
	v := d.verdict
	if v == nil || !loopingCauses[v.Cause] {
		return
	}
	n := 0
	for _, s := range d.all {
		if s.Cause == v.Cause && !s.StoppedAt.After(v.StoppedAt) && v.StoppedAt.Sub(s.StoppedAt) <= crashLoopWindow {
			n++
		}
	}
	d.out.Figures.SameCauseStops = n
	if n < crashLoopStops {
		return
	}
	d.addFactor(FactorCrashLoop,
		fmt.Sprintf("the %d%s such stop in 30 minutes", n, ordinal(n)),
		Evidence{Source: sourceOf(v), At: v.StoppedAt, Fact: fmt.Sprintf("%d tasks of the service stopped for %s within 30 minutes", n, v.Cause)})
}

func (d *diag) circuitBreaker() {
	for _, dep := range d.snap.Service.Deployments {
		if dep.RolloutState == rolloutFailed {
			at := derefTime(dep.UpdatedAt)
			if at.IsZero() {
				at = derefTime(dep.CreatedAt)
			}
			d.addFactor(FactorCircuitBreaker, "after a deployment failed and was rolled back",
				Evidence{Source: SourceServices, At: at, Fact: fmt.Sprintf("deployment %s (%s) failed: %s",
					deref(dep.Id), shortTD(deref(dep.TaskDefinition)), deref(dep.RolloutStateReason))})
			return
		}
	}
	for _, e := range eventsBetween(d.events, d.from, d.to) {
		if e.Kind == evDeploymentFailed || e.Kind == evRollback {
			d.addFactor(FactorCircuitBreaker, "after a deployment failed and was rolled back",
				Evidence{Source: SourceEvents, At: e.At, Fact: "the service event says: " + e.Message})
			return
		}
	}
}

func (d *diag) logFlood(from, to time.Time) {
	ls, _ := series(d.snap, aws.MetricLogEvents)
	lw := stats(ls, from, to, math.Inf(1))
	if lw.N == 0 {
		return
	}
	f := &d.out.Figures
	f.LinesPerMinute = round1(perMinute(ls, lw.Sum/float64(lw.N)))
	if rs, _ := series(d.snap, aws.MetricRequests); rs != nil {
		if rw := stats(rs, from, to, math.Inf(1)); rw.N > 0 && rw.Sum > 0 {
			lpr := lw.Sum / rw.Sum
			f.LinesPerRequest = round1(lpr)
			if lpr >= linesPerRequest {
				d.addFactor(FactorLogFlood,
					fmt.Sprintf("while writing %s log lines per request", num(lpr)),
					Evidence{Source: metricSource(ls, "AWS/Logs", "IncomingLogEvents"), At: to,
						Fact: fmt.Sprintf("%s log lines in the 10 minutes before the stop", num(lw.Sum))},
					Evidence{Source: metricSource(rs, "AWS/ApplicationELB", "RequestCount"), At: to,
						Fact: fmt.Sprintf("%s requests in the same minutes: %s lines per request", num(rw.Sum), num(lpr))})
			}
			return
		}
	}
	base, n := medianPerMinute(ls, from.Add(-time.Hour), from)
	if n == 0 || base <= 0 {
		return
	}
	f.BaselineLinesPerMinute = round1(base)
	if f.LinesPerMinute < logJump*base {
		return
	}
	d.addFactor(FactorLogFlood,
		fmt.Sprintf("while writing %s log lines a minute, %s times its usual rate", num(f.LinesPerMinute), num(f.LinesPerMinute/base)),
		Evidence{Source: metricSource(ls, "AWS/Logs", "IncomingLogEvents"), At: to,
			Fact: fmt.Sprintf("%s log lines a minute in the 10 minutes before the stop, against a median of %s in the hour before", num(f.LinesPerMinute), num(base))})
}

// sourceOf names where a stop came from, for evidence about it.
func sourceOf(s *stopCase) string {
	switch s.Source {
	case "events":
		return SourceEvents
	case "history":
		return SourceHistory
	}
	return SourceTasks
}

// minutes turns a number of points into minutes by the series' period.
func minutes(s *aws.Series, points int) int {
	if s == nil || s.Period <= 0 {
		return points
	}
	return points * s.Period / 60
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// pct writes a percentage the way people read it: "99 %", "99.6 %".
func pct(v float64) string { return num(v) + " %" }

func num(v float64) string {
	r := round1(v)
	if r == math.Trunc(r) {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}

func unitsText(n int, unit string) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("%d%s", n, unit)
}

func ordinal(n int) string {
	if n%100 >= 11 && n%100 <= 13 {
		return "th"
	}
	switch n % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

type elbGroup = elbtypes.TargetGroup
