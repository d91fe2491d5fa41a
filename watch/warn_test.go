package watch

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/google/go-cmp/cmp"
	"github.com/jonboulle/clockwork"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/internal/replygolden"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// serveWorld serves w frozen at its own moment on loopback, with SDK
// clients on a clock that starts at the world's Now.
func serveWorld(t testing.TB, w *world.World) (*sim.Server, *aws.Clients, *clockwork.FakeClock) {
	t.Helper()
	s := sim.New(w, sim.Options{Freeze: true})
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := aws.NewClientsForEndpoint(url, w.Region, aws.WithRetryBackoff(noBackoff), aws.WithMaxAttempts(2), aws.WithCallTimeout(5*time.Second))
	clk := clockwork.NewFakeClockAt(w.Now)
	c.Now = clk.Now
	t.Cleanup(func() {
		c.CloseIdleConnections()
		s.Close()
	})
	return s, c, clk
}

func loadWorld(t testing.TB, path string) *world.World {
	t.Helper()
	w, err := world.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func warnOn(cfg *Config) { cfg.Warn = Warn{On: true} }

// TestWarnBeforeTheStop: the club's afternoon at 13:32, before the kill:
// the backend has been at 91–99 % of its CPU reservation since 13:24, the
// cluster's CPU reservation is 94.5 % with scaling off. One warning for
// the backend with why's evidence and its fix buttons, one for the
// cluster, and nothing about the frontend; the stop poll finds nothing.
func TestWarnBeforeTheStop(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "ko"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			_, c, _ := serveWorld(t, loadWorld(t, "testdata/afternoon.yaml"))
			n := &notifier{}
			w := newWatcher(c, openStore(t, storePath(t), c), n, func(cfg *Config) { warnOn(cfg); cfg.Locale = lang })
			if err := w.Poll(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(n.alerts) != 0 {
				t.Fatalf("the stop poll announced %d stops before any stop", len(n.alerts))
			}
			if err := w.WarnRound(context.Background()); err != nil {
				t.Fatal(err)
			}
			var services []string
			var backend *Alert
			for i, a := range n.alerts {
				services = append(services, a.Service)
				if a.Service == "backend" {
					backend = &n.alerts[i]
				}
			}
			if d := cmp.Diff([]string{"codedang", "backend"}, services); d != "" {
				t.Fatalf("warnings (-want +got):\n%s", d)
			}
			var ids []string
			for _, b := range backend.Message.Buttons {
				ids = append(ids, b.ID)
			}
			if d := cmp.Diff([]string{"!scale backend cpu 1024", "!autoscale backend on min 2 max 4 cpu 60", "!reservation on"}, ids); d != "" {
				t.Errorf("buttons (-want +got):\n%s", d)
			}
			if backend.Message.Severity != reply.Warning || len(backend.Message.Attachments) == 0 {
				t.Errorf("severity %v, %d charts", backend.Message.Severity, len(backend.Message.Attachments))
			}
			replygolden.Check(t, "warn_backend_"+lang, backend.Message)
			replygolden.Check(t, "warn_cluster_"+lang, n.alerts[0].Message)
		})
	}
}

// svcSpec is one service of a generated world.
type svcSpec struct {
	name    string
	cpu     func(minute int) float64 // % of the reservation, minute 0 = the world's Now − 30 min
	mem     float64
	targets []string // each target's state: healthy, unhealthy, initial, draining
}

var (
	genNow   = time.Date(2024, 4, 17, 13, 0, 0, 0, time.FixedZone("KST", 9*3600))
	genStart = genNow.Add(-30 * time.Minute)
)

const genMinutes = 16 * 60 // of metrics from genStart

// genWorld is an EC2 cluster "club" with two container instances, no
// capacity provider and no scaling policy, the given CPU reservation, and
// the services, each with one target group.
func genWorld(t *testing.T, clusterRes float64, svcs ...svcSpec) *world.World {
	t.Helper()
	arn := "arn:aws:ecs:ap-northeast-2:111122223333:"
	tg := "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/"
	series := func(f func(int) float64) string {
		vals := make([]string, genMinutes)
		for i := range vals {
			vals[i] = fmt.Sprint(f(i))
		}
		return strings.Join(vals, ", ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nnow: %q\nregion: ap-northeast-2\naccountId: \"111122223333\"\n", genNow.Format(time.RFC3339))
	fmt.Fprintf(&b, "clusters:\n  - {clusterName: club, clusterArn: %scluster/club, status: ACTIVE, registeredContainerInstancesCount: 2}\n", arn)
	b.WriteString("containerInstances:\n")
	for i := range 2 {
		fmt.Fprintf(&b, "  - {containerInstanceArn: %scontainer-instance/club/%032x, ec2InstanceId: i-%017x, status: ACTIVE, agentConnected: true}\n", arn, i+1, i+1)
	}
	b.WriteString("services:\n")
	for _, s := range svcs {
		fmt.Fprintf(&b, "  - {serviceName: %s, serviceArn: %sservice/club/%s, clusterArn: %scluster/club, status: ACTIVE, taskDefinition: %stask-definition/%s:3, desiredCount: 1, runningCount: 1, launchType: EC2, loadBalancers: [{targetGroupArn: %s%s/0123456789abcdef, containerName: app, containerPort: 8080}]}\n",
			s.name, arn, s.name, arn, arn, s.name, tg, s.name)
	}
	b.WriteString("taskDefinitions:\n")
	for _, s := range svcs {
		fmt.Fprintf(&b, "  - {taskDefinitionArn: %stask-definition/%s:3, family: %s, revision: 3, status: ACTIVE, cpu: \"256\", memory: \"512\", containerDefinitions: [{name: app, image: app, essential: true}]}\n", arn, s.name, s.name)
	}
	b.WriteString("targetGroups:\n")
	for _, s := range svcs {
		fmt.Fprintf(&b, "  - TargetGroupArn: %s%s/0123456789abcdef\n    TargetGroupName: %s\n    Protocol: HTTP\n    Port: 8080\n    TargetType: instance\n    TargetHealthDescriptions:\n", tg, s.name, s.name)
		for i, st := range s.targets {
			reason := map[string]string{"unhealthy": "Target.Timeout", "initial": "Elb.InitialHealthChecking", "draining": "Target.DeregistrationInProgress"}[st]
			desc := map[string]string{"unhealthy": "Request timed out"}[st]
			fmt.Fprintf(&b, "      - {Target: {Id: i-%017x, Port: %d}, TargetHealth: {State: %s", 1+i%2, 32768+i, st)
			if reason != "" {
				fmt.Fprintf(&b, ", Reason: %s", reason)
			}
			if desc != "" {
				fmt.Fprintf(&b, ", Description: %q", desc)
			}
			b.WriteString("}}\n")
		}
	}
	b.WriteString("metrics:\n")
	for _, m := range []string{"CPUReservation", "MemoryReservation"} {
		fmt.Fprintf(&b, "  - {namespace: AWS/ECS, metricName: %s, dimensions: {ClusterName: club}, period: 60, start: %q, values: [%s]}\n", m, genStart.Format(time.RFC3339), series(func(int) float64 { return clusterRes }))
	}
	for _, s := range svcs {
		fmt.Fprintf(&b, "  - {namespace: AWS/ECS, metricName: CPUUtilization, dimensions: {ClusterName: club, ServiceName: %s}, period: 60, start: %q, values: [%s]}\n", s.name, genStart.Format(time.RFC3339), series(s.cpu))
		fmt.Fprintf(&b, "  - {namespace: AWS/ECS, metricName: MemoryUtilization, dimensions: {ClusterName: club, ServiceName: %s}, period: 60, start: %q, values: [%s]}\n", s.name, genStart.Format(time.RFC3339), series(func(int) float64 { return s.mem }))
	}
	w, err := world.Parse("warn-test", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func steady(v float64) func(int) float64 { return func(int) float64 { return v } }

func clubRefs(names ...string) []svcref.Ref {
	var out []svcref.Ref
	for _, n := range names {
		out = append(out, svcref.Ref{Alias: n, Cluster: "club", Service: n})
	}
	return out
}

// TestWarnSilent: no warning in a healthy world, nor during a normal
// deployment (one target draining, its replacement still in its initial
// health checks, CPU normal), nor for a reservation that is full on a
// cluster with one service under 90 %.
func TestWarnSilent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		clusterRes float64
		svcs       []svcSpec
	}{
		{"healthy", 60, []svcSpec{{name: "api", cpu: steady(40), mem: 50, targets: []string{"healthy", "healthy"}}, {name: "web", cpu: steady(10), mem: 30, targets: []string{"healthy"}}}},
		{"deployment", 60, []svcSpec{{name: "api", cpu: steady(45), mem: 50, targets: []string{"draining", "initial"}}}},
		{"short spike", 60, []svcSpec{{name: "api", cpu: func(i int) float64 {
			if i >= 27 {
				return 99 // the last three minutes only: below Warn.For
			}
			return 40
		}, mem: 50, targets: []string{"healthy"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var names []string
			for _, s := range tt.svcs {
				names = append(names, s.name)
			}
			_, c, _ := serveWorld(t, genWorld(t, tt.clusterRes, tt.svcs...))
			n := &notifier{}
			w := newWatcher(c, openStore(t, storePath(t), c), n, func(cfg *Config) {
				warnOn(cfg)
				cfg.Cluster, cfg.Services = "club", clubRefs(names...)
			})
			for range 3 {
				if err := w.WarnRound(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if a, u := n.counts(); a+u != 0 {
				t.Errorf("%d warnings, %d edits: %+v", a, u, n.alerts)
			}
		})
	}
}

// TestWarnLifecycle: one warning per service and kind per window, several
// kinds of one service in one message (edited in place when a kind joins
// it), "back to normal" when the pressure ends, quiet hours that hold a
// warning until they end, and a restart that reposts nothing.
func TestWarnLifecycle(t *testing.T) {
	t.Parallel()
	// api: CPU 95 % from minute 20 (12:50) to minute 60 (13:30), again
	// from 75 to 85, and from 120 (14:30) on.
	api := func(i int) float64 {
		if (i >= 20 && i < 60) || (i >= 75 && i < 85) || i >= 120 {
			return 95
		}
		return 40
	}
	type step struct {
		at      string // the clock, KST
		alerts  []string
		updates []string
	}
	tests := []struct {
		name  string
		quiet QuietHours
		steps []step
	}{
		{"rate limit and end", QuietHours{}, []step{
			{"13:00", []string{"api: cpu"}, nil},
			{"13:10", nil, nil}, // still going: no repeat
			{"13:35", []string{"api: back to normal"}, nil},
			{"13:52", nil, nil},                  // back within the hour: not again
			{"14:00", nil, nil},                  // ended again, never posted: nothing to take back
			{"14:40", []string{"api: cpu"}, nil}, // the hour has passed
			{"14:45", nil, nil},
		}},
		{"quiet hours", QuietHours{From: 12*60 + 55, To: 13*60 + 5}, []step{
			{"13:00", nil, nil},                  // quiet
			{"13:05", []string{"api: cpu"}, nil}, // still going when the quiet hours end
			{"13:35", []string{"api: back to normal"}, nil},
		}},
		{"ended in quiet hours", QuietHours{From: 13*60 + 30, To: 14 * 60}, []step{
			{"13:00", []string{"api: cpu"}, nil},
			{"13:35", nil, nil},                             // ended, but quiet
			{"14:00", []string{"api: back to normal"}, nil}, // said when the quiet hours end
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, c, clk := serveWorld(t, genWorld(t, 60, svcSpec{name: "api", cpu: api, mem: 50, targets: []string{"healthy"}}))
			path := storePath(t)
			st := openStore(t, path, c)
			n := &notifier{}
			mk := func(st Store) *Watcher {
				return newWatcher(c, st, n, func(cfg *Config) {
					cfg.Warn = Warn{On: true, Quiet: tt.quiet}
					cfg.Cluster, cfg.Services = "club", clubRefs("api")
				})
			}
			w := mk(st)
			seen := 0
			for _, s := range tt.steps {
				at, err := time.ParseInLocation("15:04", s.at, genNow.Location())
				if err != nil {
					t.Fatal(err)
				}
				clk.Advance(time.Date(2024, 4, 17, at.Hour(), at.Minute(), 0, 0, genNow.Location()).Sub(clk.Now()))
				if err := w.WarnRound(context.Background()); err != nil {
					t.Fatal(err)
				}
				got := summarise(n.alerts[seen:])
				seen = len(n.alerts)
				if d := cmp.Diff(s.alerts, got); d != "" {
					t.Errorf("at %s, posts (-want +got):\n%s", s.at, d)
				}
				// A restart after every step: the store carries the state.
				st.Close()
				st = openStore(t, path, c)
				w = mk(st)
			}
			if _, u := n.counts(); u != 0 {
				t.Errorf("%d edits, want none", u)
			}
		})
	}
}

// summarise names each post "service: kinds" or "service: back to normal".
func summarise(as []Alert) []string {
	var out []string
	for _, a := range as {
		if a.Cause == "warning-ended" {
			out = append(out, a.Service+": back to normal")
			continue
		}
		out = append(out, a.Service+": "+kindsOf(a.Message))
	}
	return out
}

// kindsOf reads the kinds back from an English warning's description.
func kindsOf(m reply.Message) string {
	var k []string
	for _, c := range []struct{ kind, word string }{{"targets", "load-balancer targets"}, {"cpu", "CPU at or above"}, {"memory", "Memory at or above"}, {"cluster", "reservation has been"}} {
		if strings.Contains(m.Description, c.word) {
			k = append(k, c.kind)
		}
	}
	return strings.Join(k, "+")
}

// TestWarnGroupsKindsOfAService: CPU, memory and failing targets of one
// service in one round are one message; two services under pressure are
// one message each; the cluster full with scaling off is its own.
func TestWarnGroupsKindsOfAService(t *testing.T) {
	t.Parallel()
	_, c, _ := serveWorld(t, genWorld(t, 97,
		svcSpec{name: "api", cpu: steady(96), mem: 93, targets: []string{"unhealthy", "healthy"}},
		svcSpec{name: "web", cpu: steady(99), mem: 20, targets: []string{"healthy"}},
		svcSpec{name: "docs", cpu: steady(20), mem: 20, targets: []string{"healthy"}},
	))
	n := &notifier{}
	w := newWatcher(c, openStore(t, storePath(t), c), n, func(cfg *Config) {
		warnOn(cfg)
		cfg.Cluster, cfg.Services = "club", clubRefs("api", "web", "docs")
	})
	if err := w.WarnRound(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"club: cluster", "api: targets+cpu+memory", "web: cpu"}, summarise(n.alerts)); d != "" {
		t.Errorf("posts (-want +got):\n%s", d)
	}
	if want := "⚠️ api: 1 of 2 targets failing health checks, CPU at 96 % of its reservation, memory at 93 % of its reservation"; len(n.alerts) > 1 && n.alerts[1].Message.Title != want {
		t.Errorf("api's title %q, want %q", n.alerts[1].Message.Title, want)
	}
}

// TestWarnTargetsJoinTheWarning: the backend's CPU warning is posted;
// after a restart its target starts failing health checks (the minute
// before the incident's kill) and the same message is edited to say so
// rather than a second one posted. A later round in the same minute
// reads nothing (Warn.Interval), and a quiet round's calls are pinned.
func TestWarnTargetsJoinTheWarning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := storePath(t)
	before := loadWorld(t, "testdata/afternoon.yaml")
	s1, c1, _ := serveWorld(t, before)
	n := &notifier{}
	st := openStore(t, path, c1)
	w := newWatcher(c1, st, n, warnOn)
	if err := w.WarnRound(ctx); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"codedang: cluster", "backend: cpu"}, summarise(n.alerts)); d != "" {
		t.Fatalf("first round (-want +got):\n%s", d)
	}
	t.Logf("a round that posts the backend's and the cluster's warnings: %d calls", len(s1.Calls()))

	// The same minute again: quiet, and each call is one the summary
	// makes, plus one DescribeTargetHealth per target group.
	s1.ResetCalls()
	w = newWatcher(c1, st, n, func(cfg *Config) { cfg.Warn = Warn{On: true, Interval: time.Minute} })
	if err := w.WarnRound(ctx); err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for _, call := range s1.Calls() {
		ops[call.Operation]++
	}
	want := map[string]int{"DescribeClusters": 1, "DescribeServices": 1, "GetMetricData": 1, "ListContainerInstances": 1,
		"DescribeContainerInstances": 1, "DescribeCapacityProviders": 1, "DescribeAutoScalingGroups": 1, "DescribePolicies": 1,
		"DescribeTargetHealth": 2}
	if d := cmp.Diff(want, ops); d != "" {
		t.Errorf("a quiet round's calls (-want +got):\n%s", d)
	}
	s1.ResetCalls()
	if err := w.WarnRound(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(s1.Calls()); got != 0 {
		t.Errorf("a second round within Warn.Interval made %d calls", got)
	}
	st.Close()

	failing := before.Clone()
	for _, tg := range failing.TargetGroups {
		if tg["TargetGroupName"] == "codedang-backend-tg" {
			tg["TargetHealthDescriptions"] = []any{map[string]any{
				"Target":       map[string]any{"Id": "i-05816cdd2e129f6b9", "Port": int64(32771)},
				"TargetHealth": map[string]any{"State": "unhealthy", "Reason": "Target.Timeout", "Description": "Request timed out"},
			}}
		}
	}
	_, c2, _ := serveWorld(t, failing)
	w = newWatcher(c2, openStore(t, path, c2), n, warnOn)
	if err := w.WarnRound(ctx); err != nil {
		t.Fatal(err)
	}
	if a, u := n.counts(); a != 2 || u != 1 {
		t.Fatalf("%d posts and %d edits, want the backend's warning edited", a, u)
	}
	if n.ids[0] != "msg-2" || kindsOf(n.updates[0].Message) != "targets+cpu" {
		t.Errorf("edited %s to say %q, want msg-2 with targets+cpu", n.ids[0], kindsOf(n.updates[0].Message))
	}
	replygolden.Check(t, "warn_backend_targets_en", n.updates[0].Message)
}

// TestWarnEndedReply: the "back to normal" follow-up in both languages.
func TestWarnEndedReply(t *testing.T) {
	t.Parallel()
	kst := time.FixedZone("KST", 9*3600)
	ended := []explain.Pressure{
		{Kind: explain.PressureCPU, Percent: 99.4, Threshold: 90, Minutes: 8, Since: time.Date(2024, 4, 17, 4, 29, 0, 0, time.UTC)},
		{Kind: explain.PressureTargets, Unhealthy: 1, Targets: 1, Reason: "Request timed out", Since: time.Date(2024, 4, 17, 4, 33, 0, 0, time.UTC)},
	}
	for _, lang := range []string{"en", "ko"} {
		m := explain.WarningEnded(lang, "backend", ended, time.Date(2024, 4, 17, 4, 41, 0, 0, time.UTC), kst, Footer("test-1"))
		replygolden.Check(t, "warn_ended_"+lang, m)
	}
}

// TestWarnSilentDuringADeployment: the frontend is redeployed in the
// afternoon world (its old task stopped and replaced, its targets
// draining and in their first checks); whole watcher rounds, the stop
// poll and the early warning, post nothing about it.
func TestWarnSilentDuringADeployment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w0 := loadWorld(t, "testdata/afternoon.yaml")
	for _, svc := range w0.Services {
		if svc["serviceName"] == "frontend" {
			svc["deploymentConfiguration"] = map[string]any{"maximumPercent": int64(100), "minimumHealthyPercent": int64(0)}
		}
	}
	// Room for the new task: the afternoon's hosts are nearly full.
	for _, ci := range w0.ContainerInstances {
		for _, r := range ci["remainingResources"].([]any) {
			if r := r.(map[string]any); r["name"] == "CPU" {
				r["integerValue"] = int64(1024)
			}
		}
	}
	for _, tg := range w0.TargetGroups {
		if tg["TargetGroupName"] == "codedang-frontend-tg" {
			tg["TargetHealthDescriptions"] = []any{
				map[string]any{"Target": map[string]any{"Id": "i-05490a5b0b00e1ecc", "Port": int64(32769)},
					"TargetHealth": map[string]any{"State": "draining", "Reason": "Target.DeregistrationInProgress"}},
				map[string]any{"Target": map[string]any{"Id": "i-05490a5b0b00e1ecc", "Port": int64(32780)},
					"TargetHealth": map[string]any{"State": "initial", "Reason": "Elb.InitialHealthChecking"}},
			}
		}
	}
	s, c, _ := serveWorld(t, w0)
	n := &notifier{}
	st := openStore(t, storePath(t), c)
	// The frontend alone, and a cluster share the afternoon's 94.5 % does
	// not reach: this test is about the deployment.
	w := newWatcher(c, st, n, func(cfg *Config) {
		cfg.Warn = Warn{On: true, ClusterPercent: 100}
		cfg.Services = incidentRefs[1:]
	})
	if _, err := c.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: awssdk.String("codedang"), Service: awssdk.String("frontend"), ForceNewDeployment: true}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		s.AdvanceDeployments()
		if err := w.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.WarnRound(ctx); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := st.Stops("codedang", "frontend", c.Now().Add(-time.Hour))
	if err != nil || len(recs) != 1 || recs[0].Cause != "deployment" {
		t.Errorf("recorded stops %+v, %v: want the deployment's one", recs, err)
	}
	if a, u := n.counts(); a+u != 0 {
		t.Errorf("%d posts, %d edits during a deployment: %+v", a, u, summarise(n.alerts))
	}
}

// TestWarnOnAShiftedWorld: `ecsmedic sim --world watch/testdata/afternoon.yaml`
// (not frozen) moves the afternoon to the present; a watcher on the same
// present warns about the backend as in the frozen world.
func TestWarnOnAShiftedWorld(t *testing.T) {
	t.Parallel()
	present := time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
	w := loadWorld(t, "testdata/afternoon.yaml")
	s := sim.New(w, sim.Options{Clock: func() time.Time { return present }})
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := aws.NewClientsForEndpoint(url, w.Region, aws.WithRetryBackoff(noBackoff), aws.WithMaxAttempts(2))
	c.Now = func() time.Time { return present }
	t.Cleanup(func() {
		c.CloseIdleConnections()
		s.Close()
	})
	n := &notifier{}
	if err := newWatcher(c, openStore(t, storePath(t), c), n, warnOn).WarnRound(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"codedang: cluster", "backend: cpu"}, summarise(n.alerts)); d != "" {
		t.Errorf("posts (-want +got):\n%s", d)
	}
}
