package bot

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/bot/discordtest"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

const (
	cmdChannel = discordtest.DefaultChannelID
	userA      = "400000000000000001"
	userB      = "400000000000000002"
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

func TestBangWhyAnswersWithChart(t *testing.T) {
	t.Parallel()
	h := startBot(t, harnessOptions{})
	id := h.say(cmdChannel, userA, "!why backend")
	c := h.replyTo(cmdChannel, id)
	p := decode(t, c)
	if len(p.Embeds) == 0 || !strings.Contains(p.Embeds[0].Title, "not out of memory") {
		t.Fatalf("no verdict in the reply: %s", c.Body)
	}
	if p.Embeds[0].Image == nil || !strings.HasPrefix(p.Embeds[0].Image.URL, "attachment://") {
		t.Errorf("the embed does not show the chart: %+v", p.Embeds[0].Image)
	}
	if len(c.Files) != 1 || !bytes.HasPrefix(c.Files[0].Data, pngMagic) ||
		"attachment://"+c.Files[0].Name != p.Embeds[0].Image.URL {
		t.Errorf("the chart is not an attached PNG named by the embed: %d files", len(c.Files))
	}
	typing := h.waitCall("typing", func(c discordtest.Call) bool {
		return c.Method == "POST" && c.Path == "/api/v9/channels/"+cmdChannel+"/typing"
	})
	if typing.At.After(c.At) {
		t.Error("typing came after the reply")
	}
}

func TestSlashWhyDefersThenEdits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, locale, want string
	}{
		{"english", "en-US", "not out of memory"},
		{"british english", "en-GB", "not out of memory"},
		{"korean", "ko", "메모리 부족(OOM)이 아니"},
		{"another locale falls back to the config's", "fr", "not out of memory"},
	}
	h := startBot(t, harnessOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, token := h.fake.SendInteraction(discordtest.Interaction{
				Type: 2, ChannelID: cmdChannel, GuildID: discordtest.DefaultGuildID, UserID: userA, UserName: "a", Locale: tt.locale,
				CommandName: "why", Options: []discordtest.Option{{Name: "service", Type: 3, Value: "backend"}},
			})
			cb := h.waitCall("the deferred answer", isCallback(id))
			if p := decode(t, cb); p.Type != 5 || cb.Status != 204 && cb.Status != 200 {
				t.Fatalf("first answer: type %d status %d, want a deferred reply (5)", p.Type, cb.Status)
			}
			edit := h.waitCall("the edit of @original", isEditOriginal(token))
			p := decode(t, edit)
			if len(p.Embeds) == 0 || !strings.Contains(p.Embeds[0].Title+p.Embeds[0].Description, tt.want) {
				t.Errorf("the edit lacks %q: %s", tt.want, edit.Body)
			}
			if len(edit.Files) != 1 || !bytes.HasPrefix(edit.Files[0].Data, pngMagic) {
				t.Error("the edit has no PNG chart")
			}
		})
	}
}

func TestOtherChannelsGetSilence(t *testing.T) {
	t.Parallel()
	h := startBot(t, harnessOptions{})
	h.say(discordtest.DefaultAlertsID, userA, "!why backend")
	h.say(cmdChannel, userA, "just chatting, not a command")
	id := h.say(cmdChannel, userA, "!help")
	h.replyTo(cmdChannel, id)
	// Events are handled in order, so by now the first two were handled.
	for _, c := range h.fake.Calls() {
		if strings.Contains(c.Path, discordtest.DefaultAlertsID) {
			t.Errorf("a call about the other channel: %s %s", c.Method, c.Path)
		}
	}
	if n := countCalls(h, "POST", "/api/v9/channels/"+cmdChannel+"/messages"); n != 1 {
		t.Errorf("%d posts, want 1 (the chat line needs no answer)", n)
	}
}

func countCalls(h *harness, method, path string) int {
	n := 0
	for _, c := range h.fake.Calls() {
		if c.Method == method && c.Path == path {
			n++
		}
	}
	return n
}

func TestRateLimitedReplyIsRetried(t *testing.T) {
	t.Parallel()
	h := startBot(t, harnessOptions{})
	path := "/api/v9/channels/" + cmdChannel + "/messages"
	h.fake.RateLimit("POST", path, 1, 20*time.Millisecond)
	id := h.say(cmdChannel, userA, "!help")
	h.replyTo(cmdChannel, id)
	limited := 0
	for _, c := range h.fake.Calls() {
		if c.Path == path && c.Status == 429 {
			limited++
		}
	}
	if limited != 1 {
		t.Errorf("%d rate-limited posts, want 1", limited)
	}
	if !strings.Contains(metricsText(t, h), "ecsmedic_discord_rest_retries_total 1") {
		t.Error("the retry is not counted")
	}
}

func TestResumeAfterGatewayDrop(t *testing.T) {
	t.Parallel()
	h := startBot(t, harnessOptions{})
	h.fake.DropGateway()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.fake.WaitFor(ctx, func() bool { return h.fake.Resumes() >= 1 && h.fake.Connected() }); err != nil {
		t.Fatalf("no resume: %v\n%s", err, h.logs)
	}
	id := h.say(cmdChannel, userA, "!why backend")
	if p := decode(t, h.replyTo(cmdChannel, id)); len(p.Embeds) == 0 || !strings.Contains(p.Embeds[0].Title, "backend") {
		t.Error("no answer after the resume")
	}
	if n := h.fake.Identifies(); n != 1 {
		t.Errorf("%d identifies, want 1 (a resume, not a new session)", n)
	}
}

// TestSlowCommandDoesNotBlockOthers holds every DescribeServices call in
// the simulator: user A's why waits on AWS while user B still gets help.
func TestSlowCommandDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	fault, err := sim.ParseFault("DescribeServices=timeout")
	if err != nil {
		t.Fatal(err)
	}
	h := startBot(t, harnessOptions{
		sim:    sim.Options{Faults: []sim.Fault{fault}},
		config: func(c *BotConfig) { c.ShutdownTimeout = 50 * time.Millisecond },
	})
	slow := h.say(cmdChannel, userA, "!why backend")
	h.waitCall("A's typing", func(c discordtest.Call) bool { return strings.HasSuffix(c.Path, "/typing") })
	fast := h.say(cmdChannel, userB, "!help")
	h.replyTo(cmdChannel, fast)
	for _, c := range h.fake.Calls() {
		if strings.Contains(string(c.Body), `"message_id":"`+slow+`"`) {
			t.Error("the slow command answered before the fast one; the test proves nothing")
		}
	}
	h.stop() // the held command is cancelled after the short grace
}

func TestAutocompleteOffersServices(t *testing.T) {
	t.Parallel()
	h := startBot(t, harnessOptions{})
	tests := []struct {
		typed string
		want  []string
	}{
		{"back", []string{"backend"}},
		{"", nil}, // everything
		{"zzz", []string{}},
	}
	for _, tt := range tests {
		id, _ := h.fake.SendInteraction(discordtest.Interaction{
			Type: 4, ChannelID: cmdChannel, GuildID: discordtest.DefaultGuildID, UserID: userA, CommandName: "why",
			Options: []discordtest.Option{{Name: "service", Type: 3, Value: tt.typed, Focused: true}},
		})
		h.waitCall("the autocomplete answer", isCallback(id))
		var got []string
		for _, c := range h.fake.AutocompleteChoices(id) {
			got = append(got, c.Value.(string))
		}
		switch {
		case tt.want == nil && len(got) < 2:
			t.Errorf("%q: %v, want every service", tt.typed, got)
		case tt.want != nil && strings.Join(got, ",") != strings.Join(tt.want, ","):
			t.Errorf("%q: %v, want %v", tt.typed, got, tt.want)
		}
	}
}

func TestButtons(t *testing.T) {
	t.Parallel()
	var clicked Click
	h := startBot(t, harnessOptions{before: func(b *Bot) {
		b.OnClick("ack", func(_ context.Context, c Click) (*reply.Message, string) {
			clicked = c
			return &reply.Message{Title: "acknowledged by " + c.UserName, Severity: reply.OK}, "noted"
		})
		b.OnClick("boom", func(context.Context, Click) (*reply.Message, string) { panic("a bug") })
	}})
	id := h.say(cmdChannel, userA, "!why backend")
	h.replyTo(cmdChannel, id)
	msgs := h.fake.Messages(cmdChannel)
	if len(msgs) == 0 || len(msgs[0].Buttons()) == 0 {
		t.Fatal("the why reply has no buttons")
	}
	msg := msgs[0]
	real := msg.Buttons()[0].CustomID
	sign, here, until := signer{key: testKey}, scope{discordtest.DefaultGuildID, cmdChannel, ""}, time.Now().Add(time.Hour)
	ack, _ := sign.id(here, until, "ack", "req-1")
	boom, _ := sign.id(here, until, "boom", "x")
	forged := real[:len(real)-4] + "AAAA"
	if forged == real {
		forged = real[:len(real)-4] + "BBBB"
	}
	tests := []struct {
		name, customID string
		roles          []string
		wantType       int
		wantFlags      int
		wantText       string
	}{
		{"forged", forged, nil, 4, 64, "not allowed"},
		{"made up", "em2:c1a2b3c:cmd:!scale backend cpu 4096:AAAAAAAAAAAAAAAAAAAAAA", nil, 4, 64, "not allowed"},
		{"the old unbound form", "em1:cmd:!scale backend cpu 4096:AAAAAAAAAAAAAAAAAAAAAA", nil, 4, 64, "not allowed"},
		{"not ours at all", "approve-42", nil, 4, 64, "not allowed"},
		{"a handler without the role", ack, nil, 4, 64, "needs one of the roles"},
		{"a handler with the role", ack, []string{discordtest.DefaultOperatorRole}, 7, 0, "acknowledged by"},
		{"a panicking handler", boom, []string{discordtest.DefaultOperatorRole}, 4, 64, "bug in ecsmedic"},
		{"a remedy runs its command", real, nil, 5, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iid, token := h.fake.SendInteraction(discordtest.Interaction{
				Type: 3, ChannelID: cmdChannel, GuildID: discordtest.DefaultGuildID, UserID: userB, UserName: "b", Locale: "en-US",
				Roles: tt.roles, CustomID: tt.customID, MessageID: msg.ID,
			})
			cb := h.waitCall("the click's answer", isCallback(iid))
			var p struct {
				Type int `json:"type"`
				Data struct {
					Content string `json:"content"`
					Flags   int    `json:"flags"`
					Embeds  []struct {
						Title string `json:"title"`
					} `json:"embeds"`
				} `json:"data"`
			}
			p0 := decode(t, cb)
			p.Type = p0.Type
			if p0.Data != nil {
				p.Data.Content, p.Data.Flags = p0.Data.Content, p0.Data.Flags
				for _, e := range p0.Data.Embeds {
					p.Data.Embeds = append(p.Data.Embeds, struct {
						Title string `json:"title"`
					}{e.Title})
				}
			}
			if p.Type != tt.wantType || p.Data.Flags != tt.wantFlags {
				t.Fatalf("answer type %d flags %d, want %d and %d: %s", p.Type, p.Data.Flags, tt.wantType, tt.wantFlags, cb.Body)
			}
			text := p.Data.Content
			for _, e := range p.Data.Embeds {
				text += e.Title
			}
			if !strings.Contains(text, tt.wantText) {
				t.Errorf("answer %q lacks %q", text, tt.wantText)
			}
			if tt.wantType == 5 {
				edit := decode(t, h.waitCall("the command's answer", isEditOriginal(token)))
				if len(edit.Embeds) == 0 || edit.Embeds[0].Title == "" {
					t.Error("the remedy's command was not answered")
				}
			}
		})
	}
	if clicked.Action != "ack" || clicked.Payload != "req-1" || clicked.User != userB || clicked.MessageID != msg.ID {
		t.Errorf("the handler got %+v", clicked)
	}
	if !strings.Contains(h.logs.String(), `"request":"int-`) || !strings.Contains(h.logs.String(), "click handler panicked") {
		t.Error("the panic is not logged with its request ID")
	}
}

func TestSlashCommandsRegistered(t *testing.T) {
	t.Parallel()
	h := startBot(t, harnessOptions{})
	cmds := h.fake.Commands(discordtest.DefaultGuildID)
	names := map[string]bool{}
	for _, c := range cmds {
		names[c.Name] = true
		if c.NameLocalizations == nil || (*c.NameLocalizations)["ko"] == "" {
			t.Errorf("/%s has no Korean name", c.Name)
		}
	}
	for _, want := range []string{"why", "status", "logs", "help"} {
		if !names[want] {
			t.Errorf("/%s is not registered (got %v)", want, names)
		}
	}
	if got := h.fake.Intents(); got != int(Intents) || got&discordtest.IntentDirectMessages != 0 {
		t.Errorf("intents %d, want %d", got, Intents)
	}
}

func metricsText(t *testing.T, h *harness) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.bot.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	h := startBot(t, harnessOptions{})
	id := h.say(cmdChannel, userA, "!why backend")
	h.replyTo(cmdChannel, id)
	id = h.say(cmdChannel, userA, "!why nosuch")
	h.replyTo(cmdChannel, id)
	m := metricsText(t, h)
	for _, want := range []string{
		`ecsmedic_commands_total{command="why",outcome="ok"} 1`,
		`ecsmedic_commands_total{command="why",outcome="failed"} 1`,
		`ecsmedic_command_seconds_count{command="why"} 2`,
		"ecsmedic_gateway_connected 1",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		h.bot.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get(); code != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	h.stop()
	if code, body := get(); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") && !strings.Contains(body, "disconnected") {
		t.Errorf("healthz after stop: %d %q", code, body)
	}
	if h.fake.Connected() {
		t.Error("the gateway is still connected after Run returned")
	}
}

// TestTokenNeverLogged runs the bot through its paces with every logger
// at debug level and looks for the token in everything logged.
func TestTokenNeverLogged(t *testing.T) {
	all := &syncBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(all, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	h := startBot(t, harnessOptions{config: func(c *BotConfig) {
		c.Logger = slog.New(slog.NewJSONHandler(io.MultiWriter(all), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}})
	h.fake.RateLimit("POST", "/api/v9/channels/", 1, 10*time.Millisecond)
	id := h.say(cmdChannel, userA, "!why backend")
	h.replyTo(cmdChannel, id)
	h.fake.DropGateway()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.fake.WaitFor(ctx, func() bool { return h.fake.Resumes() >= 1 && h.fake.Connected() }); err != nil {
		t.Fatal(err)
	}
	iid, token := h.fake.SendInteraction(discordtest.Interaction{
		Type: 2, ChannelID: cmdChannel, GuildID: discordtest.DefaultGuildID, UserID: userA, CommandName: "why",
		Options: []discordtest.Option{{Name: "service", Type: 3, Value: "backend"}},
	})
	h.waitCall("callback", isCallback(iid))
	h.waitCall("edit", isEditOriginal(token))
	h.stop()
	logs := all.String()
	if len(logs) == 0 {
		t.Fatal("nothing was logged; the test proves nothing")
	}
	for _, secret := range []string{testToken, token} {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret is in the logs:\n%s", logs)
		}
	}
}
