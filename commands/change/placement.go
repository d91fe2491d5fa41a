package change

import (
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

// placement checks whether n new tasks of size need can be placed on the
// cluster's EC2 instances now, beside the tasks that run (a rolling
// deployment starts the new task before it stops an old one when the
// service's maximum percent allows), or once the Auto Scaling group or the
// capacity provider adds an instance.
func placement(p *Plan, snap *aws.ServiceSnapshot, v clusterView, need size, n int, replacing bool) {
	const name = "check.placement"
	if n <= 0 {
		p.pass(name, T("reason.place.no_tasks"))
		return
	}
	if need.CPU == 0 && need.Mem == 0 {
		p.pass(name, T("reason.place.no_size"))
		return
	}
	act := v.active()
	fits := 0
	var best *ecstypes.ContainerInstance
	for i, ci := range act {
		c, m := resource(ci.RemainingResources, "CPU"), resource(ci.RemainingResources, "MEMORY")
		fits += slots(c, m, need)
		if best == nil || c > resource(best.RemainingResources, "CPU") {
			best = &act[i]
		}
	}
	bestText := T("reason.place.none_registered")
	if best != nil {
		bestText = T("reason.place.most_free", "CPU", resource(best.RemainingResources, "CPU"), "Mem", resource(best.RemainingResources, "MEMORY"), "Instance", instanceID(*best))
	}
	if fits >= n {
		ci := firstFit(act, need)
		p.pass(name, T("reason.place.fits", "N", n, "CPU", need.CPU, "Mem", need.Mem, "Instance", instanceID(ci),
			"FreeCPU", resource(ci.RemainingResources, "CPU"), "FreeMem", resource(ci.RemainingResources, "MEMORY")))
		return
	}
	// With a minimum healthy percent below 100, ECS may stop an old task
	// first and use its room.
	if replacing && stopFirst(snap.Service) {
		for _, t := range snap.Running {
			old := taskSize(snap, t)
			for _, ci := range act {
				if awssdk.ToString(ci.ContainerInstanceArn) != awssdk.ToString(t.ContainerInstanceArn) {
					continue
				}
				c := resource(ci.RemainingResources, "CPU") + old.CPU
				m := resource(ci.RemainingResources, "MEMORY") + old.Mem
				if slots(c, m, need) > 0 {
					p.pass(name, T("reason.place.after_stop", "CPU", need.CPU, "Mem", need.Mem, "Instance", instanceID(ci),
						"MinHealthy", minHealthy(snap.Service)))
					return
				}
			}
		}
	}
	ok, why := v.canAdd(need)
	if ok {
		p.pass(name, why)
		if v.HasReservation && len(v.CapacityProviders) == 0 {
			if pol := v.reservationPolicyOf(); pol != nil && aws.IsCPUReservationTracking(*pol, v.Name) {
				target := awssdk.ToFloat64(pol.TargetTrackingConfiguration.TargetValue)
				if v.CPUReservation < target {
					p.note(T("note.reservation_below_target", "Now", pct(v.CPUReservation), "Target", pct(target)))
				} else {
					p.note(T("note.reservation_above", "Now", pct(v.CPUReservation), "Target", pct(target)))
					p.note(T("note.waits_for_host"))
				}
			}
		}
		return
	}
	p.fail(name, T("reason.place.cannot", "N", n, "CPU", need.CPU, "Mem", need.Mem, "Best", bestText, "Why", why))
}

// reservationPolicyOf is the reservation policy of the group that would
// grow, if any.
func (v clusterView) reservationPolicyOf() *asgtypes.ScalingPolicy {
	s := v.scaling()
	g := s.Grower()
	if g == nil {
		return nil
	}
	return s.Policy(awssdk.ToString(g.AutoScalingGroupName))
}

func pct(f float64) string { return fmt.Sprintf("%.0f %%", f) }

// slots is how many tasks of size need fit in cpu/mem.
func slots(cpu, mem int, need size) int {
	n := 1 << 20
	if need.CPU > 0 {
		n = min(n, cpu/need.CPU)
	}
	if need.Mem > 0 {
		n = min(n, mem/need.Mem)
	}
	return max(n, 0)
}

func firstFit(act []ecstypes.ContainerInstance, need size) ecstypes.ContainerInstance {
	var best ecstypes.ContainerInstance
	bestCPU := -1
	for _, ci := range act {
		c, m := resource(ci.RemainingResources, "CPU"), resource(ci.RemainingResources, "MEMORY")
		if slots(c, m, need) > 0 && c > bestCPU {
			best, bestCPU = ci, c
		}
	}
	return best
}

func minHealthy(svc ecstypes.Service) int {
	if dc := svc.DeploymentConfiguration; dc != nil && dc.MinimumHealthyPercent != nil {
		return int(*dc.MinimumHealthyPercent)
	}
	return 100
}

// stopFirst reports whether ECS may stop an old task before starting its
// replacement: the minimum healthy count, rounded up, is below desired.
func stopFirst(svc ecstypes.Service) bool {
	d := int(svc.DesiredCount)
	keep := (d*minHealthy(svc) + 99) / 100
	return keep < d
}

func taskSize(snap *aws.ServiceSnapshot, t ecstypes.Task) size {
	if td, ok := snap.TaskDefinitions[awssdk.ToString(t.TaskDefinitionArn)]; ok {
		return tdSize(td)
	}
	c, _ := atoiPtr(t.Cpu)
	m, _ := atoiPtr(t.Memory)
	return size{CPU: c, Mem: m}
}

// canAdd says whether the cluster can get an instance that holds a task of
// size need, and why (or why not).
func (v clusterView) canAdd(need size) (bool, Text) {
	// Instances the group launches are like the ones it has: the task must
	// fit in one of them, empty.
	largest := size{}
	for _, ci := range v.Instances {
		c, m := resource(ci.RegisteredResources, "CPU"), resource(ci.RegisteredResources, "MEMORY")
		if c > largest.CPU || (c == largest.CPU && m > largest.Mem) {
			largest = size{c, m}
		}
	}
	if largest.CPU > 0 && slots(largest.CPU, largest.Mem, need) == 0 {
		return false, T("reason.add.too_big", "CPU", largest.CPU, "Mem", largest.Mem)
	}
	// Whether the cluster grows is aws.Scaling's rule, the one why and the
	// summary apply; here it also says how, or why not.
	rs := v.scaling()
	if rs.CanGrow() {
		for i := range rs.Managed {
			cp := &rs.Managed[i]
			g := v.asgOf(cp)
			if g == nil {
				return true, T("reason.add.cp_on", "Provider", awssdk.ToString(cp.Name), "Max", "?")
			}
			if awssdk.ToInt32(g.MaxSize) > awssdk.ToInt32(g.DesiredCapacity) {
				return true, T("reason.add.cp_on", "Provider", awssdk.ToString(cp.Name), "Max", fmt.Sprint(awssdk.ToInt32(g.MaxSize)))
			}
		}
		g := rs.Grower()
		return true, T("reason.add.asg_on", "Group", awssdk.ToString(g.AutoScalingGroupName), "Max", awssdk.ToInt32(g.MaxSize), "Now", awssdk.ToInt32(g.DesiredCapacity))
	}
	if !rs.On() && len(rs.Providers) > 0 {
		return false, T("reason.add.cp_off", "Provider", awssdk.ToString(rs.Providers[0].Name))
	}
	g := rs.Grower()
	if g == nil {
		return false, T("reason.add.no_group")
	}
	gname := awssdk.ToString(g.AutoScalingGroupName)
	if !rs.On() {
		return false, T("reason.add.scaling_off", "Group", gname)
	}
	return false, T("reason.add.at_max", "Group", gname, "Max", awssdk.ToInt32(g.MaxSize))
}
