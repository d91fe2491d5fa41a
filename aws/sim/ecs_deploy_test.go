package sim

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// view is what a test compares after each step: counts, deployments and
// the newest events, with made-up ids masked.
type view struct {
	Running, Pending int32
	Deployments      []string // status/rolloutState/running of desired/failed
	Events           []string // newest first, only those added so far
	TaskDef          string
}

func describeView(t *testing.T, c *ecs.Client, name string, oldEvents int) view {
	t.Helper()
	out, err := c.DescribeServices(bg, &ecs.DescribeServicesInput{Cluster: aws.String("club"), Services: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Services) != 1 {
		t.Fatalf("services = %d, failures %+v", len(out.Services), out.Failures)
	}
	return toView(out.Services[0], oldEvents)
}

func toView(svc types.Service, oldEvents int) view {
	v := view{Running: svc.RunningCount, Pending: svc.PendingCount, TaskDef: aws.ToString(svc.TaskDefinition)}
	for _, d := range svc.Deployments {
		v.Deployments = append(v.Deployments, fmt.Sprintf("%s/%s/%d of %d/%d", aws.ToString(d.Status), d.RolloutState, d.RunningCount, d.DesiredCount, d.FailedTasks))
	}
	for _, e := range svc.Events[:len(svc.Events)-oldEvents] {
		v.Events = append(v.Events, masked(aws.ToString(e.Message)))
	}
	return v
}

func TestDeploymentReachesSteadyState(t *testing.T) {
	s, c := ecsSim(t, ecsTestWorld())
	reg, err := c.RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("backend"), Cpu: aws.String("512"), Memory: aws.String("1024"), NetworkMode: types.NetworkModeBridge,
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("backend"), Image: aws.String("backend:1.4.3"), MemoryReservation: aws.Int32(512)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	td2 := aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
	if want := tArn + "task-definition/backend:2"; td2 != want {
		t.Fatalf("registered %s, want %s", td2, want)
	}
	up, err := c.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("backend"), TaskDefinition: aws.String("backend:2")})
	if err != nil {
		t.Fatal(err)
	}
	started := "(service backend) has started 1 tasks: (task ID)."
	stopped := "(service backend) has stopped 1 running tasks: (task 5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7)."
	done := "(service backend) (deployment ecs-svc/DEP) deployment completed."
	steady := "(service backend) has reached a steady state."
	steps := []struct {
		name string
		want view
	}{
		{"update answer", view{}}, // filled from the UpdateService answer below
		{"step 1 starts the new task", view{Running: 2, TaskDef: td2,
			Deployments: []string{"PRIMARY/IN_PROGRESS/1 of 1/0", "ACTIVE/COMPLETED/1 of 1/0"}, Events: []string{started}}},
		{"step 2 stops the old task", view{Running: 1, TaskDef: td2,
			Deployments: []string{"PRIMARY/IN_PROGRESS/1 of 1/0", "ACTIVE/COMPLETED/0 of 0/0"}, Events: []string{stopped, started}}},
		{"step 3 completes", view{Running: 1, TaskDef: td2,
			Deployments: []string{"PRIMARY/COMPLETED/1 of 1/0"}, Events: []string{steady, done, stopped, started}}},
		{"steady reads change nothing", view{Running: 1, TaskDef: td2,
			Deployments: []string{"PRIMARY/COMPLETED/1 of 1/0"}, Events: []string{steady, done, stopped, started}}},
	}
	got := toView(*up.Service, 1)
	want := view{Running: 1, TaskDef: td2, Deployments: []string{"PRIMARY/IN_PROGRESS/0 of 1/0", "ACTIVE/COMPLETED/1 of 1/0"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpdateService answer (-want +got):\n%s", diff)
	}
	for _, st := range steps[1:] {
		if diff := cmp.Diff(st.want, describeView(t, c, "backend", 1)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}

	// The tasks as the other reads see them afterwards.
	old, err := c.DescribeTasks(bg, &ecs.DescribeTasksInput{Cluster: aws.String("club"), Tasks: []string{tOldTask}})
	if err != nil {
		t.Fatal(err)
	}
	o := old.Tasks[0]
	gotOld := []any{aws.ToString(o.LastStatus), aws.ToString(o.DesiredStatus), o.StopCode, masked(aws.ToString(o.StoppedReason)),
		aws.ToInt32(o.Containers[0].ExitCode), o.StoppedAt != nil && o.StoppingAt != nil && o.ExecutionStoppedAt != nil}
	wantOld := []any{"STOPPED", "STOPPED", types.TaskStopCodeServiceSchedulerInitiated,
		"Scaling activity initiated by (deployment ecs-svc/1111111111111111111)", int32(143), true}
	if diff := cmp.Diff(wantOld, gotOld); diff != "" {
		t.Errorf("old task (-want +got):\n%s", diff)
	}
	running, err := c.ListTasks(bg, &ecs.ListTasksInput{Cluster: aws.String("club"), ServiceName: aws.String("backend")})
	if err != nil {
		t.Fatal(err)
	}
	if len(running.TaskArns) != 1 || running.TaskArns[0] == tOldTask {
		t.Fatalf("running tasks = %v", running.TaskArns)
	}
	nt, err := c.DescribeTasks(bg, &ecs.DescribeTasksInput{Cluster: aws.String("club"), Tasks: running.TaskArns})
	if err != nil {
		t.Fatal(err)
	}
	n := nt.Tasks[0]
	gotNew := []any{aws.ToString(n.LastStatus), aws.ToString(n.Group), aws.ToString(n.Cpu), aws.ToString(n.Memory),
		aws.ToString(n.TaskDefinitionArn), aws.ToString(n.ContainerInstanceArn), aws.ToString(n.Containers[0].Name), n.LaunchType}
	wantNew := []any{"RUNNING", "service:backend", "512", "1024", td2, tCI, "backend", types.LaunchTypeEc2}
	if diff := cmp.Diff(wantNew, gotNew); diff != "" {
		t.Errorf("new task (-want +got):\n%s", diff)
	}
	// One task's worth reserved, as before the deployment.
	ci, err := c.DescribeContainerInstances(bg, &ecs.DescribeContainerInstancesInput{Cluster: aws.String("club"), ContainerInstances: []string{tCI}})
	if err != nil {
		t.Fatal(err)
	}
	var rem []string
	for _, r := range ci.ContainerInstances[0].RemainingResources {
		rem = append(rem, fmt.Sprintf("%s=%d", aws.ToString(r.Name), r.IntegerValue))
	}
	if diff := cmp.Diff([]string{"CPU=1536", "MEMORY=2880"}, rem); diff != "" {
		t.Errorf("remaining resources (-want +got):\n%s", diff)
	}
	cl := s.World().Clusters[0]
	if cl["runningTasksCount"] != int64(1) {
		t.Errorf("cluster runningTasksCount = %v, want 1", cl["runningTasksCount"])
	}
}

func TestCircuitBreakerRollsBack(t *testing.T) {
	s, c := ecsSim(t, ecsTestWorld())
	if _, err := c.RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("backend"), Cpu: aws.String("2048"), Memory: aws.String("1024"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("backend"), Image: aws.String("backend:1.4.3")}},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := c.UpdateService(bg, &ecs.UpdateServiceInput{
		Cluster: aws.String("club"), Service: aws.String("backend"), TaskDefinition: aws.String("backend"),
		DeploymentConfiguration: &types.DeploymentConfiguration{
			DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	unable := "(service backend) was unable to place a task because no container instance met all of its requirements. " +
		"The closest matching (container-instance 0f1e2d3c4b5a69788796a5b4c3d2e1f0) has insufficient CPU units available. " +
		"For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
	for range 9 {
		s.AdvanceDeployments()
	}
	td1 := tArn + "task-definition/backend:1"
	td2 := tArn + "task-definition/backend:2"
	want := view{Running: 1, TaskDef: td2, Deployments: []string{"PRIMARY/IN_PROGRESS/0 of 1/9", "ACTIVE/COMPLETED/1 of 1/0"}, Events: []string{unable}}
	if diff := cmp.Diff(want, toView(describeServiceNoStep(t, s), 1)); diff != "" {
		t.Errorf("after 9 failed steps (-want +got):\n%s", diff)
	}
	// The 10th failure (the threshold for 1 task) trips the breaker.
	got := describeView(t, c, "backend", 1)
	want = view{Running: 1, TaskDef: td1,
		Deployments: []string{"PRIMARY/IN_PROGRESS/1 of 1/0", "ACTIVE/FAILED/0 of 0/10"},
		Events: []string{"(service backend) rolling back to deployment ecs-svc/1111111111111111111.",
			"(service backend) (deployment ecs-svc/DEP) deployment failed: tasks failed to start.", unable}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the 10th (-want +got):\n%s", diff)
	}
	got = describeView(t, c, "backend", 1)
	want.Deployments = []string{"PRIMARY/COMPLETED/1 of 1/0"}
	want.Events = append([]string{"(service backend) has reached a steady state.",
		"(service backend) (deployment ecs-svc/1111111111111111111) deployment completed."}, want.Events...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the rollback (-want +got):\n%s", diff)
	}
}

// describeServiceNoStep reads the backend service from the world without
// moving the scheduler, to look between steps.
func describeServiceNoStep(t *testing.T, s *Server) types.Service {
	t.Helper()
	s.wmu.RLock()
	defer s.wmu.RUnlock()
	svc := s.w.Services[0]
	out := types.Service{RunningCount: int32(ecsIntOr(svc["runningCount"])), TaskDefinition: aws.String(ecsS(svc, "taskDefinition"))}
	for _, d := range ecsList(svc, "deployments") {
		out.Deployments = append(out.Deployments, types.Deployment{
			Status: aws.String(ecsS(d, "status")), RolloutState: types.DeploymentRolloutState(ecsS(d, "rolloutState")),
			RunningCount: int32(ecsIntOr(d["runningCount"])), DesiredCount: int32(ecsIntOr(d["desiredCount"])),
			FailedTasks: int32(ecsIntOr(d["failedTasks"])),
		})
	}
	for _, e := range ecsList(svc, "events") {
		out.Events = append(out.Events, types.ServiceEvent{Message: aws.String(ecsS(e, "message"))})
	}
	return out
}

func ecsIntOr(v any) int64 {
	n, _ := ecsInt(v)
	return n
}

func TestScaleAndStopTask(t *testing.T) {
	_, c := ecsSim(t, ecsTestWorld())
	steady := "(service backend) has reached a steady state."
	steps := []struct {
		name   string
		act    func() error
		reads  int // DescribeServices calls after act
		want   view
		oldEvs int
	}{
		{"scale out to 2", func() error {
			_, err := c.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("backend"), DesiredCount: aws.Int32(2)})
			return err
		}, 2, view{Running: 2, TaskDef: tArn + "task-definition/backend:1", Deployments: []string{"PRIMARY/COMPLETED/2 of 2/0"},
			Events: []string{steady, "(service backend) has started 1 tasks: (task ID)."}}, 1},
		{"a user stops the old task; the service replaces it", func() error {
			out, err := c.StopTask(bg, &ecs.StopTaskInput{Cluster: aws.String("club"), Task: aws.String("5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7")})
			if err == nil && (out.Task.StopCode != types.TaskStopCodeUserInitiated || aws.ToString(out.Task.StoppedReason) != "Task stopped by user") {
				return fmt.Errorf("stopped task = %s %q", out.Task.StopCode, aws.ToString(out.Task.StoppedReason))
			}
			return err
		}, 2, view{Running: 2, TaskDef: tArn + "task-definition/backend:1", Deployments: []string{"PRIMARY/COMPLETED/2 of 2/0"},
			Events: []string{steady, "(service backend) has started 1 tasks: (task ID)."}}, 3},
		{"scale in to 0", func() error {
			_, err := c.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("backend"), DesiredCount: aws.Int32(0)})
			return err
		}, 2, view{Running: 0, TaskDef: tArn + "task-definition/backend:1", Deployments: []string{"PRIMARY/COMPLETED/0 of 0/0"},
			Events: []string{steady, "(service backend) has stopped 2 running tasks: (task ID) (task ID)."}}, 5},
	}
	for _, st := range steps {
		if err := st.act(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var got view
		for range st.reads {
			got = describeView(t, c, "backend", st.oldEvs)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
	stopped, err := c.ListTasks(bg, &ecs.ListTasksInput{Cluster: aws.String("club"), ServiceName: aws.String("backend"), DesiredStatus: types.DesiredStatusStopped})
	if err != nil {
		t.Fatal(err)
	}
	if len(stopped.TaskArns) != 3 {
		t.Errorf("stopped tasks = %d, want 3", len(stopped.TaskArns))
	}
}

func TestReadsLeaveUntouchedServicesAlone(t *testing.T) {
	// web wants 1 task and runs none, as a captured incident might; a
	// read must not start one.
	_, c := ecsSim(t, ecsTestWorld())
	for range 3 {
		got := describeView(t, c, "web", 0)
		if got.Running != 0 || len(got.Events) != 0 {
			t.Fatalf("read changed web: %+v", got)
		}
	}
}

func TestFargateDeploymentGetsENI(t *testing.T) {
	_, c := ecsSim(t, ecsTestWorld())
	if _, err := c.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("web"), ForceNewDeployment: true}); err != nil {
		t.Fatal(err)
	}
	got := describeView(t, c, "web", 0)
	if got.Running != 1 {
		t.Fatalf("web after one step: %+v", got)
	}
	l, err := c.ListTasks(bg, &ecs.ListTasksInput{Cluster: aws.String("club"), ServiceName: aws.String("web")})
	if err != nil || len(l.TaskArns) != 1 {
		t.Fatalf("ListTasks = %v, %v", l, err)
	}
	d, err := c.DescribeTasks(bg, &ecs.DescribeTasksInput{Cluster: aws.String("club"), Tasks: l.TaskArns})
	if err != nil {
		t.Fatal(err)
	}
	task := d.Tasks[0]
	var subnet string
	for _, det := range task.Attachments[0].Details {
		if aws.ToString(det.Name) == "subnetId" {
			subnet = aws.ToString(det.Value)
		}
	}
	gotT := []any{task.LaunchType, aws.ToString(task.Attachments[0].Type), subnet, aws.ToString(task.PlatformVersion), task.ContainerInstanceArn == nil}
	wantT := []any{types.LaunchTypeFargate, "ElasticNetworkInterface", "subnet-0abc", "1.4.0", true}
	if diff := cmp.Diff(wantT, gotT); diff != "" {
		t.Errorf("fargate task (-want +got):\n%s", diff)
	}
}

// A world that already uses the simulator's first deployment id must not
// have it handed out again: the new deployment would look finished at once.
func TestNewDeploymentIDSkipsTakenIDs(t *testing.T) {
	s := &Server{w: &world.World{Services: []world.Object{{
		"serviceName": "a",
		"deployments": []any{map[string]any{"id": "ecs-svc/1000000000000000001"}, map[string]any{"id": "ecs-svc/1000000000000000002"}},
	}}}}
	if id := s.newDeploymentID(); id == "ecs-svc/1000000000000000001" || id == "ecs-svc/1000000000000000002" {
		t.Fatalf("handed out %s, which the world already uses", id)
	}
}
