package commands

import (
	"strings"

	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

// growth says whether a cluster can add hosts by itself.
type growth struct {
	EC2      bool   // it has hosts (container instances or capacity providers with an ASG)
	Managed  bool   // a capacity provider has managed scaling on
	Policy   bool   // an enabled EC2 Auto Scaling policy follows CPU or memory reservation
	Headroom bool   // an Auto Scaling group of the cluster may grow (max > desired)
	Max      int    // of the group with the most headroom
	Desired  int    //
	Group    string // its name
}

// CanGrow is a way to scale and room to do it.
func (g growth) CanGrow() bool { return (g.Managed || g.Policy) && g.Headroom }

// clusterGrowth reads the cluster's capacity providers, its Auto Scaling
// groups (those behind its capacity providers, else those holding its
// container instances) and their policies. Like the diagnosis, a step or
// simple policy counts when its name or an alarm's name mentions
// "Reservation".
func clusterGrowth(snap *aws.ClusterSnapshot) growth {
	var g growth
	g.EC2 = len(snap.ContainerInstances) > 0 || snap.Cluster.RegisteredContainerInstancesCount > 0
	asgARNs := map[string]bool{}
	for _, cp := range snap.CapacityProviders {
		p := cp.AutoScalingGroupProvider
		if p == nil {
			continue
		}
		g.EC2 = true
		asgARNs[deref(p.AutoScalingGroupArn)] = true
		if p.ManagedScaling != nil && p.ManagedScaling.Status == "ENABLED" {
			g.Managed = true
		}
	}
	instances := map[string]bool{}
	for _, ci := range snap.ContainerInstances {
		instances[deref(ci.Ec2InstanceId)] = true
	}
	groups := map[string]bool{}
	for _, a := range snap.AutoScalingGroups {
		mine := asgARNs[deref(a.AutoScalingGroupARN)] || asgARNs[deref(a.AutoScalingGroupName)]
		for _, in := range a.Instances {
			mine = mine || instances[deref(in.InstanceId)]
		}
		if !mine {
			continue
		}
		name := deref(a.AutoScalingGroupName)
		groups[name] = true
		mx, ds := int(derefInt(a.MaxSize)), int(derefInt(a.DesiredCapacity))
		if g.Group == "" || mx-ds > g.Max-g.Desired {
			g.Group, g.Max, g.Desired = name, mx, ds
		}
		if mx > ds {
			g.Headroom = true
		}
	}
	for _, p := range snap.AutoScalingPolicies {
		if (p.Enabled != nil && !*p.Enabled) || !groups[deref(p.AutoScalingGroupName)] {
			continue
		}
		if reservationPolicy(deref(p.PolicyName), p) {
			g.Policy = true
		}
	}
	return g
}

func reservationPolicy(name string, p asgtypes.ScalingPolicy) bool {
	if tt := p.TargetTrackingConfiguration; tt != nil && tt.CustomizedMetricSpecification != nil {
		c := tt.CustomizedMetricSpecification
		if isReservation(deref(c.MetricName)) {
			return true
		}
		for _, q := range c.Metrics {
			if q.MetricStat != nil && q.MetricStat.Metric != nil && isReservation(deref(q.MetricStat.Metric.MetricName)) {
				return true
			}
		}
	}
	if strings.Contains(strings.ToLower(name), "reservation") {
		return true
	}
	for _, a := range p.Alarms {
		if strings.Contains(strings.ToLower(deref(a.AlarmName)), "reservation") {
			return true
		}
	}
	return false
}

func isReservation(m string) bool { return m == "CPUReservation" || m == "MemoryReservation" }

func derefInt(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
