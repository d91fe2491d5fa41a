package watch

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

const (
	incidentWorld = "../aws/world/builtin/incident.yaml"
	elbReason     = "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/codedang-backend-tg/4c03a0d27b3ef69a)"
	incidentStop  = "arn:aws:ecs:ap-northeast-2:111122223333:task/codedang/c7b943603338e2c8d2fc3e01287413a2"
)

var incidentRefs = []svcref.Ref{
	{Alias: "backend", Cluster: "codedang", Service: "backend"},
	{Alias: "frontend", Cluster: "codedang", Service: "frontend"},
}

var noBackoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })

// simWorld serves the incident world frozen at its own moment on
// loopback, and returns the simulator and real SDK clients for it.
func simWorld(t *testing.T) (*sim.Server, *aws.Clients) {
	t.Helper()
	s, c, _ := serveWorld(t, loadWorld(t, incidentWorld))
	return s, c
}

// openStore opens the store at path with the world's clock, closed at
// the end of the test (closing twice is fine).
func openStore(t *testing.T, path string, c *aws.Clients) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func storePath(t *testing.T) string { return filepath.Join(t.TempDir(), "ecsmedic.db") }

// notifier records alerts; fail makes the next N calls fail.
type notifier struct {
	mu      sync.Mutex
	alerts  []Alert
	updates []Alert
	ids     []string // the message each update was for
	fail    int
	onAlert func(Alert) // called before the alert is taken
}

var errDiscordDown = errors.New("discord is down")

func (n *notifier) Alert(ctx context.Context, a Alert) (string, error) {
	if n.onAlert != nil {
		n.onAlert(a)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail > 0 {
		n.fail--
		return "", errDiscordDown
	}
	n.alerts = append(n.alerts, a)
	return fmt.Sprintf("msg-%d", len(n.alerts)), nil
}

func (n *notifier) UpdateAlert(ctx context.Context, id string, a Alert) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail > 0 {
		n.fail--
		return errDiscordDown
	}
	n.updates = append(n.updates, a)
	n.ids = append(n.ids, id)
	return nil
}

func (n *notifier) counts() (alerts, updates int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.alerts), len(n.updates)
}

func newWatcher(c *aws.Clients, st Store, n Notifier, mod func(*Config)) *Watcher {
	cfg := Config{Cluster: "codedang", Services: incidentRefs, Locale: "en", Location: time.FixedZone("KST", 9*3600), Instance: "test-1"}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg, c, st, n)
}

// stopRunning stops the running task of a service through the SDK, as
// ECS would, with reason ("" = as a person would) and returns its ARN.
func stopRunning(t *testing.T, c *aws.Clients, service, reason string) string {
	t.Helper()
	ctx := context.Background()
	// Reading the service lets the simulator's scheduler replace tasks
	// stopped earlier.
	if _, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: awssdk.String("codedang"), Services: []string{service}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: awssdk.String("codedang"), ServiceName: awssdk.String(service), DesiredStatus: ecstypes.DesiredStatusRunning})
	if err != nil || len(out.TaskArns) == 0 {
		t.Fatalf("no running %s task to stop: %v", service, err)
	}
	in := &ecs.StopTaskInput{Cluster: awssdk.String("codedang"), Task: &out.TaskArns[0]}
	if reason != "" {
		in.Reason = &reason
	}
	if _, err := c.ECS.StopTask(ctx, in); err != nil {
		t.Fatal(err)
	}
	return out.TaskArns[0]
}

func callsOf(s *sim.Server, op string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Operation == op {
			n++
		}
	}
	return n
}
