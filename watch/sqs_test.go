package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/internal/mototest"
)

// testQueue makes a queue on moto whose messages come back at once when
// not deleted (visibility timeout 0), so the test never waits for them.
// The client is the one `ecsmedic run` uses: the SQS of aws.Clients.
func testQueue(t *testing.T) (*sqs.Client, string) {
	t.Helper()
	clients := aws.NewClientsForEndpoint(mototest.URL(t), "ap-northeast-2")
	t.Cleanup(clients.CloseIdleConnections)
	var observed []string
	clients.Observe(func(service, op string, _ time.Duration, _ error) { observed = append(observed, service+" "+op) })
	c := clients.SQS
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{
		QueueName:  awssdk.String(fmt.Sprintf("ecsmedic-%s-%d", t.Name()[4:12], time.Now().UnixNano())),
		Attributes: map[string]string{"VisibilityTimeout": "0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The SQS client reports its calls like the others (for /metrics).
	if diff := cmp.Diff([]string{"SQS CreateQueue"}, observed); diff != "" {
		t.Errorf("observed calls (-want +got):\n%s", diff)
	}
	clients.Observe(nil)
	return c, *out.QueueUrl
}

// queued is how many messages the queue still holds, visible or not.
func queued(t *testing.T, c *sqs.Client, url string) int {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	b, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return a + b
}

// event is an EventBridge ECS Task State Change for t, as the rule
// delivers it to the queue.
func event(t ecstypes.Task) string {
	type container struct {
		Name     string `json:"name"`
		ExitCode *int32 `json:"exitCode,omitempty"`
		Reason   string `json:"reason,omitempty"`
	}
	d := map[string]any{
		"taskArn": deref(t.TaskArn), "clusterArn": deref(t.ClusterArn), "group": deref(t.Group),
		"lastStatus": deref(t.LastStatus), "desiredStatus": deref(t.DesiredStatus), "stopCode": string(t.StopCode),
		"stoppedReason": deref(t.StoppedReason), "taskDefinitionArn": deref(t.TaskDefinitionArn), "version": 5,
	}
	for k, v := range map[string]*time.Time{"startedAt": t.StartedAt, "stoppingAt": t.StoppingAt, "stoppedAt": t.StoppedAt} {
		if v != nil {
			d[k] = v.UTC().Format(time.RFC3339Nano)
		}
	}
	var cs []container
	for _, c := range t.Containers {
		cs = append(cs, container{Name: deref(c.Name), ExitCode: c.ExitCode, Reason: deref(c.Reason)})
	}
	d["containers"] = cs
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": "3317b2af-7005-947d-b652-f55e762e571a", "detail-type": "ECS Task State Change",
		"source": "aws.ecs", "account": "111122223333", "time": "2024-04-17T04:38:00Z", "region": "ap-northeast-2",
		"resources": []string{deref(t.TaskArn)}, "detail": d,
	})
	return string(b)
}

// forgotten is a stopped backend task ECS no longer returns: only the
// event knows it.
func forgotten(now time.Time) ecstypes.Task {
	at, code := now.Add(-2*time.Minute), int32(137)
	return ecstypes.Task{
		TaskArn:    awssdk.String("arn:aws:ecs:ap-northeast-2:111122223333:task/codedang/0123456789abcdef0123456789abcdef"),
		ClusterArn: awssdk.String("arn:aws:ecs:ap-northeast-2:111122223333:cluster/codedang"), Group: awssdk.String("service:backend"),
		LastStatus: awssdk.String("STOPPED"), DesiredStatus: awssdk.String("STOPPED"), StopCode: "ServiceSchedulerInitiated",
		StoppedReason: awssdk.String(elbReason), StoppingAt: &at, StoppedAt: &at,
		TaskDefinitionArn: awssdk.String("arn:aws:ecs:ap-northeast-2:111122223333:task-definition/backend:42"),
		Containers:        []ecstypes.Container{{Name: awssdk.String("backend"), ExitCode: &code}},
	}
}

func send(t *testing.T, c *sqs.Client, url string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &b}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSQSDeletesOnlyHandledStops: a stop's message stays in the queue
// until the stop is recorded and announced; when the notifier fails it
// comes back and is announced then, once. Messages that are not stops
// are deleted.
func TestSQSDeletesOnlyHandledStops(t *testing.T) {
	t.Parallel()
	q, url := testQueue(t)
	_, c := simWorld(t)
	st := openStore(t, storePath(t), c)
	n := &notifier{fail: 1}
	var seen []string
	n.onAlert = func(a Alert) {
		// Called before the alert is taken: the stop is recorded with its
		// cause and its message is still in the queue.
		recs, _ := st.Stops("codedang", "backend", c.Now().Add(-time.Hour))
		cause := ""
		for _, r := range recs {
			if r.TaskArn == a.TaskArn {
				cause = r.Cause
			}
		}
		seen = append(seen, fmt.Sprintf("recorded as %q, still queued: %v", cause, queued(t, q, url) >= 1))
	}
	w := newWatcher(c, st, n, func(cfg *Config) { cfg.Services = incidentRefs[:1] })
	src := NewSQSSource(q, url, w)
	src.Wait = time.Second

	gone := forgotten(c.Now())
	running := gone
	running.TaskArn, running.LastStatus = awssdk.String(deref(gone.TaskArn)[:60]+"ffff"), awssdk.String("RUNNING")
	send(t, q, url, event(gone), event(running), "not json", `{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{}}`)

	ctx := context.Background()
	var errs int
	for i := 0; i < 6 && queued(t, q, url) > 0; i++ {
		if err := src.Receive(ctx); err != nil {
			errs++
		}
	}
	if got := queued(t, q, url); got != 0 {
		t.Fatalf("%d messages left in the queue", got)
	}
	if errs != 1 {
		t.Errorf("%d failed receives, want the one the notifier failed", errs)
	}
	if d := cmp.Diff([]string{`recorded as "elb-health-check", still queued: true`, `recorded as "elb-health-check", still queued: true`}, seen); d != "" {
		t.Errorf("at each try (-want +got):\n%s", d)
	}
	if len(n.alerts) != 1 || n.alerts[0].TaskArn != deref(gone.TaskArn) || n.alerts[0].Cause != "elb-health-check" {
		t.Fatalf("alerts: %+v", n.alerts)
	}
}

// TestBothSourcesOneAlert: the queue and polling both bring the incident's
// stop, at the same time; it is announced once.
func TestBothSourcesOneAlert(t *testing.T) {
	t.Parallel()
	q, url := testQueue(t)
	_, c := simWorld(t)
	out, err := c.ECS.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Cluster: awssdk.String("codedang"), Tasks: []string{incidentStop}})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("the incident's task: %v", err)
	}
	send(t, q, url, event(out.Tasks[0]), event(out.Tasks[0])) // EventBridge may deliver twice
	st := openStore(t, storePath(t), c)
	n := &notifier{}
	w := newWatcher(c, st, n, nil)
	src := NewSQSSource(q, url, w)
	src.Wait = time.Second

	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := w.Poll(ctx); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		for i := 0; i < 4 && queued(t, q, url) > 0; i++ {
			if err := src.Receive(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if a, u := n.counts(); a != 1 || u != 0 {
		t.Errorf("%d alerts and %d updates, want one alert", a, u)
	}
	if got := queued(t, q, url); got != 0 {
		t.Errorf("%d messages left", got)
	}
}

func TestParseTaskEvent(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 4, 17, 4, 40, 0, 0, time.UTC)
	stop := event(forgotten(now))
	sns, _ := json.Marshal(map[string]string{"Type": "Notification", "Message": stop})
	tests := []struct {
		name, body string
		wantArn    string
		wantErr    bool
	}{
		{"eventbridge", stop, deref(forgotten(now).TaskArn), false},
		{"through sns", string(sns), deref(forgotten(now).TaskArn), false},
		{"not json", "hello", "", true},
		{"another event", `{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"stopped"}}`, "", true},
		{"no task", `{"source":"aws.ecs","detail-type":"ECS Task State Change","detail":{}}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTaskEvent(tt.body)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr {
				return
			}
			if deref(got.TaskArn) != tt.wantArn || deref(got.LastStatus) != "STOPPED" || got.StoppedAt == nil ||
				!got.StoppedAt.Equal(now.Add(-2*time.Minute)) || *got.Containers[0].ExitCode != 137 {
				t.Errorf("parsed %+v", got)
			}
		})
	}
}
