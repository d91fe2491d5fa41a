package change

import (
	"context"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

// clusterView is what placement and reservation scaling need of a cluster.
type clusterView struct {
	Name              string
	Cluster           ecstypes.Cluster
	Instances         []ecstypes.ContainerInstance
	CapacityProviders []ecstypes.CapacityProvider // the cluster's, with an Auto Scaling group
	ASGs              []asgtypes.AutoScalingGroup
	Policies          []asgtypes.ScalingPolicy
	CPUReservation    float64 // the latest AWS/ECS CPUReservation, %
	HasReservation    bool
}

func viewOf(name string, c ecstypes.Cluster, cis []ecstypes.ContainerInstance, cps []ecstypes.CapacityProvider,
	asgs []asgtypes.AutoScalingGroup, pols []asgtypes.ScalingPolicy, metrics map[string]aws.Series) clusterView {
	v := clusterView{Name: name, Cluster: c, Instances: cis, ASGs: asgs, Policies: pols}
	for _, cp := range cps {
		if cp.AutoScalingGroupProvider != nil {
			v.CapacityProviders = append(v.CapacityProviders, cp)
		}
	}
	if s, ok := metrics[aws.MetricClusterCPURes]; ok && len(s.Points) > 0 {
		v.CPUReservation, v.HasReservation = s.Points[len(s.Points)-1].V, true
	}
	return v
}

func serviceView(snap *aws.ServiceSnapshot, cluster string) clusterView {
	return viewOf(cluster, snap.Cluster, snap.ContainerInstances, snap.CapacityProviders, snap.AutoScalingGroups, snap.AutoScalingPolicies, snap.Metrics)
}

// gatherCluster reads the cluster for reservation scaling. services are the
// cluster's configured services, read to keep the summary small.
func (e *Engine) gatherCluster(ctx context.Context, cluster string, services []string) (clusterView, error) {
	now := e.now()
	snap, err := e.aws.GatherSummary(ctx, cluster, services, now.Add(-30*time.Minute), now)
	if err != nil {
		return clusterView{}, err
	}
	return viewOf(cluster, snap.Cluster, snap.ContainerInstances, snap.CapacityProviders, snap.AutoScalingGroups, snap.AutoScalingPolicies, snap.Metrics), nil
}

// active are the instances tasks can be placed on.
func (v clusterView) active() []ecstypes.ContainerInstance {
	var out []ecstypes.ContainerInstance
	for _, ci := range v.Instances {
		if st := awssdk.ToString(ci.Status); (st == "" || st == "ACTIVE") && ci.AgentConnected {
			out = append(out, ci)
		}
	}
	return out
}

func resource(rs []ecstypes.Resource, name string) int {
	for _, r := range rs {
		if awssdk.ToString(r.Name) == name {
			return int(r.IntegerValue)
		}
	}
	return 0
}

func instanceID(ci ecstypes.ContainerInstance) string {
	if id := awssdk.ToString(ci.Ec2InstanceId); id != "" {
		return id
	}
	return revName(awssdk.ToString(ci.ContainerInstanceArn))
}

// asgOf finds the Auto Scaling group that adds the cluster's instances:
// its capacity provider's, else the one holding its container instances.
func (v clusterView) asgOf(cp *ecstypes.CapacityProvider) *asgtypes.AutoScalingGroup {
	if cp != nil && cp.AutoScalingGroupProvider != nil {
		ref := awssdk.ToString(cp.AutoScalingGroupProvider.AutoScalingGroupArn)
		for i, g := range v.ASGs {
			if awssdk.ToString(g.AutoScalingGroupARN) == ref || awssdk.ToString(g.AutoScalingGroupName) == ref ||
				strings.HasSuffix(ref, "autoScalingGroupName/"+awssdk.ToString(g.AutoScalingGroupName)) {
				return &v.ASGs[i]
			}
		}
		return nil
	}
	ids := map[string]bool{}
	for _, ci := range v.Instances {
		ids[awssdk.ToString(ci.Ec2InstanceId)] = true
	}
	for i, g := range v.ASGs {
		for _, in := range g.Instances {
			if ids[awssdk.ToString(in.InstanceId)] {
				return &v.ASGs[i]
			}
		}
	}
	// A group named after the cluster, for a cluster with no instance yet.
	for i, g := range v.ASGs {
		if strings.Contains(awssdk.ToString(g.AutoScalingGroupName), v.Name) {
			return &v.ASGs[i]
		}
	}
	return nil
}

// reservationPolicy is the group's target tracking policy on the
// cluster's CPUReservation, if any.
func (v clusterView) reservationPolicy(g *asgtypes.AutoScalingGroup) *asgtypes.ScalingPolicy {
	for i, p := range v.Policies {
		if awssdk.ToString(p.AutoScalingGroupName) != awssdk.ToString(g.AutoScalingGroupName) || p.TargetTrackingConfiguration == nil {
			continue
		}
		m := p.TargetTrackingConfiguration.CustomizedMetricSpecification
		if m == nil || awssdk.ToString(m.MetricName) != "CPUReservation" || awssdk.ToString(m.Namespace) != "AWS/ECS" {
			continue
		}
		for _, d := range m.Dimensions {
			if awssdk.ToString(d.Name) == "ClusterName" && awssdk.ToString(d.Value) == v.Name {
				return &v.Policies[i]
			}
		}
	}
	return nil
}

// scalingOn reports whether any enabled policy scales the group.
func (v clusterView) scalingOn(g *asgtypes.AutoScalingGroup) (*asgtypes.ScalingPolicy, bool) {
	for i, p := range v.Policies {
		if awssdk.ToString(p.AutoScalingGroupName) == awssdk.ToString(g.AutoScalingGroupName) && (p.Enabled == nil || *p.Enabled) {
			return &v.Policies[i], true
		}
	}
	return nil, false
}

func managedScalingOn(cp ecstypes.CapacityProvider) bool {
	p := cp.AutoScalingGroupProvider
	return p != nil && p.ManagedScaling != nil && p.ManagedScaling.Status == ecstypes.ManagedScalingStatusEnabled
}
