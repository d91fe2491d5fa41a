package diagnose

import (
	"fmt"
	"math"
	"strings"

	"github.com/ecsmedic/ecsmedic/internal/lazyre"
)

// Remedy action codes.
const (
	ActionScaleCPU             = "scale-cpu"
	ActionScaleMemory          = "scale-memory"
	ActionReservationOn        = "reservation-on"
	ActionHealthcheckGrace     = "healthcheck-grace"
	ActionHealthcheckTimeout   = "healthcheck-timeout"
	ActionHealthcheckUnhealthy = "healthcheck-unhealthy"
	ActionRollback             = "rollback"
	ActionAutoscaleOn          = "autoscale-on"
	ActionReadLogs             = "read-logs"
	ActionFixSigterm           = "fix-sigterm"
	ActionReduceLogging        = "reduce-logging"
	// Advice for a task that could not start: no command can fix these.
	ActionFixImagePull      = "fix-image-pull"
	ActionFixTaskAccess     = "fix-task-access"
	ActionFixContainerStart = "fix-container-start"
)

// addRemedies turns the verdict into fixes, each a ready chat command when
// ecsmedic can carry it out:
//
//   - cpu-starved → scale cpu to twice the task's units (capped by
//     Limits.MaxCPU), and autoscale on when the service has no auto scaling;
//   - oom-killed or memory-pressure → scale memory to twice (capped);
//   - cluster-*-full or scaling-disabled → reservation on;
//   - no-grace-period → a grace of max(60, 2 × start-up) rounded up to 30 s;
//   - tight-health-check → a longer timeout / more unhealthy failures (for a
//     container health check, advice: it lives in the task definition);
//   - crash-loop, app-crash, circuit-breaker → rollback when an older
//     revision exists, else read the logs;
//   - sigterm-ignored, log-flood → advice, no command;
//   - image-pull-failed, resource-init-failed, container-start-failed →
//     advice on what the stop reason points at, no command;
//   - unknown → read the logs.
func (d *diag) addRemedies() {
	cause := d.out.Verdict.Cause
	has := d.factorSet
	if cause == CauseOOMKilled {
		d.scaleMemory("the container was killed for going over its memory limit: give it twice the memory")
	}
	if cause == CauseAppCrash {
		d.rollbackOrLogs("the container crashed by itself")
	}
	if has[FactorCPUStarved] {
		d.scaleCPU()
		if !d.serviceAutoScaling() {
			d.remedy(ActionAutoscaleOn, "autoscale %s on min 2 max 4 cpu 60",
				"the service has no auto scaling: add tasks when the average CPU passes 60 %, so one busy task is not alone")
		}
	}
	if has[FactorMemoryPressure] {
		d.scaleMemory("memory was close to the limit before the stop: give the task twice the memory")
	}
	if has[FactorClusterCPUFull] || has[FactorClusterMemoryFull] || has[FactorScalingDisabled] {
		d.remedyCmd(ActionReservationOn, d.opt.Prefix+"reservation on"+d.targetCluster(),
			"let the cluster add instances when its reservation runs high, so tasks can be placed and grown")
	}
	if has[FactorNoGracePeriod] {
		s := math.Max(60, 2*d.out.Figures.StartupSeconds)
		grace := int(math.Ceil(s/30) * 30)
		d.out.Figures.SuggestedGraceSeconds = grace
		d.remedy(ActionHealthcheckGrace, "healthcheck %s grace "+fmt.Sprint(grace),
			fmt.Sprintf("give a starting task %d s before health checks count", grace))
	}
	if has[FactorTightHealthCheck] {
		d.healthCheckRemedies(cause)
	}
	if has[FactorCrashLoop] || has[FactorCircuitBreaker] {
		d.rollbackOrLogs("the same failure keeps stopping tasks")
	}
	if has[FactorSigtermIgnored] {
		d.remedyCmd(ActionFixSigterm, "", fmt.Sprintf("let the app exit on SIGTERM: use the exec form of ENTRYPOINT/CMD (no `sh -c`) so it gets the signal, trap SIGTERM, or raise stopTimeout above %d s",
			d.stopTimeout()))
	}
	if has[FactorLogFlood] {
		d.remedyCmd(ActionReduceLogging, "", "lower the log level or log fewer lines per request: writing logs costs CPU and I/O")
	}
	switch cause {
	case CauseImagePullFailed:
		d.remedyCmd(ActionFixImagePull, "", "check that the image and tag in the task definition exist in the registry, that the task execution role may pull them (ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer), and that the task can reach the registry (a NAT gateway, a public IP, or VPC endpoints)")
	case CauseResourceInitFailed:
		why := "give the task execution role what the task fetches before it starts, as the stop reason names it: secretsmanager:GetSecretValue or ssm:GetParameters on the secret, kms:Decrypt on its key, logs:CreateLogStream for its log group; and check the task can reach those services (a NAT gateway or VPC endpoints)"
		arn := d.fetchedARN()
		if arn != "" {
			why += "; what it could not fetch: " + arn
		}
		d.remedyCmd(ActionFixTaskAccess, "", why)
		d.out.Remedies[len(d.out.Remedies)-1].Resource = arn
	case CauseContainerStartFailed:
		d.remedyCmd(ActionFixContainerStart, "", "check what the stop reason names in the task definition: the container's command and entry point, its volumes and mount points, and that the host has room for it")
	case CauseUnknown:
		d.remedy(ActionReadLogs, "logs %s", "the last log lines of the stopped task may say what the data here cannot")
	}
}

// remedy adds a remedy whose command takes the alias ("scale %s cpu 1024").
func (d *diag) remedy(action, cmd, why string) {
	d.remedyCmd(action, d.opt.Prefix+fmt.Sprintf(cmd, d.opt.Alias), why)
}

// remedyCmd adds a remedy once per action.
func (d *diag) remedyCmd(action, cmd, why string) {
	for _, r := range d.out.Remedies {
		if r.Action == action {
			return
		}
	}
	d.out.Remedies = append(d.out.Remedies, Remedy{Action: action, Command: cmd, Why: why})
}

func (d *diag) scaleCPU() {
	cur := d.out.Figures.CPUReservedUnits
	if cur <= 0 {
		d.remedyCmd(ActionScaleCPU, "", "give the task more CPU; its current size could not be read")
		return
	}
	n, capped := double(cur, d.opt.Limits.MaxCPU)
	if n <= cur {
		d.remedyCmd(ActionScaleCPU, "", fmt.Sprintf("the task already has the most CPU the limits allow (%d units): spread the load over more tasks", cur))
		return
	}
	d.out.Figures.SuggestedCPU = n
	why := "give the task twice the CPU it was starved of"
	if capped {
		why = fmt.Sprintf("give the task as much CPU as the limits allow (%d units)", n)
	}
	d.remedy(ActionScaleCPU, "scale %s cpu "+fmt.Sprint(n), why)
}

func (d *diag) scaleMemory(why string) {
	cur := d.out.Figures.MemoryReservedMiB
	if cur <= 0 {
		d.remedyCmd(ActionScaleMemory, "", "give the task more memory; its current size could not be read")
		return
	}
	m, capped := double(cur, d.opt.Limits.MaxMemoryMiB)
	if m <= cur {
		d.remedyCmd(ActionScaleMemory, "", fmt.Sprintf("the task already has the most memory the limits allow (%d MiB): find what uses it in the logs", cur))
		return
	}
	d.out.Figures.SuggestedMemoryMiB = m
	if capped {
		why = fmt.Sprintf("give the task as much memory as the limits allow (%d MiB)", m)
	}
	d.remedy(ActionScaleMemory, "scale %s memory "+fmt.Sprint(m), why)
}

// double is twice v, capped by limit when there is one.
func double(v, limit int) (int, bool) {
	n := 2 * v
	if limit > 0 && n > limit {
		return limit, true
	}
	return n, false
}

func (d *diag) healthCheckRemedies(cause string) {
	f := &d.out.Figures
	if cause == CauseContainerHealthCheck {
		d.remedyCmd(ActionHealthcheckUnhealthy, "", fmt.Sprintf(
			"give the container health check more slack in the task definition: more retries or a longer interval (now %d × %d s), a timeout above %d s",
			f.UnhealthyThreshold, f.HealthCheckInterval, f.HealthCheckTimeout))
		return
	}
	if f.HealthCheckTimeout <= 2 {
		t := 5
		if f.HealthCheckInterval > 0 && t >= f.HealthCheckInterval {
			t = f.HealthCheckInterval - 1 // the load balancer wants the timeout below the interval
		}
		if t > f.HealthCheckTimeout {
			d.remedy(ActionHealthcheckTimeout, "healthcheck %s timeout "+fmt.Sprint(t),
				fmt.Sprintf("a %d s timeout fails a task that is only slow; %d s is the load balancer's default", f.HealthCheckTimeout, t))
		}
	}
	if f.UnhealthyThreshold*f.HealthCheckInterval < 30 && f.HealthCheckInterval > 0 {
		n := int(math.Ceil(60 / float64(f.HealthCheckInterval)))
		if n > 10 {
			n = 10
		}
		if n <= f.UnhealthyThreshold {
			n = f.UnhealthyThreshold + 1
		}
		if n <= 10 {
			d.remedy(ActionHealthcheckUnhealthy, "healthcheck %s unhealthy "+fmt.Sprint(n),
				fmt.Sprintf("mark a task unhealthy after %d failed checks (%d s) instead of %d s", n, n*f.HealthCheckInterval, f.UnhealthyThreshold*f.HealthCheckInterval))
		}
	}
}

func (d *diag) rollbackOrLogs(why string) {
	if d.olderRevision() {
		d.remedy(ActionRollback, "rollback %s", why+": go back to the previous task definition revision")
		return
	}
	d.remedy(ActionReadLogs, "logs %s", why+": the last log lines say why")
}

// olderRevision says whether the service's task definition has an earlier
// revision to go back to.
func (d *diag) olderRevision() bool {
	td := &d.snap.TaskDefinition
	cur := revision(td, deref(td.TaskDefinitionArn))
	if cur > 1 {
		return true
	}
	fam := deref(td.Family)
	for arn, other := range d.td {
		if fam != "" && deref(other.Family) == fam && revision(other, arn) < cur {
			return true
		}
	}
	return false
}

// serviceAutoScaling says whether Application Auto Scaling manages the
// service's desired count and may scale it out.
func (d *diag) serviceAutoScaling() bool {
	if len(d.snap.ScalingPolicies) == 0 {
		return false
	}
	for _, t := range d.snap.ScalableTargets {
		if !strings.HasSuffix(string(t.ScalableDimension), "DesiredCount") && t.ScalableDimension != "" {
			continue
		}
		if s := t.SuspendedState; s != nil && s.DynamicScalingOutSuspended != nil && *s.DynamicScalingOutSuspended {
			continue
		}
		return true
	}
	return false
}

func (d *diag) stopTimeout() int {
	if d.out.Figures.StopTimeout > 0 {
		return d.out.Figures.StopTimeout
	}
	return defaultStopTimeout
}

// targetCluster names the cluster of a cluster-wide command when the
// service is named target/alias (a config with several targets): there,
// a bare "reservation on" would ask which cluster.
func (d *diag) targetCluster() string {
	target, _, ok := strings.Cut(d.opt.Alias, "/")
	if !ok {
		return ""
	}
	return " cluster " + target + "/" + clusterName(d.snap)
}

// secretARN is an ARN of Secrets Manager or of SSM Parameter Store;
// compiled on first use, as only a task that could not start needs it.
var secretARN = lazyre.New(`arn:aws[a-z-]*:(?:secretsmanager|ssm):[A-Za-z0-9-]+:[0-9]{12}:(?:secret:|parameter/)[A-Za-z0-9/_+=.@!-]+`)

// fetchedARN is the secret or parameter a task failed to fetch before it
// started, as its stop reason or a container's reason names it; "" when
// none does. The text reply cuts a long reason before it, and it is what
// the student must grant access to.
func (d *diag) fetchedARN() string {
	v := d.verdict
	if v == nil {
		return ""
	}
	texts := []string{v.StoppedReason}
	for _, c := range v.Containers {
		texts = append(texts, c.Reason)
	}
	for _, t := range texts {
		if m := secretARN().FindString(t); m != "" {
			return m
		}
	}
	return ""
}
