package commands

import (
	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsmedic/ecsmedic/aws"
)

// growth says whether a cluster can add hosts by itself.
type growth struct {
	EC2      bool   // it has hosts (container instances or capacity providers with an ASG)
	Managed  bool   // a capacity provider has managed scaling on
	Policy   bool   // an enabled EC2 Auto Scaling policy follows CPU or memory reservation
	Headroom bool   // it scales, and the group that would grow has room (max > desired)
	Max      int    // of that group
	Desired  int    //
	Group    string // its name
}

// CanGrow is a way to scale and room to do it.
func (g growth) CanGrow() bool { return (g.Managed || g.Policy) && g.Headroom }

// clusterGrowth applies the rule of aws.Scaling, the one why and the change
// planner use, and names the group that would grow.
func clusterGrowth(snap *aws.ClusterSnapshot) growth {
	s := aws.ReservationScaling(snap.CapacityOf())
	g := growth{EC2: s.EC2, Managed: len(s.Managed) > 0, Policy: s.PolicyOn()}
	// The summary names the group, so one it cannot see does not count.
	if a := s.Grower(); a != nil {
		g.Headroom = s.CanGrow()
		g.Group, g.Max, g.Desired = awssdk.ToString(a.AutoScalingGroupName), int(awssdk.ToInt32(a.MaxSize)), int(awssdk.ToInt32(a.DesiredCapacity))
	}
	return g
}
