package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/bot/discordtest"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/config"
	goldenfile "github.com/ecsmedic/ecsmedic/internal/golden"
	"github.com/ecsmedic/ecsmedic/internal/testlog"
)

// The token the tests log in with; no log line may ever contain it.
const (
	testTokenEnv = "ECSMEDIC_BOTTEST_DISCORD_TOKEN"
	testToken    = "MTAwMDAwMDAwMDAwMDAwMDAx.GzTest.s3cr3t-t0ken-never-in-logs"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// TestMain keeps logs out of the test output: the bot's own go to each
// harness's buffer, the router's and discordgo's are dropped.
func TestMain(m *testing.M) {
	testlog.Discard()
	os.Setenv(testTokenEnv, testToken)
	os.Exit(m.Run())
}

// incidentRouter serves the built-in incident world, frozen, over the
// simulator and builds a router on the real SDK clients pointed at it.
func incidentRouter(t testing.TB, opts sim.Options) (*commands.Router, []commands.ServiceRef) {
	t.Helper()
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	opts.Freeze = true
	s := sim.New(w, opts)
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	clients := aws.NewClientsForEndpoint(url, w.Region)
	clients.Now = s.Now
	t.Cleanup(func() {
		clients.CloseIdleConnections()
		_ = s.Close()
	})
	var refs []commands.ServiceRef
	for _, svc := range w.Services {
		name, _ := svc["serviceName"].(string)
		arn, _ := svc["clusterArn"].(string)
		refs = append(refs, commands.ServiceRef{Alias: name, Cluster: arn[strings.LastIndex(arn, "/")+1:], Service: name})
	}
	env := commands.Env{Services: refs, Prefix: "!", Locale: "en", AWS: clients, Now: s.Now, Location: w.Now.Location()}
	return commands.NewRouter(env), refs
}

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is a bot connected to the fake Discord, answering from the
// simulated incident.
type harness struct {
	t      testing.TB
	fake   *discordtest.Server
	bot    *Bot
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

type harnessOptions struct {
	sim    sim.Options
	config func(*BotConfig)
	before func(*Bot) // OnClick and such, before Run
}

func startBot(t testing.TB, o harnessOptions) *harness {
	t.Helper()
	router, services := incidentRouter(t, o.sim)
	fake, err := discordtest.New(discordtest.Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cfg := BotConfig{
		Discord: config.Discord{
			TokenEnv: testTokenEnv, GuildID: discordtest.DefaultGuildID, Prefix: "!", Locale: "en",
			Channels:   config.Channels{Commands: []string{discordtest.DefaultChannelID}},
			Roles:      config.Roles{Operators: []string{discordtest.DefaultOperatorRole}},
			APIBaseURL: fake.URL(),
		},
		Services:        services,
		ButtonKey:       testKey,
		ShutdownTimeout: 5 * time.Second,
		Logger:          slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if o.config != nil {
		o.config(&cfg)
	}
	b, err := New(cfg, router)
	if err != nil {
		t.Fatal(err)
	}
	if o.before != nil {
		o.before(b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, fake: fake, bot: b, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() {
		h.stop()
		fake.Close()
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := fake.WaitReady(wctx); err != nil {
		t.Fatalf("the bot did not connect: %v\n%s", err, logs)
	}
	h.waitCall("the slash commands registered", func(c discordtest.Call) bool {
		return c.Method == "PUT" && strings.HasSuffix(c.Path, "/guilds/"+discordtest.DefaultGuildID+"/commands")
	})
	return h
}

// stop ends Run and waits for it.
func (h *harness) stop() {
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Errorf("Run: %v", err)
	}
	h.done <- nil // later stops return at once
}

func (h *harness) waitCall(what string, match func(discordtest.Call) bool) discordtest.Call {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := h.fake.WaitCall(ctx, match)
	if err != nil {
		h.t.Fatalf("waiting for %s: %v\nlogs:\n%s", what, err, h.logs)
	}
	return c
}

// say posts a user's message in a channel.
func (h *harness) say(channel, user, text string) string {
	return h.fake.SendMessage(discordtest.Message{
		ChannelID: channel, GuildID: discordtest.DefaultGuildID, AuthorID: user, AuthorName: "user" + user[len(user)-2:], Content: text,
	})
}

// replyTo waits for the bot's reply to a message (the post that refers to it).
func (h *harness) replyTo(channel, msgID string) discordtest.Call {
	h.t.Helper()
	return h.waitCall("the reply to "+msgID, func(c discordtest.Call) bool {
		return c.Method == "POST" && c.Path == "/api/v9/channels/"+channel+"/messages" && c.Status == 200 &&
			strings.Contains(string(c.Body), `"message_id":"`+msgID+`"`)
	})
}

func isCallback(id string) func(discordtest.Call) bool {
	return func(c discordtest.Call) bool {
		return c.Method == "POST" && strings.HasPrefix(c.Path, "/api/v9/interactions/"+id+"/") && strings.HasSuffix(c.Path, "/callback")
	}
}

func isEditOriginal(token string) func(discordtest.Call) bool {
	return func(c discordtest.Call) bool {
		return c.Method == "PATCH" && strings.HasSuffix(c.Path, "/"+token+"/messages/@original") && c.Status == 200
	}
}

// payload is the JSON a call sent.
type payload struct {
	Type    int `json:"type"`
	Content string
	Flags   int
	Embeds  []struct {
		Title, Description string
		Image              *struct{ URL string }
		Fields             []struct{ Name, Value string }
	}
	Data *struct {
		Content string
		Flags   int
		Embeds  []struct{ Title string }
	}
}

func decode(t testing.TB, c discordtest.Call) payload {
	t.Helper()
	var p payload
	if err := json.Unmarshal(c.Body, &p); err != nil {
		t.Fatalf("decoding %s %s: %v\n%s", c.Method, c.Path, err, c.Body)
	}
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, name, string(got))
}
