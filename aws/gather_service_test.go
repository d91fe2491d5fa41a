package aws

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

const (
	stoppedNewest = "5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7"
	stoppedOlder  = "1a2b3c4d5e6f40718293a4b5c6d7e8f9"
	runningTask   = "9d1c0b7e2f3a4b5c8d9e0f1a2b3c4d5e"
	tdArn12       = "arn:aws:ecs:ap-northeast-2:111122223333:task-definition/backend:12"
	tdArn11       = "arn:aws:ecs:ap-northeast-2:111122223333:task-definition/backend:11"
)

// view is the part of a snapshot the tests compare.
type view struct {
	Cluster, Service, TaskDefinition string
	TaskDefinitions                  []string
	Tags                             map[string]int
	Stopped, Running                 []string
	Instances, Providers             int
	Groups, GroupPolicies            int
	Targets, Policies                int
	TargetGroups                     []string
	Healthy                          []string
	Points                           map[string]int // series with points, by key
	LogLines                         map[string]int // by task id
	Missing                          []string
}

func viewOf(s *ServiceSnapshot) view {
	v := view{
		Cluster: aws.ToString(s.Cluster.ClusterName), Service: aws.ToString(s.Service.ServiceName),
		TaskDefinition: aws.ToString(s.TaskDefinition.TaskDefinitionArn),
		Tags:           map[string]int{}, Points: map[string]int{}, LogLines: map[string]int{},
		Instances: len(s.ContainerInstances), Providers: len(s.CapacityProviders),
		Groups: len(s.AutoScalingGroups), GroupPolicies: len(s.AutoScalingPolicies),
		Targets: len(s.ScalableTargets), Policies: len(s.ScalingPolicies), Missing: missingLines(s.Missing),
	}
	for arn := range s.TaskDefinitions {
		v.TaskDefinitions = append(v.TaskDefinitions, lastPart(arn))
	}
	sort.Strings(v.TaskDefinitions)
	for arn, tags := range s.TaskDefinitionTags {
		v.Tags[lastPart(arn)] = len(tags)
	}
	for _, t := range s.Stopped {
		v.Stopped = append(v.Stopped, taskID(aws.ToString(t.TaskArn)))
	}
	for _, t := range s.Running {
		v.Running = append(v.Running, taskID(aws.ToString(t.TaskArn)))
	}
	for _, tg := range s.TargetGroups {
		v.TargetGroups = append(v.TargetGroups, aws.ToString(tg.Group.TargetGroupName))
		for _, h := range tg.Health {
			v.Healthy = append(v.Healthy, aws.ToString(h.Target.Id)+" "+string(h.TargetHealth.State))
		}
	}
	for k, ser := range s.Metrics {
		if len(ser.Points) > 0 {
			v.Points[k] = len(ser.Points)
		}
	}
	for arn, lines := range s.Logs {
		v.LogLines[taskID(arn)] = len(lines)
	}
	return v
}

// incidentView is what the backend-137 world gives, but for what each
// test changes.
func incidentView() view {
	return view{
		Cluster: "codedang", Service: "backend", TaskDefinition: tdArn12,
		TaskDefinitions: []string{"backend:12"},
		Tags:            map[string]int{"backend:12": 1},
		Stopped:         []string{stoppedNewest, stoppedOlder},
		Running:         []string{runningTask},
		Instances:       1, Providers: 1, Groups: 1, GroupPolicies: 1, Targets: 1, Policies: 1,
		TargetGroups: []string{"backend-tg"},
		Healthy:      []string{"i-0abc123def4567890 healthy"},
		Points: map[string]int{
			MetricServiceCPUAvg: 14, MetricServiceCPUMax: 14, MetricServiceMemAvg: 14, MetricServiceMemMax: 14,
			MetricClusterCPURes: 5, MetricClusterMemRes: 5, MetricClusterCPUUtil: 5,
			MetricTaskCPUPrefix + stoppedNewest: 4, MetricLogEvents: 4, MetricRequests: 4,
		},
		LogLines: map[string]int{stoppedNewest: 2, runningTask: 1},
		Missing:  []string{"logs of task " + stoppedOlder + ": not found (The specified log stream does not exist.)"},
	}
}

func TestGatherService(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(w *world.World) // nil: the world as it is
		faults []string
		opt    GatherOptions
		// now moves the present after the capture (zero: the capture moment).
		now    time.Duration
		want   func(v *view)
		trips  int
		series map[string]time.Time // first point expected, by key
	}{
		{name: "incident", want: func(*view) {}, trips: 3},
		{
			name: "denied and absent optional reads are listed, not fatal",
			faults: []string{"DescribeTargetHealth=accessdenied", "DescribeScalingPolicies=accessdenied",
				"GetLogEvents=accessdenied", "DescribeAutoScalingGroups=accessdenied", "DescribeClusters=accessdenied"},
			want: func(v *view) {
				v.Cluster, v.Healthy, v.Policies, v.Groups, v.LogLines = "", nil, 0, 0, map[string]int{}
				// Without the cluster's settings no Container Insights
				// series are asked for, and no provider filter applies.
				delete(v.Points, MetricTaskCPUPrefix+stoppedNewest)
				v.Missing = []string{
					"EC2 Auto Scaling groups: access denied for autoscaling:DescribeAutoScalingGroups",
					"cluster: access denied for ecs:DescribeClusters",
					"logs of task " + stoppedOlder + ": access denied for logs:GetLogEvents",
					"logs of task " + stoppedNewest + ": access denied for logs:GetLogEvents",
					"logs of task " + runningTask + ": access denied for logs:GetLogEvents",
					"service auto scaling policies: access denied for application-autoscaling:DescribeScalingPolicies",
					"target health of backend-tg: access denied for elasticloadbalancing:DescribeTargetHealth",
				}
			},
			trips: 3,
		},
		{
			// It used to take a fourth round: its revision was read after
			// the tasks, and its logs after that.
			name:   "a stopped task of a revision no deployment names takes no fourth round",
			change: func(w *world.World) { runsRevision11(w, "") },
			want:   func(v *view) { v.TaskDefinitions = []string{"backend:11", "backend:12"} },
			trips:  3,
		},
		{
			// Only then are its logs read again, where it writes them.
			name:   "a fourth round when that revision logs elsewhere",
			change: func(w *world.World) { runsRevision11(w, "/ecs/backend-old") },
			want: func(v *view) {
				v.TaskDefinitions = []string{"backend:11", "backend:12"}
				v.LogLines = map[string]int{runningTask: 1}
				v.Missing = append(v.Missing, "logs of task "+stoppedNewest+": not found (The specified log group does not exist.)")
				sort.Strings(v.Missing)
			},
			trips: 4,
		},
		{
			name: "the window widens back to 15 minutes before the newest stop",
			now:  3 * time.Hour,
			want: func(v *view) {
				// The running task's 13:34 start is now 3 hours old, so the
				// last hour is empty; the widened window starts at 13:19.
			},
			trips:  3,
			series: map[string]time.Time{MetricServiceCPUAvg: mustTime("2024-04-17T13:20:00+09:00")},
		},
		{
			name: "an explicit window is kept",
			now:  3 * time.Hour,
			opt:  GatherOptions{Since: mustTime("2024-04-17T13:30:00+09:00"), Until: mustTime("2024-04-17T13:40:00+09:00")},
			want: func(v *view) {
				for _, k := range []string{MetricServiceCPUAvg, MetricServiceCPUMax, MetricServiceMemAvg, MetricServiceMemMax} {
					v.Points[k] = 4 // 13:30 to 13:33, where the series ends
				}
			},
			trips:  3,
			series: map[string]time.Time{MetricServiceCPUAvg: mustTime("2024-04-17T13:30:00+09:00")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, inBubble(func(t *testing.T) {
			w := loadWorld(t, "backend137.yaml")
			if tt.change != nil {
				tt.change(w)
			}
			s, c := startSimRounds(t, w, sim.Options{Latency: roundLatency, Faults: faults(t, tt.faults...)})
			now := w.Now.Add(tt.now)
			c.Now = func() time.Time { return now }
			snap, err := c.GatherService(context.Background(), "codedang", "backend", tt.opt)
			if err != nil {
				t.Fatalf("GatherService: %v", err)
			}
			want := incidentView()
			tt.want(&want)
			if diff := cmp.Diff(want, viewOf(snap)); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
			for k, first := range tt.series {
				if p := snap.Metrics[k].Points; len(p) == 0 || !p[0].T.Equal(first) {
					t.Errorf("%s: first point %v, want %v", k, p, first)
				}
			}
			if got := sim.RoundTrips(s.Calls()); got != tt.trips {
				t.Errorf("round trips = %d, want %d", got, tt.trips)
			}
			if n := count(s.Calls(), "GetMetricData"); n > 2 {
				t.Errorf("GetMetricData called %d times, want at most 2", n)
			}
		}))
	}
}

// runsRevision11 makes the newest stopped task one of backend:11, which no
// deployment names, writing its logs to group when that is not "".
func runsRevision11(w *world.World, group string) {
	for _, task := range w.Tasks {
		if taskID(task["taskArn"].(string)) == stoppedNewest {
			task["taskDefinitionArn"] = tdArn11
		}
	}
	if group == "" {
		return
	}
	for _, td := range w.TaskDefinitions {
		if td["taskDefinitionArn"] == tdArn11 {
			cd := td["containerDefinitions"].([]any)[0].(map[string]any)
			cd["logConfiguration"].(map[string]any)["options"].(map[string]any)["awslogs-group"] = group
		}
	}
}

func TestGatherServiceFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		cluster, service string
		faults           []string
		want             string
		notFound         *NotFoundError
	}{
		{name: "service typo", cluster: "codedang", service: "backnd",
			want:     `service "backnd" not found in cluster "codedang"; did you mean backend?`,
			notFound: &NotFoundError{Kind: "service", Name: "backnd", Cluster: "codedang", Suggestions: []string{"backend"}}},
		{name: "cluster typo", cluster: "codedan", service: "backend",
			want:     `cluster "codedan" not found; did you mean codedang or codedang-staging?`,
			notFound: &NotFoundError{Kind: "cluster", Name: "codedan", Suggestions: []string{"codedang", "codedang-staging"}}},
		{name: "service denied", cluster: "codedang", service: "backend", faults: []string{"DescribeServices=accessdenied"},
			want: `access denied: the AWS identity ecsmedic uses may not call ecs:DescribeServices; add "ecs:DescribeServices" to its IAM policy (ecsmedic iam-policy prints the whole policy)`},
		{name: "task list throttled", cluster: "codedang", service: "backend", faults: []string{"ListTasks=throttle"},
			want: `AWS is throttling this account (ecs:ListTasks was refused as "rate exceeded", after 2 tries); wait a minute and try again, and check whether another tool is polling the same API`},
		{name: "tasks unreadable", cluster: "codedang", service: "backend", faults: []string{"DescribeTasks=500"},
			want: `AWS answered ecs:DescribeTasks with an internal error (HTTP 500, after 2 tries); this is usually brief: try again in a minute, and see https://health.aws.amazon.com if it lasts`},
		{name: "no names", cluster: "", service: "backend",
			want: `both a cluster and a service name are needed (got cluster "", service "backend")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startSim(t, loadWorld(t, "backend137.yaml"), sim.Options{Faults: faults(t, tt.faults...)})
			snap, err := c.GatherService(context.Background(), tt.cluster, tt.service, GatherOptions{})
			if err == nil {
				t.Fatalf("GatherService succeeded (%d tasks), want an error", len(snap.Stopped))
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			var nf *NotFoundError
			if errors.As(err, &nf) != (tt.notFound != nil) {
				t.Fatalf("NotFoundError = %v, want %v", nf, tt.notFound)
			}
			if nf != nil {
				nf.Err = nil
				if diff := cmp.Diff(tt.notFound, nf); diff != "" {
					t.Errorf("NotFoundError (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestGatherServiceCloudWatchProtocols(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{CloudWatchCBOR, CloudWatchQuery, CloudWatchJSON} {
		t.Run(proto, func(t *testing.T) {
			_, c := startSim(t, loadWorld(t, "backend137.yaml"), sim.Options{}, WithCloudWatchProtocol(proto))
			snap, err := c.GatherService(context.Background(), "codedang", "backend", GatherOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(incidentView().Points, viewOf(snap).Points); diff != "" {
				t.Errorf("series over %s (-want +got):\n%s", proto, diff)
			}
		})
	}
}

func count(calls []sim.Call, op string) int {
	n := 0
	for _, c := range calls {
		if c.Operation == op {
			n++
		}
	}
	return n
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
