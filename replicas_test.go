package main

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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
	moto := mototest.URL(t)
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(w, sim.Options{})
	hs := httptest.NewServer(s)
	defer hs.Close()
	fake, err := discordtest.New(discordtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	dir := t.TempDir()
	table := fmt.Sprintf("ecsmedic-replicas-%d", os.Getpid())
	config := func(name string) string {
		yml := fmt.Sprintf(`discord:
  guildId: %q
  apiBaseUrl: %s
  channels: {alerts: %q}
aws: {region: %s, cluster: codedang, endpoint: %s}
services: {backend: {container: backend}, frontend: {}}
schedules:
  watch: {interval: 10s}
storage: {engine: dynamodb, table: %s, endpoint: %s}
http: {addr: %s}
`, discordtest.DefaultGuildID, fake.URL(), discordtest.DefaultAlertsID, w.Region, hs.URL, table, moto, freeAddrT(t))
		p := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(p, []byte(yml), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfgA, cfgB := config("a"), config("b")
	if r := ecsmedic(t, dir, "--config", cfgA, "store", "create-table"); r.code != 0 {
		t.Fatalf("create-table: %s%s", r.stdout, r.stderr)
	}
	env := []string{"DISCORD_TOKEN=" + fake.Token()}
	a := start(t, dir, env, "--config", cfgA, "run")
	a.waitFor("this replica leads")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	alerts := func() int { return len(fake.Messages(discordtest.DefaultAlertsID)) }
	if err := fake.WaitFor(ctx, func() bool { return alerts() >= 1 }); err != nil {
		t.Fatalf("the leader posted no alert of the incident: %v\n%s", err, a.stderr())
	}
	b := start(t, dir, env, "--config", cfgB, "run")
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
	b.waitFor("this replica leads")
	took := time.Since(killed)
	t.Logf("takeover %s after the leader was killed (lease TTL %s, renewed every %s)", took.Round(100*time.Millisecond), replica.DefaultTTL, replica.DefaultTTL/3)
	if took > replica.DefaultTTL+replica.DefaultTTL/3+5*time.Second {
		t.Errorf("takeover took %s, want within the TTL and a renewal", took)
	}
	stopOne(t, hs.URL, w.Region)
	if err := fake.WaitFor(ctx, func() bool { return alerts() > before }); err != nil {
		t.Fatalf("no alert of the new stop after the takeover: %v\n%s", err, b.stderr())
	}
	if got := alerts(); got != before+1 {
		t.Errorf("%d alerts after the takeover, want 1 (the new stop; the incident's were posted already)", got-before)
	}
}

// stopOne stops a running backend task in the simulator as ECS does
// after failed health checks (a stop the watcher alerts).
func stopOne(t *testing.T, url, region string) {
	t.Helper()
	c := aws.NewClientsForEndpoint(url, region)
	ctx := context.Background()
	tasks, err := c.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: ptr("codedang"), ServiceName: ptr("backend")})
	if err != nil || len(tasks.TaskArns) == 0 {
		t.Fatalf("no running backend task to stop: %v", err)
	}
	if _, err := c.ECS.StopTask(ctx, &ecs.StopTaskInput{Cluster: ptr("codedang"), Task: ptr(tasks.TaskArns[0]), Reason: ptr("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/codedang-backend-tg/4c03a0d27b3ef69a)")}); err != nil {
		t.Fatal(err)
	}
}

func ptr(s string) *string { return &s }

func freeAddrT(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
