package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/jonboulle/clockwork"

	"github.com/ecsmedic/ecsmedic/bot/discordtest"
	"github.com/ecsmedic/ecsmedic/watch"
)

const elbReason = "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/codedang-frontend-tg/4c03a0d27b3ef69a)"

// stopTask stops the running task of a service through the SDK, as ECS
// would after failed health checks, and returns its ARN.
func stopTask(t *testing.T, sw *simWorld, service string) string {
	t.Helper()
	ctx := context.Background()
	// Reading the service lets the simulator replace tasks stopped earlier.
	if _, err := sw.clients.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: awssdk.String("codedang"), Services: []string{service}}); err != nil {
		t.Fatal(err)
	}
	out, err := sw.clients.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: awssdk.String("codedang"), ServiceName: awssdk.String(service),
		DesiredStatus: ecstypes.DesiredStatusRunning})
	if err != nil || len(out.TaskArns) == 0 {
		t.Fatalf("no running %s task to stop: %v", service, err)
	}
	if _, err := sw.clients.ECS.StopTask(ctx, &ecs.StopTaskInput{Cluster: awssdk.String("codedang"), Task: &out.TaskArns[0],
		Reason: awssdk.String(strings.Replace(elbReason, "frontend", service, 1))}); err != nil {
		t.Fatal(err)
	}
	return out.TaskArns[0]
}

func (h *ops) poll() {
	h.t.Helper()
	if err := h.watcher.Poll(context.Background()); err != nil {
		h.t.Fatalf("poll: %v\n%s", err, h.logs)
	}
}

// TestWatcherAlerts: each unexpected stop is one alert in the alerts
// channel, with its verdict, chart, remedies and the instance's footer; a
// restart on the same store repeats nothing; a crash loop is one alert,
// edited as it goes on.
func TestWatcherAlerts(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{})

	// The incident's own stop, on the first poll.
	h.poll()
	alerts := h.fake.Messages(alertsChannel)
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want the incident's stop: %v", len(alerts), h.titles(alertsChannel))
	}
	a := alerts[0]
	if got := title(a); got != "🚨 backend: stopped after failing load-balancer health checks — CPU-starved, not out of memory" {
		t.Errorf("title %q", got)
	}
	if e := a.Embeds[0]; e.Footer == nil || !strings.HasSuffix(e.Footer.Text, "ecsmedic "+testInstance) || e.Image == nil {
		t.Errorf("footer %+v, image %+v", e.Footer, e.Image)
	}
	if len(a.Attachments) == 0 || len(a.Buttons()) == 0 {
		t.Errorf("%d attachments, %d buttons", len(a.Attachments), len(a.Buttons()))
	}
	for _, b := range a.Buttons() {
		if _, _, err := h.bot.sign.verify(b.CustomID, scope{discordtest.DefaultGuildID, alertsChannel, ""}, h.clock.Now()); err != nil {
			t.Errorf("button %q is not signed", b.Label)
		}
	}

	// A frontend task fails its health checks: exactly one more alert.
	stopTask(t, h.sw, "frontend")
	h.poll()
	h.poll() // nothing new
	alerts = h.fake.Messages(alertsChannel)
	if len(alerts) != 2 || !strings.HasPrefix(title(alerts[1]), "🚨 frontend: stopped after failing load-balancer health checks") {
		t.Fatalf("after the frontend stop: %q", h.titles(alertsChannel))
	}

	// A restart on the same store: nothing is posted again.
	h.stop()
	h.st.Close()
	h2 := startOps(t, opsOptions{fake: h.fake, sw: h.sw, path: h.path, clock: h.clock})
	h2.poll()
	if n := len(h.fake.Messages(alertsChannel)); n != 2 {
		t.Fatalf("after a restart: %d alerts, want still 2: %q", n, h2.titles(alertsChannel))
	}

	// backend crash-loops: four stops at once with the incident's make one
	// grouped alert, and the next stop edits it.
	for range 4 {
		stopTask(t, h2.sw, "backend")
	}
	h2.poll()
	alerts = h.fake.Messages(alertsChannel)
	if len(alerts) != 3 || !strings.Contains(title(alerts[2]), "5 stops in") {
		t.Fatalf("the crash loop: %q", h2.titles(alertsChannel))
	}
	loop := alerts[2].ID
	stopTask(t, h2.sw, "backend")
	h2.poll()
	alerts = h.fake.Messages(alertsChannel)
	if len(alerts) != 3 {
		t.Fatalf("the loop's next stop posted anew: %q", h2.titles(alertsChannel))
	}
	if m := h2.message(loop); !strings.Contains(title(m), "6 stops in") || m.Edits != 1 || len(m.Attachments) != 1 {
		t.Errorf("the loop's alert: %q, %d edits, %d attachments", title(m), m.Edits, len(m.Attachments))
	}
}

// TestNoAlertsChannel: without an alerts channel the bot says so once and
// posts nothing; the stop counts as handled.
func TestNoAlertsChannel(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{config: func(c *BotConfig) { c.Discord.Channels.Alerts = "" }})
	h.poll()
	h.poll()
	for _, c := range h.fake.Calls() {
		if c.Method == "POST" && strings.Contains(c.Path, "/messages") {
			t.Errorf("posted %s", c.Path)
		}
	}
	if n := strings.Count(h.logs.String(), "no alerts channel"); n != 1 {
		t.Errorf("the warning was logged %d times, want once", n)
	}
}

// TestOtherInstanceNoticed: an alert from this bot's user with another
// instance's footer means a second replica; it is logged and counted.
func TestOtherInstanceNoticed(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{})
	send := func(footer string) {
		h.fake.Dispatch("MESSAGE_CREATE", map[string]any{
			"id": "500000000000000001", "channel_id": alertsChannel, "guild_id": discordtest.DefaultGuildID,
			"author":  map[string]any{"id": discordtest.DefaultBotUserID, "username": discordtest.DefaultBotName, "bot": true},
			"content": "", "timestamp": time.Now().UTC().Format(time.RFC3339),
			"embeds": []map[string]any{{"title": "🚨 backend: stopped", "footer": map[string]any{"text": footer}}},
		})
	}
	send("task 5e1f6c3a · ecsmedic " + testInstance)        // ours
	send("task 5e1f6c3a · ecsmedic ip-10-0-2-187-3f9a1c2e") // another
	// Events are handled in order: once help is answered, both were seen.
	h.replyTo(cmdChannel, h.sayAs(alice, "!help"))
	if m := metricsText(t, h.harness); !strings.Contains(m, "ecsmedic_other_instance_seen_total 1") {
		t.Errorf("the other instance is not counted:\n%s", grep(m, "other_instance"))
	}
	logs := h.logs.String()
	if strings.Count(logs, "another ecsmedic instance is posting") != 1 || !strings.Contains(logs, `"other":"ip-10-0-2-187-3f9a1c2e"`) {
		t.Errorf("no single clear warning:\n%s", logs)
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestDailySummary: the schedule fires at 09:00 in the team's zone and
// posts one summary in the alerts channel; running it again for the same
// date (a restart's catch-up) posts nothing.
func TestDailySummary(t *testing.T) {
	t.Parallel()
	kst, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	clock := clockwork.NewFakeClockAt(time.Date(2024, 4, 17, 8, 59, 0, 0, kst))
	h := startOps(t, opsOptions{before: func(h *ops) {
		s, err := watch.NewSchedule("0 9 * * *", kst, clock, watch.Once(h.st, "summary", testInstance, h.bot.PostSummary))
		if err != nil {
			t.Fatal(err)
		}
		h.bot.Go("summary", func(ctx context.Context) error {
			s.Start(ctx)
			<-ctx.Done()
			return s.Stop()
		})
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	h.waitFor("the summary", func() bool { return len(h.fake.Messages(alertsChannel)) == 1 })
	m := h.fake.Messages(alertsChannel)[0]
	if !strings.HasPrefix(title(m), "📋 Daily summary · codedang") {
		t.Errorf("title %q", title(m))
	}
	if f := m.Embeds[0].Footer; f == nil || !strings.HasSuffix(f.Text, "ecsmedic "+testInstance) {
		t.Errorf("footer %+v", f)
	}

	// The same date again: a restart's catch-up, and the job itself.
	again, err := watch.NewSchedule("0 9 * * *", kst, clockwork.NewFakeClockAt(time.Date(2024, 4, 17, 9, 5, 0, 0, kst)),
		watch.Once(h.st, "summary", "test-2", h.bot.PostSummary))
	if err != nil {
		t.Fatal(err)
	}
	again.CatchUp = 12 * time.Hour
	again.Start(ctx)
	if err := again.Stop(); err != nil {
		t.Fatal(err)
	}
	err = watch.Once(h.st, "summary", "test-2", h.bot.PostSummary)(ctx, time.Date(2024, 4, 17, 9, 0, 0, 0, kst))
	if !errors.Is(err, watch.ErrClaimed) {
		t.Errorf("a second run for the date: %v, want ErrClaimed", err)
	}
	if n := len(h.fake.Messages(alertsChannel)); n != 1 {
		t.Errorf("%d summaries, want 1", n)
	}
}
