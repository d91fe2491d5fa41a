package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/google/go-cmp/cmp"
)

func TestECSReads(t *testing.T) {
	w := ecsTestWorld()
	// Two stopped tasks more, so ListTasks has something to page through.
	for i := range 2 {
		w.Tasks = append(w.Tasks, world.Object{
			"taskArn": fmt.Sprintf("%stask/club/%032d", tArn, i), "clusterArn": tCluster, "group": "service:backend",
			"taskDefinitionArn": tArn + "task-definition/backend:1", "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
			"stoppedAt": ecsNow.Add(-time.Duration(i+1) * time.Minute),
		})
	}
	_, c := ecsSim(t, w)

	clusters, err := c.DescribeClusters(bg, &ecs.DescribeClustersInput{Clusters: []string{"club", tCluster, "gone"}})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{len(clusters.Clusters), clusters.Clusters[1].RunningTasksCount, clusters.Clusters[0].Tags == nil,
		aws.ToString(clusters.Failures[0].Arn), aws.ToString(clusters.Failures[0].Reason)}
	want := []any{2, int32(1), true, tArn + "cluster/gone", "MISSING"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeClusters (-want +got):\n%s", diff)
	}
	if _, err := c.DescribeClusters(bg, &ecs.DescribeClustersInput{}); err != nil {
		t.Errorf("DescribeClusters of the default cluster: %v", err)
	}

	svcs, err := c.ListServices(bg, &ecs.ListServicesInput{Cluster: aws.String(tCluster), LaunchType: types.LaunchTypeFargate})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{tArn + "service/club/web"}, svcs.ServiceArns); diff != "" {
		t.Errorf("ListServices FARGATE (-want +got):\n%s", diff)
	}
	ds, err := c.DescribeServices(bg, &ecs.DescribeServicesInput{Cluster: aws.String("club"),
		Services: []string{tArn + "service/club/backend", "ghost"}, Include: []types.ServiceField{types.ServiceFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	got = []any{tagList(ds.Services[0].Tags), aws.ToString(ds.Failures[0].Arn), aws.ToString(ds.Failures[0].Reason)}
	want = []any{[]string{"team=club"}, tArn + "service/club/ghost", "MISSING"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeServices (-want +got):\n%s", diff)
	}

	// Stopped tasks, two per page.
	var pages [][]string
	p := ecs.NewListTasksPaginator(c, &ecs.ListTasksInput{Cluster: aws.String("club"), ServiceName: aws.String("backend"),
		DesiredStatus: types.DesiredStatusStopped, MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, out.TaskArns)
	}
	wantPages := [][]string{{fmt.Sprintf("%stask/club/%032d", tArn, 0)}, {fmt.Sprintf("%stask/club/%032d", tArn, 1)}}
	if diff := cmp.Diff(wantPages, pages); diff != "" {
		t.Errorf("ListTasks pages (-want +got):\n%s", diff)
	}
	// An instance that is gone (deregistered) is a failure, as in AWS.
	gone := tArn + "container-instance/club/0123456789abcdef0123456789abcdef"
	ci, err := c.DescribeContainerInstances(bg, &ecs.DescribeContainerInstancesInput{Cluster: aws.String("club"),
		ContainerInstances: []string{"0f1e2d3c4b5a69788796a5b4c3d2e1f0", gone}})
	if err != nil {
		t.Fatal(err)
	}
	got = []any{len(ci.ContainerInstances), len(ci.Failures), aws.ToString(ci.Failures[0].Arn), aws.ToString(ci.Failures[0].Reason)}
	want = []any{1, 1, gone, "MISSING"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeContainerInstances of a gone instance (-want +got):\n%s", diff)
	}
	byInstance, err := c.ListTasks(bg, &ecs.ListTasksInput{Cluster: aws.String("club"), ContainerInstance: aws.String("0f1e2d3c4b5a69788796a5b4c3d2e1f0"), Family: aws.String("backend")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{tOldTask}, byInstance.TaskArns); diff != "" {
		t.Errorf("ListTasks by instance and family (-want +got):\n%s", diff)
	}
	dt, err := c.DescribeTasks(bg, &ecs.DescribeTasksInput{Cluster: aws.String("club"), Tasks: []string{"5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7", "feed"}})
	if err != nil {
		t.Fatal(err)
	}
	got = []any{len(dt.Tasks), dt.Tasks[0].Tags == nil, aws.ToString(dt.Failures[0].Arn)}
	want = []any{1, true, tArn + "task/club/feed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeTasks (-want +got):\n%s", diff)
	}

	cis, err := c.ListContainerInstances(bg, &ecs.ListContainerInstancesInput{Cluster: aws.String("club"), Status: types.ContainerInstanceStatusDraining})
	if err != nil || len(cis.ContainerInstanceArns) != 0 {
		t.Errorf("ListContainerInstances DRAINING = %v, %v", cis, err)
	}
	cis, err = c.ListContainerInstances(bg, &ecs.ListContainerInstancesInput{Cluster: aws.String("club")})
	if err != nil || len(cis.ContainerInstanceArns) != 1 {
		t.Errorf("ListContainerInstances = %v, %v", cis, err)
	}

	cps, err := c.DescribeCapacityProviders(bg, &ecs.DescribeCapacityProvidersInput{CapacityProviders: []string{"club-cp", "FARGATE", "nope"}})
	if err != nil {
		t.Fatal(err)
	}
	got = []any{aws.ToString(cps.CapacityProviders[0].Name), aws.ToString(cps.CapacityProviders[1].Name), aws.ToString(cps.Failures[0].Arn)}
	want = []any{"club-cp", "FARGATE", tArn + "capacity-provider/nope"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeCapacityProviders (-want +got):\n%s", diff)
	}
}

func TestUpdateCapacityProvider(t *testing.T) {
	_, c := ecsSim(t, ecsTestWorld())
	out, err := c.UpdateCapacityProvider(bg, &ecs.UpdateCapacityProviderInput{
		Name: aws.String(tArn + "capacity-provider/club-cp"),
		AutoScalingGroupProvider: &types.AutoScalingGroupProviderUpdate{
			ManagedScaling:               &types.ManagedScaling{Status: types.ManagedScalingStatusEnabled, TargetCapacity: aws.Int32(90)},
			ManagedTerminationProtection: types.ManagedTerminationProtectionEnabled,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.DescribeCapacityProviders(bg, &ecs.DescribeCapacityProvidersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range []types.CapacityProvider{*out.CapacityProvider, all.CapacityProviders[0]} {
		g := cp.AutoScalingGroupProvider
		ms := g.ManagedScaling
		got := []any{cp.UpdateStatus, ms.Status, aws.ToInt32(ms.TargetCapacity), aws.ToInt32(ms.MinimumScalingStepSize),
			aws.ToInt32(ms.MaximumScalingStepSize), aws.ToInt32(ms.InstanceWarmupPeriod), g.ManagedTerminationProtection}
		want := []any{types.CapacityProviderUpdateStatusUpdateComplete, types.ManagedScalingStatusEnabled, int32(90), int32(1),
			int32(10000), int32(300), types.ManagedTerminationProtectionEnabled}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("capacity provider (-want +got):\n%s", diff)
		}
	}
}

func TestUnknownKeysServedVerbatim(t *testing.T) {
	s := &Server{w: ecsTestWorld()}
	out, err := describeServices(s, &Request{Input: map[string]any{"cluster": "club", "services": []any{"backend"}}, Now: ecsNow})
	if err != nil {
		t.Fatal(err)
	}
	svc := out["services"].([]any)[0].(map[string]any)
	if svc["xFuture"] != "kept verbatim" {
		t.Errorf("unknown key lost: %v", svc["xFuture"])
	}
	if _, ok := svc["tags"]; ok {
		t.Errorf("tags served without include TAGS")
	}
	// The output is a copy: changing it leaves the world alone.
	svc["desiredCount"] = int64(99)
	if s.w.Services[0]["desiredCount"] != int64(1) {
		t.Errorf("output shares memory with the world")
	}
}

func TestChooseInstance(t *testing.T) {
	inst := func(cpu, mem int64) world.Object {
		return world.Object{"containerInstanceArn": tCI, "status": "ACTIVE", "clusterArn": tCluster, "remainingResources": []any{
			map[string]any{"name": "CPU", "integerValue": cpu}, map[string]any{"name": "MEMORY", "integerValue": float64(mem)},
		}}
	}
	cases := []struct {
		name      string
		instances []world.Object
		cpu, mem  int64
		fits      bool
		why       string
	}{
		{"fits", []world.Object{inst(1024, 2048)}, 1024, 2048, true, ""},
		{"short of CPU", []world.Object{inst(512, 4096)}, 1024, 1024, false, "The closest matching (container-instance 0f1e2d3c4b5a69788796a5b4c3d2e1f0) has insufficient CPU units available."},
		{"short of memory", []world.Object{inst(4096, 512)}, 1024, 1024, false, "The closest matching (container-instance 0f1e2d3c4b5a69788796a5b4c3d2e1f0) has insufficient memory available."},
		{"no instances", nil, 1, 1, false, "Reason: No Container Instances were found in your cluster."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{w: &world.World{ContainerInstances: tc.instances}}
			ci, why := s.chooseInstance(world.Object{"clusterArn": tCluster}, tc.cpu, tc.mem)
			if (ci != nil) != tc.fits || why != tc.why {
				t.Errorf("chooseInstance = %v, %q; want fits %v, %q", ci != nil, why, tc.fits, tc.why)
			}
		})
	}
}
