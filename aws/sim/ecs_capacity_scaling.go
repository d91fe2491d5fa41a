package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// Cluster auto scaling: the simulator adds an EC2 host to a cluster when
// its Auto Scaling group would scale out, and removes an idle one when it
// would scale in. It has no timers, like the service scheduler: scaling is
// evaluated when a service's task is waiting for placement (the step that
// could not place it), and when the simulated clock has moved on by a
// scalingPeriod since the last evaluation (never, when frozen).
//
// What drives a group is what aws.ReservationScaling calls "on":
//
//   - a capacity provider of the cluster with managed scaling ENABLED:
//     ECS's CapacityProviderReservation, M/N × 100 against the provider's
//     targetCapacity, where N is the group's desired capacity and M the
//     hosts that run tasks, plus one when a task waits for room that a new
//     host would have;
//   - an enabled target tracking policy of the group on the cluster's
//     AWS/ECS CPUReservation or MemoryReservation, computed here from the
//     container instances (registered minus remaining resources).
//
// A new host copies a host of the group (its registered CPU and memory,
// attributes, agent), joins ACTIVE with nothing running, and appears in
// the group's instances, desired capacity and activities, and in the
// cluster's reservation metrics (metrics_live.go). Scale-in takes
// one idle host at a time, never below the group's MinSize, and only when
// the rest would stay at or under the target. A group whose Launch (or
// Terminate, or AlarmNotification) process is suspended does not scale.

// scalingPeriod is how often a moving clock evaluates scaling: the one
// minute period of the alarms behind target tracking.
const scalingPeriod = time.Minute

// scaleInMargin is how far below its target a reservation must be for
// target tracking to scale in ("AlarmLow" fires at 90 % of the target).
const scaleInMargin = 0.9

// waitingTask is a task the scheduler could not place: the cluster it is
// for and what it needs.
type waitingTask struct {
	cluster  string // the cluster's ARN or name
	cpu, mem int64
	provider string // the capacity provider it asked for, if any
}

// scaleOnClock evaluates every cluster's scaling when the clock has moved
// on a scalingPeriod since the last time. Call it with s.wmu held for
// writing.
func (s *Server) scaleOnClock(now time.Time) {
	if s.scaledAt.IsZero() {
		s.scaledAt = s.w.Now
	}
	if now.Sub(s.scaledAt) < scalingPeriod {
		return
	}
	s.scaledAt = now
	for _, c := range s.w.Clusters {
		s.scaleCluster(c, nil, now)
	}
}

// scaleForWaiting evaluates the scaling of the cluster a task is waiting
// in. Call it with s.wmu held for writing.
func (s *Server) scaleForWaiting(w waitingTask, now time.Time) {
	for _, c := range s.w.Clusters {
		if ecsS(c, "clusterArn") == w.cluster || ecsS(c, "clusterName") == ecsLast(w.cluster) {
			s.scaleCluster(c, &w, now)
			return
		}
	}
}

// driver is what makes a group scale: a managed capacity provider or a
// target tracking policy.
type driver struct {
	provider world.Object // a capacity provider with managed scaling ENABLED
	policy   world.Object // a target tracking policy on the reservation
}

// scaleCluster moves each of the cluster's scaling groups to the capacity
// its drivers want.
func (s *Server) scaleCluster(cluster world.Object, waiting *waitingTask, now time.Time) {
	name := ecsS(cluster, "clusterName")
	if name == "" {
		name = ecsLast(ecsS(cluster, "clusterArn"))
	}
	drivers := s.scalingDrivers(cluster, name)
	for _, gname := range slices.Sorted(maps.Keys(drivers)) {
		g := findASG(s, gname)
		desired, _ := ecsInt(g["DesiredCapacity"])
		lo, _ := ecsInt(g["MinSize"])
		hi, hasMax := ecsInt(g["MaxSize"])
		if !hasMax {
			hi = desired
		}
		want, shrink, why := int64(-1), true, driver{}
		for _, d := range drivers[gname] {
			n, in := s.wantedCapacity(cluster, g, d, desired, waiting)
			if n > want {
				want, why = n, d
			}
			shrink = shrink && in
		}
		switch {
		case want > desired && desired < hi && !suspended(g, "Launch"):
			for n := desired; n < min(want, hi); n++ {
				if !s.launchHost(cluster, g, why, now) {
					break
				}
				g = findASG(s, gname)
			}
		case shrink && want < desired && desired > lo && !suspended(g, "Terminate"):
			s.terminateIdleHost(cluster, g, why, now)
		}
	}
}

// scalingDrivers maps each of the cluster's groups that scale to what
// drives it.
func (s *Server) scalingDrivers(cluster world.Object, name string) map[string][]driver {
	out := map[string][]driver{}
	var groups []string
	for _, ref := range anyStrings(cluster["capacityProviders"]) {
		cp := s.findCapacityProvider(ref)
		asp := obj(cp, "autoScalingGroupProvider")
		g := s.groupByRef(ecsS(asp, "autoScalingGroupArn"))
		if g == nil {
			continue
		}
		gname := str(g, "AutoScalingGroupName")
		groups = append(groups, gname)
		if ecsS(obj(asp, "managedScaling"), "status") == "ENABLED" {
			out[gname] = append(out[gname], driver{provider: cp})
		}
	}
	// The cluster's other groups: those holding its hosts, else those
	// named after it (as aws.ReservationScaling finds them).
	hosts := map[string]bool{}
	for _, ci := range s.w.ContainerInstances {
		if s.inCluster(ci, cluster) {
			hosts[ecsS(ci, "ec2InstanceId")] = true
		}
	}
	for _, g := range s.w.AutoScalingGroups {
		for _, in := range objs(g, "Instances") {
			if hosts[str(in, "InstanceId")] {
				groups = append(groups, str(g, "AutoScalingGroupName"))
				break
			}
		}
	}
	if len(groups) == 0 {
		for _, g := range s.w.AutoScalingGroups {
			if strings.Contains(str(g, "AutoScalingGroupName"), name) {
				groups = append(groups, str(g, "AutoScalingGroupName"))
			}
		}
	}
	for _, p := range s.w.AutoScalingPolicies {
		if slices.Contains(groups, str(p, "AutoScalingGroupName")) && tracksReservation(p, name) {
			out[str(p, "AutoScalingGroupName")] = append(out[str(p, "AutoScalingGroupName")], driver{policy: p})
		}
	}
	return out
}

// suspended says whether the group's process (Launch, Terminate) is
// suspended, as one does to stop a group from scaling for a while.
func suspended(g world.Object, process string) bool {
	for _, p := range objs(g, "SuspendedProcesses") {
		if str(p, "ProcessName") == process || str(p, "ProcessName") == "AlarmNotification" {
			return true
		}
	}
	return false
}

// groupByRef finds a group by the ARN (or name) a capacity provider gives.
func (s *Server) groupByRef(ref string) map[string]any {
	if ref == "" {
		return nil
	}
	for _, g := range s.w.AutoScalingGroups {
		name := str(g, "AutoScalingGroupName")
		if ref == str(g, "AutoScalingGroupARN") || ref == name || strings.HasSuffix(ref, "autoScalingGroupName/"+name) {
			return g
		}
	}
	return nil
}

// tracksReservation says whether p is an enabled target tracking policy on
// the cluster's CPUReservation or MemoryReservation.
func tracksReservation(p world.Object, cluster string) bool {
	if en, ok := boolean(p, "Enabled"); ok && !en {
		return false
	}
	if policyType(p) != "TargetTrackingScaling" {
		return false
	}
	m := obj(obj(p, "TargetTrackingConfiguration"), "CustomizedMetricSpecification")
	if str(m, "Namespace") != "AWS/ECS" || (str(m, "MetricName") != "CPUReservation" && str(m, "MetricName") != "MemoryReservation") {
		return false
	}
	for _, d := range objs(m, "Dimensions") {
		if str(d, "Name") == "ClusterName" {
			return str(d, "Value") == cluster
		}
	}
	return false
}

// wantedCapacity is the group's capacity that driver d asks for, and
// whether d agrees to scale in (it may not, e.g. DisableScaleIn).
func (s *Server) wantedCapacity(cluster, g world.Object, d driver, desired int64, waiting *waitingTask) (int64, bool) {
	if d.policy != nil {
		tc := obj(d.policy, "TargetTrackingConfiguration")
		target, _ := num(tc, "TargetValue")
		cpu, mem, ok := s.reservation(cluster)
		if !ok || target <= 0 {
			return desired, false
		}
		v := cpu
		if str(obj(tc, "CustomizedMetricSpecification"), "MetricName") == "MemoryReservation" {
			v = mem
		}
		want := int64(math.Ceil(float64(desired)*v/target - 1e-9))
		noIn, _ := boolean(tc, "DisableScaleIn")
		return want, !noIn && v < target*scaleInMargin
	}
	ms := obj(obj(d.provider, "autoScalingGroupProvider"), "managedScaling")
	target, ok := ecsInt(ms["targetCapacity"])
	if !ok || target <= 0 {
		target = 100
	}
	busy := int64(0)
	for _, ci := range s.groupHosts(cluster, g) {
		if n, _ := ecsInt(ci["runningTasksCount"]); n > 0 {
			busy++
		}
	}
	if waiting != nil && (waiting.provider == "" || waiting.provider == ecsS(d.provider, "name")) && s.fitsNewHost(cluster, g, waiting) {
		busy = max(busy, desired) + 1
	}
	want := (busy*100 + target - 1) / target
	if step, ok := ecsInt(ms["maximumScalingStepSize"]); ok && want > desired+step {
		want = desired + step
	}
	return want, true
}

// reservation is the cluster's CPUReservation and MemoryReservation in
// percent, from its ACTIVE container instances; false without any.
func (s *Server) reservation(cluster world.Object) (cpu, mem float64, ok bool) {
	var regC, regM, remC, remM int64
	for _, ci := range s.w.ContainerInstances {
		if !s.inCluster(ci, cluster) || !hostActive(ci) {
			continue
		}
		regC += registered(ci, "CPU")
		regM += registered(ci, "MEMORY")
		remC += remaining(ci, "CPU")
		remM += remaining(ci, "MEMORY")
	}
	if regC == 0 || regM == 0 {
		return 0, 0, false
	}
	return 100 * float64(regC-remC) / float64(regC), 100 * float64(regM-remM) / float64(regM), true
}

func hostActive(ci world.Object) bool {
	st := ecsS(ci, "status")
	return (st == "" || st == "ACTIVE") && ci["agentConnected"] != false
}

func registered(ci world.Object, name string) int64 { return resource(ci, "registeredResources", name) }

// groupHosts are the group's ACTIVE container instances in the cluster.
func (s *Server) groupHosts(cluster, g world.Object) []world.Object {
	ids := map[string]bool{}
	for _, in := range objs(g, "Instances") {
		ids[str(in, "InstanceId")] = true
	}
	var out []world.Object
	for _, ci := range s.w.ContainerInstances {
		if ids[ecsS(ci, "ec2InstanceId")] && s.inCluster(ci, cluster) && hostActive(ci) {
			out = append(out, ci)
		}
	}
	return out
}

// fitsNewHost says whether a host like the group's others would have room
// for the waiting task: more hosts of a size too small help no one.
func (s *Server) fitsNewHost(cluster, g world.Object, w *waitingTask) bool {
	tmpl := s.hostTemplate(cluster, g)
	return registered(tmpl, "CPU") >= w.cpu && registered(tmpl, "MEMORY") >= w.mem
}

// hostTemplate is a container instance a new host of the group is made
// like: one of the group's, else any of the cluster's, else one of the
// group's instance type.
func (s *Server) hostTemplate(cluster, g world.Object) world.Object {
	if hosts := s.groupHosts(cluster, g); len(hosts) > 0 {
		return hosts[0]
	}
	for _, ci := range s.w.ContainerInstances {
		if s.inCluster(ci, cluster) {
			return ci
		}
	}
	typ := str(g, "InstanceType")
	for _, in := range objs(g, "Instances") {
		if typ == "" {
			typ = str(in, "InstanceType")
		}
	}
	size, ok := instanceSizes[typ]
	if !ok {
		typ, size = "t3.medium", instanceSizes["t3.medium"]
	}
	res := func(name string, n int64) any {
		return map[string]any{"name": name, "type": "INTEGER", "integerValue": n}
	}
	return world.Object{
		"registeredResources": []any{res("CPU", size[0]), res("MEMORY", size[1])},
		"attributes":          []any{map[string]any{"name": "ecs.instance-type", "value": typ}, map[string]any{"name": "ecs.os-type", "value": "linux"}},
	}
}

// instanceSizes are the CPU units and the memory (MiB) ECS registers for
// a few instance types, for a group with no host to copy. The memory is
// what the ECS agent sees, a little under the type's.
var instanceSizes = map[string][2]int64{
	"t3.micro": {2048, 944}, "t3.small": {2048, 1904}, "t3.medium": {2048, 3904}, "t3.large": {2048, 7854},
	"t3.xlarge": {4096, 15809}, "m5.large": {2048, 7680}, "m5.xlarge": {4096, 15577},
	"c5.large": {2048, 3704}, "c5.xlarge": {4096, 7482}, "r5.large": {2048, 15728},
}

// launchHost adds one host to the group and registers it in the cluster;
// false when the group has no room.
func (s *Server) launchHost(cluster, g world.Object, why driver, now time.Time) bool {
	desired, _ := ecsInt(g["DesiredCapacity"])
	if hi, ok := ecsInt(g["MaxSize"]); ok && desired >= hi {
		return false
	}
	tmpl := s.hostTemplate(cluster, g)
	zone := s.quietZone(g)
	h := s.newID("")
	id := "i-0" + h[len(h)-16:]
	clusterName := ecsS(cluster, "clusterName")
	ci := world.Object{}
	for _, k := range []string{"versionInfo", "registeredResources", "tags"} {
		if v, ok := tmpl[k]; ok {
			ci[k] = ecsCopy(v)
		}
	}
	typ := ""
	attrs := []any{}
	for _, a := range ecsList(tmpl, "attributes") {
		a = ecsCopyObj(a)
		switch ecsS(a, "name") {
		case "ecs.availability-zone":
			a["value"] = zone
		case "ecs.instance-type":
			typ = ecsS(a, "value")
		}
		attrs = append(attrs, a)
	}
	ci["containerInstanceArn"] = s.arn("ecs", "container-instance/"+clusterName+"/"+h[len(h)-32:])
	ci["ec2InstanceId"] = id
	ci["version"] = int64(1)
	ci["remainingResources"] = ecsCopy(tmpl["registeredResources"])
	ci["status"], ci["agentConnected"] = "ACTIVE", true
	ci["runningTasksCount"], ci["pendingTasksCount"] = int64(0), int64(0)
	ci["attributes"] = attrs
	ci["registeredAt"] = now
	ci["attachments"] = []any{}
	if why.provider != nil {
		ci["capacityProviderName"] = ecsS(why.provider, "name")
	} else if cp := ecsS(tmpl, "capacityProviderName"); cp != "" {
		ci["capacityProviderName"] = cp
	}
	s.w.ContainerInstances = append(s.w.ContainerInstances, ci)
	s.bumpCluster(ecsS(cluster, "clusterArn"), "registeredContainerInstancesCount", 1)

	member := map[string]any{
		"InstanceId": id, "InstanceType": typ, "AvailabilityZone": zone, "LifecycleState": "InService",
		"HealthStatus": "Healthy", "ProtectedFromScaleIn": g["NewInstancesProtectedFromScaleIn"] == true,
	}
	if lt, ok := g["LaunchTemplate"]; ok {
		member["LaunchTemplate"] = ecsCopy(lt)
	}
	s.resizeGroup(g, desired+1, func(next map[string]any) {
		next["Instances"] = append(ecsCopy(next["Instances"]).([]any), member)
	})
	s.recordActivity(g, why, desired, desired+1, "Launching a new EC2 instance: "+id, now)
	s.recordReservation(cluster, now)
	return true
}

// terminateIdleHost deregisters the newest host of the group that runs no
// task and takes it out of the group.
func (s *Server) terminateIdleHost(cluster, g world.Object, why driver, now time.Time) {
	protected := map[string]bool{}
	for _, in := range objs(g, "Instances") {
		if in["ProtectedFromScaleIn"] == true {
			protected[str(in, "InstanceId")] = true
		}
	}
	hosts := s.groupHosts(cluster, g)
	for i := len(hosts) - 1; i >= 0; i-- {
		ci := hosts[i]
		id := ecsS(ci, "ec2InstanceId")
		if n, _ := ecsInt(ci["runningTasksCount"]); n > 0 || protected[id] {
			continue
		}
		ci["status"], ci["agentConnected"] = "INACTIVE", false
		ci["deregisteredAt"] = now
		s.bumpCluster(ecsS(cluster, "clusterArn"), "registeredContainerInstancesCount", -1)
		desired, _ := ecsInt(g["DesiredCapacity"])
		s.resizeGroup(g, desired-1, func(next map[string]any) {
			var keep []any
			for _, in := range objs(next, "Instances") {
				if str(in, "InstanceId") != id {
					keep = append(keep, in)
				}
			}
			next["Instances"] = keep
		})
		s.recordActivity(g, why, desired, desired-1, "Terminating EC2 instance: "+id, now)
		s.recordReservation(cluster, now)
		return
	}
}

// resizeGroup stores a changed copy of the group: an answer already
// handed out keeps its values (see setDesiredCapacity).
func (s *Server) resizeGroup(g world.Object, desired int64, edit func(next map[string]any)) {
	name := str(g, "AutoScalingGroupName")
	i := slices.IndexFunc(s.w.AutoScalingGroups, func(o map[string]any) bool { return str(o, "AutoScalingGroupName") == name })
	next := ecsCopyObj(g)
	next["DesiredCapacity"] = desired
	edit(next)
	s.w.AutoScalingGroups[i] = next
}

// quietZone is the group's Availability Zone with the fewest instances,
// where Auto Scaling puts a new one to keep the zones balanced.
func (s *Server) quietZone(g world.Object) string {
	count := map[string]int{}
	for _, in := range objs(g, "Instances") {
		count[str(in, "AvailabilityZone")]++
	}
	zones := anyStrings(g["AvailabilityZones"])
	if len(zones) == 0 {
		return s.zoneOf(nil)
	}
	best := zones[0]
	for _, z := range zones[1:] {
		if count[z] < count[best] {
			best = z
		}
	}
	return best
}

// recordActivity keeps a scaling activity for DescribeScalingActivities,
// worded as Auto Scaling words it, newest first.
func (s *Server) recordActivity(g world.Object, why driver, from, to int64, desc string, now time.Time) {
	policy, alarm := "", "AlarmHigh"
	if to < from {
		alarm = "AlarmLow"
	}
	if why.policy != nil {
		policy = str(why.policy, "PolicyName")
		for _, a := range objs(why.policy, "Alarms") {
			if strings.Contains(str(a, "AlarmName"), alarm) {
				alarm = str(a, "AlarmName")
			}
		}
	} else {
		policy = "ECSManagedAutoScalingPolicy-" + ecsS(why.provider, "name")
	}
	verb, dir := "increasing", "started"
	if to < from {
		verb, dir = "decreasing", "taken out of service"
	}
	at := now.UTC().Format(time.RFC3339)
	cause := fmt.Sprintf("At %s a monitor alarm %s in state ALARM triggered policy %s changing the desired capacity from %d to %d. "+
		"At %s an instance was %s in response to a difference between desired and actual capacity, %s the capacity from %d to %d.",
		at, alarm, policy, from, to, at, dir, verb, from, to)
	act := map[string]any{
		"ActivityId": uuid(s), "AutoScalingGroupName": str(g, "AutoScalingGroupName"), "AutoScalingGroupARN": str(g, "AutoScalingGroupARN"),
		"Description": desc, "Cause": cause, "StartTime": now, "EndTime": now,
		"StatusCode": "Successful", "Progress": int64(100), "Details": "{}",
	}
	s.activities = append([]map[string]any{act}, s.activities...)
}

// waitingFor is the task of deployment p that the scheduler could not
// place.
func (s *Server) waitingFor(svc world.Object, p map[string]any) waitingTask {
	td, _ := s.findTaskDef(ecsS(p, "taskDefinition"))
	cpu, mem := taskNeeds(td)
	w := waitingTask{cluster: s.clusterArnOf(svc), cpu: cpu, mem: mem}
	if cps := ecsList(p, "capacityProviderStrategy"); len(cps) > 0 {
		w.provider = ecsS(cps[0], "capacityProvider")
	}
	return w
}
