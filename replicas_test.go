package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/bot/discordtest"
	"github.com/ecsmedic/ecsmedic/internal/mototest"
	"github.com/ecsmedic/ecsmedic/replica"
)

// TestTwoReplicas runs two `ecsmedic run` processes on one DynamoDB table
// (moto), one fake Discord and the simulator, as two Fargate tasks would
// run: every chat command is answered once; the leader posts the
// incident's alerts; when the leader is killed (kill -9) the other takes
// over within the lease's TTL and a third of it, posts the next stop's
// alert, and posts none of the old ones again.
func TestTwoReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a lease (about 20 s)")
	}
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(w, sim.Options{})
	rig := newReplicaRig(t, s, w.Region)
	hs, fake := rig.sim, rig.fake
	a := rig.start("a")
	a.waitFor("this replica leads")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	alerts := func() int { return len(fake.Messages(discordtest.DefaultAlertsID)) }
	if err := fake.WaitFor(ctx, func() bool { return alerts() >= 1 }); err != nil {
		t.Fatalf("the leader posted no alert of the incident: %v\n%s", err, a.stderr())
	}
	b := rig.start("b")
	if err := fake.WaitFor(ctx, func() bool { return fake.Sessions() == 2 }); err != nil {
		t.Fatalf("two gateway sessions: %v\n%s", err, b.stderr())
	}

	// Each command once, whichever replica claims it.
	answers := func() int { return len(fake.Messages(discordtest.DefaultChannelID)) }
	const n = 20
	for i := range n {
		fake.SendMessage(discordtest.Message{ChannelID: discordtest.DefaultChannelID, GuildID: discordtest.DefaultGuildID, Content: []string{"!help", "!status backend"}[i%2]})
	}
	if err := fake.WaitFor(ctx, func() bool { return answers() >= n }); err != nil {
		t.Fatalf("%d of %d commands answered: %v", answers(), n, err)
	}
	fake.SendMessage(discordtest.Message{ChannelID: discordtest.DefaultChannelID, GuildID: discordtest.DefaultGuildID, Content: "!help"})
	if err := fake.WaitFor(ctx, func() bool { return answers() >= n+1 }); err != nil {
		t.Fatal(err)
	}
	if got := answers(); got != n+1 {
		t.Fatalf("%d answers to %d commands: a command was answered twice", got, n+1)
	}
	byA, byB := strings.Count(a.stderr(), `"msg":"answered"`), strings.Count(b.stderr(), `"msg":"answered"`)
	t.Logf("replica a answered %d commands, b %d", byA, byB)

	// The leader dies: b takes over, and only the new stop is alerted.
	before := alerts()
	_ = a.cmd.Process.Kill()
	killed := time.Now()
	// The bound itself (TTL + TTL/3) is held on a fake clock in
	// replica.TestTakeover; here the time is measured, not asserted, so
	// that a busy machine does not fail the test.
	b.waitForWithin("this replica leads", lapse)
	took := time.Since(killed)
	t.Logf("takeover %s after the leader was killed (lease TTL %s, renewed every %s)", took.Round(100*time.Millisecond), replica.DefaultTTL, replica.DefaultTTL/3)
	stopOne(t, hs.URL, w.Region, "backend")
	if err := fake.WaitFor(ctx, func() bool { return alerts() > before }); err != nil {
		t.Fatalf("no alert of the new stop after the takeover: %v\n%s", err, b.stderr())
	}
	if got := alerts(); got != before+1 {
		t.Errorf("%d alerts after the takeover, want 1 (the new stop; the incident's were posted already)", got-before)
	}
}

// lapse is how long a replica may wait for a dead leader's lease: the
// TTL, a renewal, and the tests' usual patience for a busy machine.
const lapse = replica.DefaultTTL + replica.DefaultTTL/3 + patience

// stopOne stops a running task of service in the simulator as ECS does
// after failed health checks (a stop the watcher alerts).
func stopOne(t *testing.T, url, region, service string) {
	t.Helper()
	c := aws.NewClientsForEndpoint(url, region)
	ctx := context.Background()
	tasks, err := c.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: ptr("codedang"), ServiceName: ptr(service)})
	if err != nil || len(tasks.TaskArns) == 0 {
		t.Fatalf("no running %s task to stop: %v", service, err)
	}
	if _, err := c.ECS.StopTask(ctx, &ecs.StopTaskInput{Cluster: ptr("codedang"), Task: ptr(tasks.TaskArns[0]), Reason: ptr("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/codedang-" + service + "-tg/4c03a0d27b3ef69a)")}); err != nil {
		t.Fatal(err)
	}
}

func ptr(s string) *string { return &s }

// replicaRig is replicas of `ecsmedic run` on one DynamoDB table (moto),
// one fake Discord and one simulator, each with its own config file.
type replicaRig struct {
	t      *testing.T
	dir    string
	fake   *discordtest.Server
	sim    *httptest.Server
	moto   string
	table  string
	region string
}

func newReplicaRig(t *testing.T, simHandler http.Handler, region string) *replicaRig {
	t.Helper()
	moto := mototest.URL(t)
	hs := httptest.NewServer(simHandler)
	t.Cleanup(hs.Close)
	fake, err := discordtest.New(discordtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	r := &replicaRig{t: t, dir: t.TempDir(), fake: fake, sim: hs, moto: moto, region: region,
		table: fmt.Sprintf("ecsmedic-replicas-%d-%d", os.Getpid(), rigTables.Add(1))}
	if res := ecsmedic(t, r.dir, "--config", r.config("setup"), "store", "create-table"); res.code != 0 {
		t.Fatalf("create-table: %s%s", res.stdout, res.stderr)
	}
	return r
}

var rigTables atomic.Int64

// config writes a replica's config: changes on, for the fake's operator
// and approver roles.
func (r *replicaRig) config(name string) string {
	r.t.Helper()
	yml := fmt.Sprintf(`discord:
  guildId: %q
  apiBaseUrl: %s
  channels: {alerts: %q}
  roles: {operators: [%q], approvers: [%q]}
aws: {region: %s, cluster: codedang, endpoint: %s}
services: {backend: {container: backend}, frontend: {}}
schedules:
  watch: {interval: 10s}
storage: {engine: dynamodb, table: %s, endpoint: %s}
http: {addr: %s}
`, discordtest.DefaultGuildID, r.fake.URL(), discordtest.DefaultAlertsID, discordtest.DefaultOperatorRole, discordtest.DefaultApproverRole,
		r.region, r.sim.URL, r.table, r.moto, freeAddr(r.t))
	p := filepath.Join(r.dir, name+".yaml")
	if err := os.WriteFile(p, []byte(yml), 0o600); err != nil {
		r.t.Fatal(err)
	}
	return p
}

// start runs a replica named name.
func (r *replicaRig) start(name string, env ...string) *child {
	r.t.Helper()
	return start(r.t, r.dir, append([]string{"DISCORD_TOKEN=" + r.fake.Token()}, env...), "--config", r.config(name), "run")
}

// TestReplicaKilledMidApply: the leader (which also answers the chat
// while alone) is applying a change approved in chat when it is killed
// (kill -9), its UpdateService carried out but unanswered. A second
// replica, started meanwhile, leaves the change alone while the leader is
// alive, takes the lease when it lapses, settles the change from what AWS
// holds and reports it once, sending no write again, and posts none of
// the leader's alerts again.
func TestReplicaKilledMidApply(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a lease (about 20 s)")
	}
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	h := &holdingSim{op: "UpdateService", after: true, arrived: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { close(h.release) })
	rig := newReplicaRig(t, h.wrap(sim.New(w, sim.Options{})), w.Region)
	fake := rig.fake
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	a := rig.start("a", pollEnv+"=1ms")
	a.waitFor("this replica leads")
	alerts := func() int { return len(fake.Messages(discordtest.DefaultAlertsID)) }
	if err := fake.WaitFor(ctx, func() bool { return alerts() >= 1 }); err != nil {
		t.Fatalf("the leader posted no alert of the incident: %v", err)
	}
	say := func(user, role, text string) {
		fake.SendMessage(discordtest.Message{ChannelID: discordtest.DefaultChannelID, GuildID: discordtest.DefaultGuildID,
			AuthorID: user, AuthorName: "user" + user[len(user)-1:], Roles: []string{role}, Content: text})
	}
	say("400000000000000001", discordtest.DefaultOperatorRole, "!scale backend count 0")
	var id string
	if err := fake.WaitFor(ctx, func() bool {
		for _, m := range fake.Messages(discordtest.DefaultChannelID) {
			if got := backendChangeID.FindStringSubmatch(messageText(m)); got != nil {
				id = got[1]
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no plan posted: %v", err)
	}
	say("400000000000000002", discordtest.DefaultApproverRole, "!approve "+id)
	select {
	case <-h.arrived:
	case <-ctx.Done():
		t.Fatal("no UpdateService call")
	}
	b := rig.start("b", pollEnv+"=1ms")
	if err := fake.WaitFor(ctx, func() bool { return fake.Sessions() == 2 }); err != nil {
		t.Fatal(err)
	}
	b.waitFor(`"msg":"connecting to Discord"`)
	before, sent := alerts(), h.mutating()
	_ = a.cmd.Process.Kill()
	killed := time.Now()
	b.waitForWithin("this replica leads", lapse)
	b.waitFor(`"msg":"change applied"`)
	t.Logf("the other replica led %s after the kill, and settled the change", time.Since(killed).Round(100*time.Millisecond))
	if strings.Contains(a.stderr(), `"msg":"change applied"`) {
		t.Error("the killed leader reported the change applied too")
	}
	if i, j := strings.Index(b.stderr(), "this replica leads"), strings.Index(b.stderr(), `"msg":"change applied"`); j < i {
		t.Error("the second replica took the change over while the leader was alive")
	}
	if n := h.mutating() - sent; n != 0 {
		t.Errorf("settling the change sent %d writes, want none", n)
	}
	if n := h.count("UpdateService"); n != 1 {
		t.Errorf("%d UpdateService carried out, want 1", n)
	}
	stopOne(t, rig.sim.URL, w.Region, "frontend") // backend has no task left
	if err := fake.WaitFor(ctx, func() bool { return alerts() > before }); err != nil {
		t.Fatalf("no alert of the new stop after the takeover: %v", err)
	}
	if got := alerts(); got != before+1 {
		t.Errorf("%d alerts after the takeover, want 1 (the new stop)", got-before)
	}
}

// messageText is a message's content and its embeds' titles and text.
func messageText(m discordtest.StoredMessage) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		if e != nil {
			b.WriteString("\n" + e.Title + "\n" + e.Description)
		}
	}
	return b.String()
}
