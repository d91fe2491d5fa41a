package sim

import (
	"fmt"
	"math"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

const tASGArn = "arn:aws:autoscaling:ap-northeast-2:111122223333:autoScalingGroup:x:autoScalingGroupName/club-asg"

// scalingWorld is the club's small world with its host in the group
// club-asg (min 1, max 2, one host), scaling off.
func scalingWorld() *world.World {
	w := ecsTestWorld()
	w.AutoScalingGroups = []world.Object{{
		"AutoScalingGroupName": "club-asg", "AutoScalingGroupARN": tASGArn,
		"MinSize": int64(1), "MaxSize": int64(2), "DesiredCapacity": int64(1),
		"AvailabilityZones": []any{"ap-northeast-2a", "ap-northeast-2c"},
		"Instances": []any{map[string]any{"InstanceId": "i-0abc", "InstanceType": "t3.medium", "AvailabilityZone": "ap-northeast-2a",
			"LifecycleState": "InService", "HealthStatus": "Healthy", "ProtectedFromScaleIn": false}},
	}}
	return w
}

// trackingPolicy is an enabled target tracking policy of club-asg on the
// cluster's metric.
func trackingPolicy(metric string, target float64) world.Object {
	return world.Object{
		"AutoScalingGroupName": "club-asg", "PolicyName": "club-" + metric, "PolicyType": "TargetTrackingScaling", "Enabled": true,
		"Alarms": []any{map[string]any{"AlarmName": "TargetTracking-club-asg-AlarmHigh-1"}, map[string]any{"AlarmName": "TargetTracking-club-asg-AlarmLow-1"}},
		"TargetTrackingConfiguration": map[string]any{"TargetValue": target, "DisableScaleIn": false,
			"CustomizedMetricSpecification": map[string]any{"MetricName": metric, "Namespace": "AWS/ECS", "Statistic": "Average",
				"Dimensions": []any{map[string]any{"Name": "ClusterName", "Value": "club"}}}},
	}
}

// setRemaining sets the host's free CPU and memory.
func setRemaining(w *world.World, cpu, mem int64) {
	w.ContainerInstances[0]["remainingResources"] = []any{
		map[string]any{"name": "CPU", "type": "INTEGER", "integerValue": cpu},
		map[string]any{"name": "MEMORY", "type": "INTEGER", "integerValue": mem},
	}
}

// capacityView is what a scaling test compares: the cluster's hosts, the
// group and its activities, and where the backend's deployment stands.
type capacityView struct {
	Hosts      []string // ACTIVE container instances: EC2 id, free CPU/memory
	Registered int32
	Desired    int32
	Members    int
	Activities []string
	Backend    string // the PRIMARY deployment: task definition, running of desired
}

func viewCapacity(t *testing.T, c *ecs.Client, as *autoscaling.Client) capacityView {
	t.Helper()
	var v capacityView
	// Read first: reading the service is what moves the simulator on.
	svc, err := c.DescribeServices(bg, &ecs.DescribeServicesInput{Cluster: aws.String("club"), Services: []string{"backend"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range svc.Services[0].Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			v.Backend = fmt.Sprintf("%s %d of %d", ecsLast(aws.ToString(d.TaskDefinition)), d.RunningCount, d.DesiredCount)
		}
	}
	list, err := c.ListContainerInstances(bg, &ecs.ListContainerInstancesInput{Cluster: aws.String("club"), Status: types.ContainerInstanceStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.ContainerInstanceArns) > 0 {
		d, err := c.DescribeContainerInstances(bg, &ecs.DescribeContainerInstancesInput{Cluster: aws.String("club"), ContainerInstances: list.ContainerInstanceArns})
		if err != nil {
			t.Fatal(err)
		}
		for _, ci := range d.ContainerInstances {
			free := map[string]int32{}
			for _, r := range ci.RemainingResources {
				free[aws.ToString(r.Name)] = r.IntegerValue
			}
			v.Hosts = append(v.Hosts, fmt.Sprintf("%s %d/%d", maskInstance(aws.ToString(ci.Ec2InstanceId)), free["CPU"], free["MEMORY"]))
		}
	}
	cl, err := c.DescribeClusters(bg, &ecs.DescribeClustersInput{Clusters: []string{"club"}})
	if err != nil {
		t.Fatal(err)
	}
	v.Registered = cl.Clusters[0].RegisteredContainerInstancesCount
	g, err := as.DescribeAutoScalingGroups(bg, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"club-asg"}})
	if err != nil {
		t.Fatal(err)
	}
	v.Desired, v.Members = aws.ToInt32(g.AutoScalingGroups[0].DesiredCapacity), len(g.AutoScalingGroups[0].Instances)
	acts, err := as.DescribeScalingActivities(bg, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("club-asg")})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts.Activities {
		v.Activities = append(v.Activities, maskInstance(aws.ToString(a.Description)))
	}
	return v
}

// newInstanceID matches the EC2 ids the simulator makes up.
var newInstanceID = regexp.MustCompile(`i-0[0-9a-f]{16}`)

func maskInstance(s string) string { return newInstanceID.ReplaceAllString(s, "i-NEW") }

// scalingSim serves w on loopback, with ECS and Auto Scaling clients.
func scalingSim(t *testing.T, w *world.World, opts Options) (*Server, *ecs.Client, *autoscaling.Client) {
	s, url := scalingServe(t, w, opts)
	cfg := opsConfig()
	return s, ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = aws.String(url) }),
		autoscaling.NewFromConfig(cfg, func(o *autoscaling.Options) { o.BaseEndpoint = aws.String(url) })
}

func scalingServe(t *testing.T, w *world.World, opts Options) (*Server, string) {
	t.Helper()
	s := New(w, opts)
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, url
}

// TestScaleOutForWaitingTask: the backend moves to a 1024-unit task that no
// host has room for. Where the group's scaling is on and it has room, the
// step that cannot place the task adds a host, and the next step places
// the task there; otherwise the task keeps waiting.
func TestScaleOutForWaitingTask(t *testing.T) {
	t.Parallel()
	const grown = "Launching a new EC2 instance: i-NEW"
	tests := []struct {
		name  string
		world func(w *world.World)
		want  capacityView
	}{
		{"target tracking on CPUReservation", func(w *world.World) {
			setRemaining(w, 256, 2880) // 87.5 % of the CPU reserved, target 50 %
			w.AutoScalingPolicies = []world.Object{trackingPolicy("CPUReservation", 50)}
		}, capacityView{Hosts: []string{"i-0abc 256/2880", "i-NEW 1024/2880"}, Registered: 2, Desired: 2, Members: 2,
			Activities: []string{grown}, Backend: "backend:2 1 of 1"}},
		{"target tracking on MemoryReservation", func(w *world.World) {
			setRemaining(w, 256, 880) // 77 % of the memory reserved
			w.AutoScalingPolicies = []world.Object{trackingPolicy("MemoryReservation", 60)}
		}, capacityView{Hosts: []string{"i-0abc 256/880", "i-NEW 1024/2880"}, Registered: 2, Desired: 2, Members: 2,
			Activities: []string{grown}, Backend: "backend:2 1 of 1"}},
		{"capacity provider managed scaling", func(w *world.World) {
			setRemaining(w, 256, 2880) // a CPUReservation policy would not matter: there is none
			ms := w.CapacityProviders[0]["autoScalingGroupProvider"].(map[string]any)["managedScaling"].(map[string]any)
			ms["status"] = "ENABLED"
		}, capacityView{Hosts: []string{"i-0abc 256/2880", "i-NEW 1024/2880"}, Registered: 2, Desired: 2, Members: 2,
			Activities: []string{grown}, Backend: "backend:2 1 of 1"}},
		{"at max: no new host", func(w *world.World) {
			setRemaining(w, 256, 2880)
			w.AutoScalingGroups[0]["MaxSize"] = int64(1)
			w.AutoScalingPolicies = []world.Object{trackingPolicy("CPUReservation", 50)}
		}, capacityView{Hosts: []string{"i-0abc 256/2880"}, Registered: 1, Desired: 1, Members: 1, Backend: "backend:2 0 of 1"}},
		{"reservation below target: no new host", func(w *world.World) {
			setRemaining(w, 256, 2880)
			w.AutoScalingPolicies = []world.Object{trackingPolicy("CPUReservation", 90)}
		}, capacityView{Hosts: []string{"i-0abc 256/2880"}, Registered: 1, Desired: 1, Members: 1, Backend: "backend:2 0 of 1"}},
		{"policy disabled: no new host", func(w *world.World) {
			setRemaining(w, 256, 2880)
			p := trackingPolicy("CPUReservation", 50)
			p["Enabled"] = false
			w.AutoScalingPolicies = []world.Object{p}
		}, capacityView{Hosts: []string{"i-0abc 256/2880"}, Registered: 1, Desired: 1, Members: 1, Backend: "backend:2 0 of 1"}},
		{"policy on another cluster: no new host", func(w *world.World) {
			setRemaining(w, 256, 2880)
			p := trackingPolicy("CPUReservation", 50)
			p["TargetTrackingConfiguration"].(map[string]any)["CustomizedMetricSpecification"].(map[string]any)["Dimensions"] =
				[]any{map[string]any{"Name": "ClusterName", "Value": "other"}}
			w.AutoScalingPolicies = []world.Object{p}
		}, capacityView{Hosts: []string{"i-0abc 256/2880"}, Registered: 1, Desired: 1, Members: 1, Backend: "backend:2 0 of 1"}},
		{"launch suspended: no new host", func(w *world.World) {
			setRemaining(w, 256, 2880)
			w.AutoScalingGroups[0]["SuspendedProcesses"] = []any{map[string]any{"ProcessName": "Launch"}}
			w.AutoScalingPolicies = []world.Object{trackingPolicy("CPUReservation", 50)}
		}, capacityView{Hosts: []string{"i-0abc 256/2880"}, Registered: 1, Desired: 1, Members: 1, Backend: "backend:2 0 of 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := scalingWorld()
			tt.world(w)
			s, c, as := scalingSim(t, w, Options{Freeze: true})
			if _, err := c.RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{
				Family: aws.String("backend"), Cpu: aws.String("1024"), Memory: aws.String("1024"), NetworkMode: types.NetworkModeBridge,
				ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("backend"), Image: aws.String("backend:1.4.3")}},
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("backend"), TaskDefinition: aws.String("backend:2")}); err != nil {
				t.Fatal(err)
			}
			// Step 1 cannot place the task (and may add a host); step 2
			// places it if there is one now. viewCapacity's own read is
			// the second step.
			s.AdvanceDeployments()
			got := viewCapacity(t, c, as)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("after the wait (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScaleInToMin: three hosts, two of them idle, the reservation far
// under the target: each minute the clock moves, one idle host is
// deregistered, until the group is at its MinSize; the cluster's
// CPUReservation follows.
func TestScaleInToMin(t *testing.T) {
	t.Parallel()
	w := scalingWorld()
	g := w.AutoScalingGroups[0]
	g["MaxSize"], g["DesiredCapacity"] = int64(3), int64(3)
	for _, id := range []string{"i-0def", "i-0fed"} {
		ci := ecsCopyObj(w.ContainerInstances[0])
		ci["containerInstanceArn"] = tArn + "container-instance/club/" + id
		ci["ec2InstanceId"], ci["runningTasksCount"] = id, int64(0)
		ci["remainingResources"] = ecsCopy(ci["registeredResources"])
		w.ContainerInstances = append(w.ContainerInstances, ci)
		g["Instances"] = append(g["Instances"].([]any), map[string]any{"InstanceId": id, "LifecycleState": "InService"})
	}
	w.Clusters[0]["registeredContainerInstancesCount"] = int64(3)
	w.AutoScalingPolicies = []world.Object{trackingPolicy("CPUReservation", 75)}
	// The captured series: 512 of 6144 units reserved for ten minutes.
	res := world.Metric{Namespace: "AWS/ECS", MetricName: "CPUReservation", Unit: "Percent", Period: 60, Dimensions: map[string]string{"ClusterName": "club"}}
	for i := -10; i < 0; i++ {
		v := 100 * 512 / 6144.0
		res.Points = append(res.Points, world.Point{Timestamp: ecsNow.Add(time.Duration(i) * time.Minute), Average: v, Maximum: v, Minimum: v, Sum: v, SampleCount: 1})
	}
	w.Metrics = []world.Metric{res}

	var mu sync.Mutex
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	_, url := scalingServe(t, w, Options{Clock: clock})
	cfg := opsConfig()
	c := ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = aws.String(url) })
	as := autoscaling.NewFromConfig(cfg, func(o *autoscaling.Options) { o.BaseEndpoint = aws.String(url) })

	shrunk := "Terminating EC2 instance: "
	steps := []struct {
		after time.Duration // since the start
		want  capacityView
	}{
		{0, capacityView{Hosts: []string{"i-0abc 1536/2880", "i-0def 2048/3904", "i-0fed 2048/3904"}, Registered: 3, Desired: 3, Members: 3,
			Backend: "backend:1 1 of 1"}},
		{30 * time.Second, capacityView{Hosts: []string{"i-0abc 1536/2880", "i-0def 2048/3904", "i-0fed 2048/3904"}, Registered: 3, Desired: 3, Members: 3,
			Backend: "backend:1 1 of 1"}},
		{time.Minute, capacityView{Hosts: []string{"i-0abc 1536/2880", "i-0def 2048/3904"}, Registered: 2, Desired: 2, Members: 2,
			Activities: []string{shrunk + "i-0fed"}, Backend: "backend:1 1 of 1"}},
		{2 * time.Minute, capacityView{Hosts: []string{"i-0abc 1536/2880"}, Registered: 1, Desired: 1, Members: 1,
			Activities: []string{shrunk + "i-0def", shrunk + "i-0fed"}, Backend: "backend:1 1 of 1"}},
		{3 * time.Minute, capacityView{Hosts: []string{"i-0abc 1536/2880"}, Registered: 1, Desired: 1, Members: 1,
			Activities: []string{shrunk + "i-0def", shrunk + "i-0fed"}, Backend: "backend:1 1 of 1"}},
	}
	start := now
	for _, st := range steps {
		mu.Lock()
		now = start.Add(st.after)
		mu.Unlock()
		if got := viewCapacity(t, c, as); !cmp.Equal(st.want, got) {
			t.Errorf("after %s (-want +got):\n%s", st.after, cmp.Diff(st.want, got))
		}
	}
	// The metric follows the hosts: 512 units of 6144, then of 4096 and
	// 2048 as each idle host leaves.
	want := []float64{8.3, 8.3, 8.3, 8.3, 8.3, 8.3, 8.3, 8.3, 8.3, 8.3, 12.5, 25}
	if got := reservationSeries(t, url, now); !cmp.Equal(got, want) {
		t.Errorf("CPUReservation %v, want %v", got, want)
	}
}

// reservationSeries reads the cluster's CPUReservation per minute over
// the last quarter hour, rounded to a tenth.
func reservationSeries(t *testing.T, url string, now time.Time) []float64 {
	t.Helper()
	out, err := cwClient(url, 1).GetMetricData(bg, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-15 * time.Minute)), EndTime: aws.Time(now.Add(time.Minute)), ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("r"), MetricStat: &cwtypes.MetricStat{Period: aws.Int32(60), Stat: aws.String("Average"),
			Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUReservation"),
				Dimensions: []cwtypes.Dimension{{Name: aws.String("ClusterName"), Value: aws.String("club")}}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var vs []float64
	for _, v := range out.MetricDataResults[0].Values {
		vs = append(vs, math.Round(v*10)/10)
	}
	return vs
}
