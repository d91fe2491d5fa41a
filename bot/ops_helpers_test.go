package bot

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/bot/discordtest"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/watch"
)

// The club in the tests: alice and dave are operators (they ask), bob and
// carol approvers, eve has no role at all.
var (
	alice = member{"400000000000000011", "alice", []string{discordtest.DefaultOperatorRole}}
	dave  = member{"400000000000000014", "dave", []string{discordtest.DefaultOperatorRole}}
	bob   = member{"400000000000000012", "bob", []string{discordtest.DefaultOperatorRole, discordtest.DefaultApproverRole}}
	carol = member{"400000000000000013", "carol", []string{discordtest.DefaultApproverRole}}
	eve   = member{"400000000000000015", "eve", nil}
)

type member struct {
	id, name string
	roles    []string
}

const (
	alertsChannel = discordtest.DefaultAlertsID
	auditChannel  = discordtest.DefaultAuditID
	testInstance  = "test-1"
)

var noBackoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })

// simWorld is the incident world, frozen, behind a loopback address whose
// simulator can be replaced by one serving a grown world (the Auto
// Scaling group adding a host), as the AWS account itself would change.
type simWorld struct {
	t       testing.TB
	w       *world.World
	cur     atomic.Pointer[sim.Server]
	mu      sync.Mutex
	sims    []*sim.Server
	clients *aws.Clients
	refs    []commands.ServiceRef
}

func newSimWorld(t testing.TB) *simWorld {
	t.Helper()
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	sw := &simWorld{t: t, w: w}
	sw.serve(w)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { sw.cur.Load().ServeHTTP(rw, r) }),
		ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	sw.clients = aws.NewClientsForEndpoint("http://"+ln.Addr().String(), w.Region,
		aws.WithRetryBackoff(noBackoff), aws.WithMaxAttempts(2), aws.WithCallTimeout(10*time.Second))
	now := w.Now
	sw.clients.Now = func() time.Time { return now }
	t.Cleanup(func() {
		sw.clients.CloseIdleConnections()
		_ = srv.Close()
	})
	for _, svc := range w.Services {
		name, _ := svc["serviceName"].(string)
		sw.refs = append(sw.refs, commands.ServiceRef{Alias: name, Cluster: "codedang", Service: name})
	}
	return sw
}

func (sw *simWorld) serve(w *world.World) {
	s := sim.New(w, sim.Options{Freeze: true})
	sw.mu.Lock()
	sw.sims = append(sw.sims, s)
	sw.mu.Unlock()
	sw.cur.Store(s)
}

// grow serves the world as it is now, edited.
func (sw *simWorld) grow(edit func(*world.World)) {
	next := sw.cur.Load().World()
	edit(next)
	sw.serve(next)
}

func (sw *simWorld) calls() []sim.Call {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	var out []sim.Call
	for _, s := range sw.sims {
		out = append(out, s.Calls()...)
	}
	return out
}

// mutating lists the writes AWS received.
func (sw *simWorld) mutating() []string {
	var out []string
	for _, c := range sw.calls() {
		if c.Mutating {
			out = append(out, c.Operation)
		}
	}
	return out
}

func (sw *simWorld) count(op string) int {
	n := 0
	for _, c := range sw.calls() {
		if c.Operation == op {
			n++
		}
	}
	return n
}

// noWrites asserts that AWS received no write yet.
func (sw *simWorld) noWrites(when string) {
	sw.t.Helper()
	if m := sw.mutating(); len(m) > 0 {
		sw.t.Fatalf("%s: mutating calls %v before any approval", when, m)
	}
}

// addInstance is what the Auto Scaling group does when it scales out: a
// third t3.medium joins the cluster, empty.
func addInstance(w *world.World) {
	ci := world.Object{
		"containerInstanceArn": "arn:aws:ecs:ap-northeast-2:111122223333:container-instance/codedang/0123456789abcdef0123456789abcdef",
		"ec2InstanceId":        "i-0a1b2c3d4e5f60718", "status": "ACTIVE", "agentConnected": true,
		"runningTasksCount": int64(0), "pendingTasksCount": int64(0),
		"remainingResources":  []any{map[string]any{"name": "CPU", "type": "INTEGER", "integerValue": int64(2048)}, map[string]any{"name": "MEMORY", "type": "INTEGER", "integerValue": int64(3904)}},
		"registeredResources": []any{map[string]any{"name": "CPU", "type": "INTEGER", "integerValue": int64(2048)}, map[string]any{"name": "MEMORY", "type": "INTEGER", "integerValue": int64(3904)}},
	}
	w.ContainerInstances = append(w.ContainerInstances, ci)
	g := w.AutoScalingGroups[0]
	g["DesiredCapacity"] = int64(3)
	g["Instances"] = append(g["Instances"].([]any), map[string]any{"InstanceId": "i-0a1b2c3d4e5f60718", "InstanceType": "t3.medium",
		"AvailabilityZone": "ap-northeast-2a", "LifecycleState": "InService", "HealthStatus": "Healthy"})
}

// ops is the bot as the club runs it: the fake Discord, the simulated
// incident, a real store in a temporary directory, the change engine on
// a clock the test moves, the sweep on a ticker the test ticks, and the
// watcher and the summary's schedule.
type ops struct {
	*harness
	sw       *simWorld
	st       *store.Store
	path     string
	eng      *change.Engine
	clock    *discordtest.ManualClock
	sweep    chan time.Time
	postedCh chan string
	watcher  *watch.Watcher
}

type opsOptions struct {
	fake   *discordtest.Server // reuse (a restart); nil: a new one
	sw     *simWorld           // reuse; nil: a new one
	path   string              // the store file; "": a new one
	clock  *discordtest.ManualClock
	config func(*BotConfig)
	before func(*ops) // b.Go and such, before Run
	guards func(*change.Options)
}

func startOps(t *testing.T, o opsOptions) *ops {
	t.Helper()
	if o.sw == nil {
		o.sw = newSimWorld(t)
	}
	if o.path == "" {
		o.path = filepath.Join(t.TempDir(), "ecsmedic.db")
	}
	if o.clock == nil {
		o.clock = discordtest.NewManualClock(o.sw.w.Now)
	}
	h := &ops{sw: o.sw, path: o.path, clock: o.clock, sweep: make(chan time.Time), postedCh: make(chan string, 100)}
	st, err := store.Open(o.path, store.Options{Timeout: time.Second, Now: o.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h.st = st
	t.Cleanup(func() { st.Close() }) // after the bot stopped (cleanups run last first)
	loc := o.sw.w.Now.Location()
	var targets []change.Target
	for _, r := range o.sw.refs {
		targets = append(targets, change.Target{Alias: r.Alias, Cluster: r.Cluster, Service: r.Service})
	}
	opt := commands.ChangeOptions(config.Defaults().Guards,
		config.Roles{Operators: []string{discordtest.DefaultOperatorRole}, Approvers: []string{discordtest.DefaultApproverRole}})
	opt.Services, opt.Now = targets, o.clock.Now
	if o.guards != nil {
		o.guards(&opt)
	}
	// Each poll of the follow-up moves the clock, and the simulator's
	// deployment moves one step per DescribeServices.
	opt.Wait = func(ctx context.Context, d time.Duration) error {
		o.clock.Advance(d)
		return ctx.Err()
	}
	h.eng = change.New(o.sw.clients, st, opt)
	env := commands.Env{Services: o.sw.refs, Prefix: "!", Locale: "en", AWS: o.sw.clients, Changes: h.eng, Stops: st,
		Now: o.sw.clients.Now, Location: loc}
	router := commands.NewRouter(env)

	fake := o.fake
	if fake == nil {
		fake, err = discordtest.New(discordtest.Options{Token: testToken})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(fake.Close)
	}
	logs := &syncBuffer{}
	cfg := BotConfig{
		Discord: config.Discord{
			TokenEnv: testTokenEnv, GuildID: discordtest.DefaultGuildID, Prefix: "!", Locale: "en",
			Channels:   config.Channels{Commands: []string{discordtest.DefaultChannelID}, Alerts: alertsChannel, Audit: auditChannel},
			Roles:      config.Roles{Operators: []string{discordtest.DefaultOperatorRole}, Approvers: []string{discordtest.DefaultApproverRole}},
			APIBaseURL: fake.URL(),
		},
		Services:        o.sw.refs,
		ButtonKey:       testKey,
		ShutdownTimeout: 5 * time.Second,
		Logger:          slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Changes:         watchedChanges{h.eng, h.postedCh},
		NewTicker:       func(time.Duration) (<-chan time.Time, func()) { return h.sweep, func() {} },
		Instance:        testInstance,
		Now:             o.clock.Now,
	}
	if o.config != nil {
		o.config(&cfg)
	}
	b, err := New(cfg, router)
	if err != nil {
		t.Fatal(err)
	}
	h.watcher = watch.New(watch.Config{Cluster: "codedang", Services: o.sw.refs, Locale: "en", Location: loc, Prefix: "!", Instance: testInstance},
		o.sw.clients, st, b)
	ctx, cancel := context.WithCancel(context.Background())
	h.harness = &harness{t: t, fake: fake, bot: b, logs: logs, cancel: cancel, done: make(chan error, 1)}
	if o.before != nil {
		o.before(h)
	}
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(h.stop)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := fake.WaitReady(wctx); err != nil {
		t.Fatalf("the bot did not connect: %v\n%s", err, logs)
	}
	return h
}

// otherChannel is a second commands channel.
const otherChannel = "1190000000000000077"

// planWithTwoChannels starts the ops with otherChannel as a second
// commands channel, and alice's reservation plan posted in the first.
func planWithTwoChannels(t *testing.T) (*ops, discordtest.StoredMessage) {
	t.Helper()
	h := startOps(t, opsOptions{config: func(c *BotConfig) {
		c.Discord.Channels.Commands = append(c.Discord.Channels.Commands, otherChannel)
	}})
	return h, h.plan(alice, "!reservation on")
}

// tick ticks the sweep: the send returns once the sweeper took it, and a
// second one once the sweep it started is done.
func (h *ops) tick() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range 2 {
		select {
		case h.sweep <- h.clock.Now():
		case <-ctx.Done():
			h.t.Fatal("the sweeper does not tick")
		}
	}
}

// sayAs posts a member's message in the commands channel.
func (h *ops) sayAs(m member, text string) string {
	return h.fake.SendMessage(discordtest.Message{ChannelID: cmdChannel, GuildID: discordtest.DefaultGuildID,
		AuthorID: m.id, AuthorName: m.name, Roles: m.roles, Content: text})
}

// plan asks for a change and returns the bot's message with its buttons.
func (h *ops) plan(m member, text string) discordtest.StoredMessage {
	h.t.Helper()
	seen := map[string]bool{}
	for _, msg := range h.fake.Messages(cmdChannel) {
		seen[msg.ID] = true
	}
	id := h.sayAs(m, text)
	h.replyTo(cmdChannel, id)
	var got discordtest.StoredMessage
	h.waitFor("the plan of "+text, func() bool {
		for _, msg := range h.fake.Messages(cmdChannel) {
			if len(msg.Buttons()) >= 2 && len(msg.Embeds) > 0 && strings.HasPrefix(msg.Embeds[0].Title, "Change ") {
				got = msg // the newest
			}
		}
		return got.ID != "" && !seen[got.ID]
	})
	seen[got.ID] = true
	// The plan is recorded as posted once the post returned.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		select {
		case id := <-h.postedCh:
			if id == got.ID {
				return got
			}
		case <-ctx.Done():
			h.t.Fatalf("the plan %s was not recorded as posted\n%s", got.ID, h.logs)
		}
	}
}

// watchedChanges is the engine, telling the test where plans were posted.
type watchedChanges struct {
	*change.Engine
	posted chan string
}

func (w watchedChanges) Posted(id, channelID, messageID string) error {
	err := w.Engine.Posted(id, channelID, messageID)
	w.posted <- messageID
	return err
}

func (h *ops) pending() []store.Change {
	cs, _ := h.st.Changes(store.ChangeFilter{Statuses: []store.Status{store.StatusPending}})
	return cs
}

// button is the custom ID of the message's button whose label starts so.
func button(t *testing.T, m discordtest.StoredMessage, label string) string {
	t.Helper()
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b.Label, label) {
			return b.CustomID
		}
	}
	t.Fatalf("no %q button on %s: %+v", label, m.ID, m.Buttons())
	return ""
}

// click presses a button as m and returns the interaction's ID.
func (h *ops) click(m member, msg discordtest.StoredMessage, customID string) string {
	id, _ := h.fake.SendInteraction(discordtest.Interaction{
		Type: discordtest.InteractionComponent, ChannelID: msg.ChannelID, GuildID: discordtest.DefaultGuildID,
		UserID: m.id, UserName: m.name, Roles: m.roles, Locale: "en-US", CustomID: customID, MessageID: msg.ID,
	})
	return id
}

// answer waits for a click's first answer.
func (h *ops) answer(interactionID string) payload {
	h.t.Helper()
	return decode(h.t, h.waitCall("the click's answer", isCallback(interactionID)))
}

func (h *ops) waitFor(what string, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.fake.WaitFor(ctx, cond); err != nil {
		h.t.Fatalf("waiting for %s: %v\nlogs:\n%s", what, err, h.logs)
	}
}

func (h *ops) message(id string) discordtest.StoredMessage {
	h.t.Helper()
	m, ok := h.fake.StoredMessageByID(id)
	if !ok {
		h.t.Fatalf("no message %s", id)
	}
	return m
}

// titles are the first embed titles of a channel's messages.
func (h *ops) titles(channel string) []string {
	var out []string
	for _, m := range h.fake.Messages(channel) {
		if len(m.Embeds) > 0 {
			out = append(out, m.Embeds[0].Title)
		}
	}
	return out
}

func embedText(m discordtest.StoredMessage) string {
	var b strings.Builder
	for _, e := range m.Embeds {
		b.WriteString(e.Title + "\n" + e.Description + "\n")
		for _, f := range e.Fields {
			b.WriteString(f.Name + ": " + f.Value + "\n")
		}
		if e.Footer != nil {
			b.WriteString(e.Footer.Text + "\n")
		}
	}
	return b.String()
}

func storeFilter(statuses ...store.Status) store.ChangeFilter {
	return store.ChangeFilter{Statuses: statuses}
}
