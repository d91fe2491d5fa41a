package change

import (
	"context"
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
	clients, err := e.clients(ctx)
	if err != nil {
		return clusterView{}, err
	}
	snap, err := clients.GatherSummary(ctx, cluster, services, now.Add(-30*time.Minute), now)
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

// scaling applies the one rule for reservation-based scaling (aws.Scaling),
// which why and the summary share.
func (v clusterView) scaling() aws.Scaling {
	return aws.ReservationScaling(aws.Capacity{Cluster: v.Name, RegisteredInstances: v.Cluster.RegisteredContainerInstancesCount,
		Instances: v.Instances, Providers: v.CapacityProviders, Groups: v.ASGs, Policies: v.Policies})
}

// asgOf finds the capacity provider's Auto Scaling group.
func (v clusterView) asgOf(cp *ecstypes.CapacityProvider) *asgtypes.AutoScalingGroup {
	for i, g := range v.ASGs {
		if aws.GroupOf(*cp, g) {
			return &v.ASGs[i]
		}
	}
	return nil
}
