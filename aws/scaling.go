package aws

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Capacity is what decides whether a cluster adds EC2 hosts by itself:
// the parts of a ServiceSnapshot or ClusterSnapshot that ReservationScaling
// reads.
type Capacity struct {
	Cluster             string // the cluster's name
	RegisteredInstances int32  // the cluster's registeredContainerInstancesCount
	Instances           []ecstypes.ContainerInstance
	Providers           []ecstypes.CapacityProvider // the cluster's
	Groups              []asgtypes.AutoScalingGroup // any of the account's
	Policies            []asgtypes.ScalingPolicy    // any of the account's
}

// CapacityOf picks the capacity of the service's cluster out of a snapshot.
// The cluster is named by the service when it could not be read itself.
func (s *ServiceSnapshot) CapacityOf() Capacity {
	name := aws.ToString(s.Cluster.ClusterName)
	if name == "" {
		name = clusterName(aws.ToString(s.Service.ClusterArn))
	}
	return Capacity{Cluster: name, RegisteredInstances: s.Cluster.RegisteredContainerInstancesCount,
		Instances: s.ContainerInstances, Providers: s.CapacityProviders, Groups: s.AutoScalingGroups, Policies: s.AutoScalingPolicies}
}

// CapacityOf picks the cluster's capacity out of a snapshot.
func (s *ClusterSnapshot) CapacityOf() Capacity {
	return Capacity{Cluster: aws.ToString(s.Cluster.ClusterName), RegisteredInstances: s.Cluster.RegisteredContainerInstancesCount,
		Instances: s.ContainerInstances, Providers: s.CapacityProviders, Groups: s.AutoScalingGroups, Policies: s.AutoScalingPolicies}
}

// Scaling is the answer to "is reservation-based scaling on?" for one
// cluster: the one rule that `why` (the scaling-disabled factor), the daily
// summary and the change planner (`reservation on|off`, placement checks)
// share. It follows what makes AWS add a host when tasks cannot be placed.
// Scaling is on when either holds:
//
//   - A capacity provider of the cluster has managed scaling ENABLED. ECS
//     then runs its own target tracking policy on CapacityProviderReservation
//     (AWS/ECS/ManagedScaling); with managed scaling DISABLED ECS removes that
//     policy and "the user must manage the scaling of the Auto Scaling
//     group" (ECS Developer Guide, cluster-auto-scaling; API ManagedScaling).
//   - One of the cluster's Auto Scaling groups has an enabled policy
//     (Enabled unset counts as on, AWS's default) that follows the cluster's
//     reservation: see FollowsReservation.
//
// A policy follows the reservation when it is target tracking on a
// customized metric AWS/ECS CPUReservation or MemoryReservation (alone or in
// metric math) whose ClusterName is this cluster: those metrics exist only
// per cluster, so a policy on another cluster's, or without the dimension,
// never sees this one fill up. A step or simple policy is driven by a
// CloudWatch alarm the snapshot does not read; it counts when its name or
// one of its alarms' names mentions "reservation" (the ECS tutorial's
// naming). Predefined metrics (ASGAverageCPUUtilization, …) and other
// custom metrics do not count: tasks waiting to be placed use no CPU, so
// the group would not grow for them.
//
// The cluster's groups are those behind its capacity providers and those
// holding its container instances; when neither names one (a cluster with
// no host yet), those whose name contains the cluster's.
//
// On says the cluster would add a host; CanGrow also needs room: the group
// that scales has MaxSize above DesiredCapacity.
type Scaling struct {
	// EC2 says the cluster has EC2 hosts or a capacity provider with an
	// Auto Scaling group; Fargate-only clusters have nothing to scale.
	EC2 bool
	// Providers are the cluster's capacity providers with an Auto Scaling
	// group; Managed those of them with managed scaling ENABLED.
	Providers, Managed []ecstypes.CapacityProvider
	// Groups are the cluster's Auto Scaling groups.
	Groups []asgtypes.AutoScalingGroup
	// Policies are the policies of those groups that follow the
	// reservation, enabled or not, the enabled ones first.
	Policies []asgtypes.ScalingPolicy
}

// ReservationScaling applies the rule of Scaling to a cluster.
func ReservationScaling(c Capacity) Scaling {
	var s Scaling
	s.EC2 = len(c.Instances) > 0 || c.RegisteredInstances > 0
	for _, cp := range c.Providers {
		if cp.AutoScalingGroupProvider == nil {
			continue
		}
		s.EC2 = true
		s.Providers = append(s.Providers, cp)
		if ManagedScalingOn(cp) {
			s.Managed = append(s.Managed, cp)
		}
	}
	s.Groups = clusterGroups(c, s.Providers)
	var off []asgtypes.ScalingPolicy
	for _, p := range c.Policies {
		if !hasGroup(s.Groups, aws.ToString(p.AutoScalingGroupName)) || !FollowsReservation(p, c.Cluster) {
			continue
		}
		if PolicyEnabled(p) {
			s.Policies = append(s.Policies, p)
		} else {
			off = append(off, p)
		}
	}
	s.Policies = append(s.Policies, off...)
	return s
}

// On says the cluster adds a host when its reservation is high.
func (s Scaling) On() bool { return len(s.Managed) > 0 || s.PolicyOn() }

// PolicyOn says an enabled Auto Scaling policy follows the reservation.
func (s Scaling) PolicyOn() bool { return len(s.Policies) > 0 && PolicyEnabled(s.Policies[0]) }

// Policy is the group's reservation policy, an enabled one if any; nil
// when the group has none.
func (s Scaling) Policy(group string) *asgtypes.ScalingPolicy {
	for i, p := range s.Policies {
		if aws.ToString(p.AutoScalingGroupName) == group {
			return &s.Policies[i]
		}
	}
	return nil
}

// Grower is the group that would add the host: of those that scale (behind
// a managed capacity provider or with an enabled reservation policy), the
// one with the most room; when none scales, the cluster's group with the
// most room. Nil when the snapshot holds no group of the cluster.
func (s Scaling) Grower() *asgtypes.AutoScalingGroup {
	var best *asgtypes.AutoScalingGroup
	pick := func(scaling bool) {
		for i := range s.Groups {
			g := &s.Groups[i]
			if scaling && !s.scales(g) {
				continue
			}
			if best == nil || room(g) > room(best) {
				best = g
			}
		}
	}
	pick(true)
	if best == nil {
		pick(false)
	}
	return best
}

// CanGrow is a way to scale and room to do it. A managed capacity provider
// whose group the snapshot lacks is taken to have room: ECS will try.
func (s Scaling) CanGrow() bool {
	if !s.On() {
		return false
	}
	if g := s.Grower(); g != nil && s.scales(g) {
		return room(g) > 0
	}
	return len(s.Managed) > 0
}

// scales says whether the group grows with the reservation.
func (s Scaling) scales(g *asgtypes.AutoScalingGroup) bool {
	for _, cp := range s.Managed {
		if GroupOf(cp, *g) {
			return true
		}
	}
	p := s.Policy(aws.ToString(g.AutoScalingGroupName))
	return p != nil && PolicyEnabled(*p)
}

func room(g *asgtypes.AutoScalingGroup) int32 {
	return aws.ToInt32(g.MaxSize) - aws.ToInt32(g.DesiredCapacity)
}

// ManagedScalingOn says the capacity provider's managed scaling is ENABLED.
func ManagedScalingOn(cp ecstypes.CapacityProvider) bool {
	p := cp.AutoScalingGroupProvider
	return p != nil && p.ManagedScaling != nil && p.ManagedScaling.Status == ecstypes.ManagedScalingStatusEnabled
}

// PolicyEnabled says the policy is on; AWS leaves Enabled true by default.
func PolicyEnabled(p asgtypes.ScalingPolicy) bool { return p.Enabled == nil || *p.Enabled }

// GroupOf says whether g is the capacity provider's group. The provider
// names it by ARN; a world file may give the name.
func GroupOf(cp ecstypes.CapacityProvider, g asgtypes.AutoScalingGroup) bool {
	if cp.AutoScalingGroupProvider == nil {
		return false
	}
	ref, name := aws.ToString(cp.AutoScalingGroupProvider.AutoScalingGroupArn), aws.ToString(g.AutoScalingGroupName)
	return ref != "" && (ref == aws.ToString(g.AutoScalingGroupARN) || ref == name || strings.HasSuffix(ref, "autoScalingGroupName/"+name))
}

// FollowsReservation says whether the policy scales on the cluster's
// CPUReservation or MemoryReservation (see Scaling for the rule).
func FollowsReservation(p asgtypes.ScalingPolicy, cluster string) bool {
	if tt := p.TargetTrackingConfiguration; tt != nil {
		c := tt.CustomizedMetricSpecification
		if c == nil {
			return false
		}
		if reservationMetric(aws.ToString(c.Namespace), aws.ToString(c.MetricName), c.Dimensions, cluster) {
			return true
		}
		for _, q := range c.Metrics {
			if m := q.MetricStat; m != nil && m.Metric != nil &&
				reservationMetric(aws.ToString(m.Metric.Namespace), aws.ToString(m.Metric.MetricName), m.Metric.Dimensions, cluster) {
				return true
			}
		}
		return false
	}
	if containsFold(aws.ToString(p.PolicyName), "reservation") {
		return true
	}
	for _, a := range p.Alarms {
		if containsFold(aws.ToString(a.AlarmName), "reservation") {
			return true
		}
	}
	return false
}

// IsCPUReservationTracking says the policy is target tracking on the
// cluster's CPUReservation: the kind `reservation on` creates and retargets.
func IsCPUReservationTracking(p asgtypes.ScalingPolicy, cluster string) bool {
	tt := p.TargetTrackingConfiguration
	return tt != nil && tt.CustomizedMetricSpecification != nil && aws.ToString(tt.CustomizedMetricSpecification.MetricName) == "CPUReservation" &&
		FollowsReservation(p, cluster)
}

func reservationMetric(ns, name string, dims []asgtypes.MetricDimension, cluster string) bool {
	if ns != "AWS/ECS" || (name != "CPUReservation" && name != "MemoryReservation") {
		return false
	}
	for _, d := range dims {
		if aws.ToString(d.Name) == "ClusterName" {
			return aws.ToString(d.Value) == cluster
		}
	}
	return false
}

// clusterGroups are the cluster's Auto Scaling groups (see Scaling).
func clusterGroups(c Capacity, providers []ecstypes.CapacityProvider) []asgtypes.AutoScalingGroup {
	instances := map[string]bool{}
	for _, ci := range c.Instances {
		if id := aws.ToString(ci.Ec2InstanceId); id != "" {
			instances[id] = true
		}
	}
	var out []asgtypes.AutoScalingGroup
	for _, g := range c.Groups {
		mine := false
		for _, cp := range providers {
			mine = mine || GroupOf(cp, g)
		}
		for _, in := range g.Instances {
			mine = mine || instances[aws.ToString(in.InstanceId)]
		}
		if mine {
			out = append(out, g)
		}
	}
	if len(out) > 0 || c.Cluster == "" {
		return out
	}
	for _, g := range c.Groups {
		if strings.Contains(aws.ToString(g.AutoScalingGroupName), c.Cluster) {
			out = append(out, g)
		}
	}
	return out
}

func hasGroup(gs []asgtypes.AutoScalingGroup, name string) bool {
	for _, g := range gs {
		if aws.ToString(g.AutoScalingGroupName) == name {
			return true
		}
	}
	return false
}

func containsFold(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }
