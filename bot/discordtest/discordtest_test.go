package discordtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func TestIdentifyReady(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		intents    discordgo.Intent
		opts       Options
		wantGuilds int
	}{
		{"default intents get guilds", discordgo.IntentsAllWithoutPrivileged, Options{}, 1},
		{"message content intent", discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent, Options{}, 1},
		{"no GUILDS intent, no GUILD_CREATE", discordgo.IntentsGuildMessages, Options{}, 0},
		{"compressed READY", discordgo.IntentsGuilds, Options{CompressReady: true}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.opts)
			s := newSession(t, srv, tc.intents)
			ready := make(chan *discordgo.Ready, 1)
			guilds := make(chan *discordgo.GuildCreate, 4)
			s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { ready <- r })
			s.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { guilds <- g })
			openSession(t, srv, s)

			r := recv(t, ready)
			if r.User == nil || r.User.ID != DefaultBotUserID || !r.User.Bot {
				t.Errorf("READY user = %+v, want the bot %s", r.User, DefaultBotUserID)
			}
			if r.SessionID == "" || r.Application == nil || r.Application.ID != DefaultApplicationID {
				t.Errorf("READY session %q application %+v", r.SessionID, r.Application)
			}
			if got := srv.Intents(); got != int(tc.intents) {
				t.Errorf("Intents() = %d, want %d", got, tc.intents)
			}
			if srv.Identifies() != 1 || srv.Resumes() != 0 {
				t.Errorf("identifies %d resumes %d, want 1 0", srv.Identifies(), srv.Resumes())
			}
			for i := 0; i < tc.wantGuilds; i++ {
				g := recv(t, guilds)
				if g.ID != DefaultGuildID || len(g.Channels) != 3 || len(g.Roles) != 3 {
					t.Errorf("GUILD_CREATE = id %s, %d channels, %d roles", g.ID, len(g.Channels), len(g.Roles))
				}
			}
			// Sync events: a message dispatched now is handled after any
			// GUILD_CREATE, so an empty channel here means none was sent.
			got := make(chan struct{}, 1)
			s.AddHandler(func(_ *discordgo.Session, _ *discordgo.MessageCreate) { got <- struct{}{} })
			srv.SendMessage(Message{ChannelID: "55", Content: "dm"}) // a DM: needs DIRECT_MESSAGES
			srv.SendMessage(Message{ChannelID: DefaultChannelID, Content: "x"})
			if tc.intents&(discordgo.IntentsGuildMessages|discordgo.IntentsDirectMessages) != 0 {
				recv(t, got)
			}
			if len(guilds) != 0 {
				t.Errorf("%d unexpected GUILD_CREATE", len(guilds))
			}
		})
	}
}

func TestDisallowedIntentAndBadToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     Options
		token    string
		intents  discordgo.Intent
		wantCode int
	}{
		{"privileged intent not enabled", Options{DisallowedIntents: PrivilegedIntents}, "", discordgo.IntentMessageContent, CloseDisallowedIntents},
		{"wrong token", Options{}, "Bot wrong", discordgo.IntentsGuilds, CloseAuthenticationFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.opts)
			s := newSession(t, srv, tc.intents)
			if tc.token != "" {
				s.Token, s.Identify.Token = tc.token, tc.token
			}
			err := s.Open()
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded, want the gateway to close the connection")
			}
			if codes := srv.CloseCodes(); len(codes) != 1 || codes[0] != tc.wantCode {
				t.Errorf("close codes %v, want [%d]", codes, tc.wantCode)
			}
		})
	}
}

func TestHeartbeatACK(t *testing.T) {
	t.Parallel()
	// discordgo reconnects when no ACK arrived for 5 intervals; with a short
	// interval, seeing 7 heartbeats on one session proves the ACKs arrived.
	srv := newServer(t, Options{HeartbeatInterval: 40 * time.Millisecond})
	s := newSession(t, srv, discordgo.IntentsGuilds)
	openSession(t, srv, s)
	if err := srv.WaitFor(testCtx(t), func() bool { return srv.Heartbeats() >= 7 }); err != nil {
		t.Fatal(err)
	}
	if srv.Identifies() != 1 || srv.Resumes() != 0 || !srv.Connected() {
		t.Errorf("identifies %d resumes %d connected %v; want one unbroken session", srv.Identifies(), srv.Resumes(), srv.Connected())
	}
	s.RLock()
	ack, sent := s.LastHeartbeatAck, s.LastHeartbeatSent
	s.RUnlock()
	if ack.IsZero() || sent.IsZero() {
		t.Errorf("LastHeartbeatAck %v LastHeartbeatSent %v", ack, sent)
	}
}

func TestMessageCreateContent(t *testing.T) {
	t.Parallel()
	base := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
	tests := []struct {
		name    string
		intents discordgo.Intent
		msg     Message
		want    string
	}{
		{"blanked without MESSAGE_CONTENT", base, Message{ChannelID: DefaultChannelID, Content: "!status"}, ""},
		{"kept with MESSAGE_CONTENT", base | discordgo.IntentMessageContent, Message{ChannelID: DefaultChannelID, Content: "!status"}, "!status"},
		{"kept when mentioning the bot", base, Message{ChannelID: DefaultChannelID, Content: "<@" + DefaultBotUserID + "> status"}, "<@" + DefaultBotUserID + "> status"},
		{"kept in a DM", base, Message{ChannelID: "777", Content: "status"}, "status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, Options{})
			s := newSession(t, srv, tc.intents)
			got := make(chan *discordgo.MessageCreate, 1)
			s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m })
			openSession(t, srv, s)

			tc.msg.Roles = []string{DefaultOperatorRole}
			id := srv.SendMessage(tc.msg)
			m := recv(t, got)
			if m.ID != id || m.Content != tc.want || m.Author == nil || m.Author.ID != DefaultUserID {
				t.Errorf("got id %s content %q author %+v; want id %s content %q", m.ID, m.Content, m.Author, id, tc.want)
			}
			if m.GuildID != "" && (m.Member == nil || len(m.Member.Roles) != 1 || m.Member.Roles[0] != DefaultOperatorRole) {
				t.Errorf("member = %+v, want roles [%s]", m.Member, DefaultOperatorRole)
			}
		})
	}
}

func TestRESTMessagesRecorded(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	s := newSession(t, srv, discordgo.IntentsGuilds)

	plain, err := s.ChannelMessageSend(DefaultChannelID, "hello")
	if err != nil {
		t.Fatal(err)
	}
	complexMsg, err := s.ChannelMessageSendComplex(DefaultChannelID, &discordgo.MessageSend{
		Content: "chart",
		Embeds:  []*discordgo.MessageEmbed{{Title: "backend", Description: "OOM"}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Approve", CustomID: "approve:1", Style: discordgo.SuccessButton},
			discordgo.Button{Label: "Reject", CustomID: "reject:1", Style: discordgo.DangerButton},
		}}},
		Files: []*discordgo.File{{Name: "cpu.png", ContentType: "image/png", Reader: strings.NewReader("PNGDATA")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(complexMsg.Attachments) != 1 || complexMsg.Attachments[0].Filename != "cpu.png" {
		t.Errorf("attachments in response = %+v", complexMsg.Attachments)
	}
	if _, err := s.ChannelMessageEdit(DefaultChannelID, plain.ID, "hello, edited"); err != nil {
		t.Fatal(err)
	}
	if err := s.ChannelTyping(DefaultChannelID); err != nil {
		t.Fatal(err)
	}

	calls := srv.Calls()
	want := []struct{ method, path string }{
		{"POST", "/api/v9/channels/" + DefaultChannelID + "/messages"},
		{"POST", "/api/v9/channels/" + DefaultChannelID + "/messages"},
		{"PATCH", "/api/v9/channels/" + DefaultChannelID + "/messages/" + plain.ID},
		{"POST", "/api/v9/channels/" + DefaultChannelID + "/typing"},
	}
	if len(calls) != len(want) {
		t.Fatalf("%d calls, want %d: %+v", len(calls), len(want), calls)
	}
	for i, w := range want {
		if calls[i].Method != w.method || calls[i].Path != w.path || calls[i].Header.Get("Authorization") != "Bot "+srv.Token() {
			t.Errorf("call %d = %s %s (auth %q), want %s %s", i, calls[i].Method, calls[i].Path, calls[i].Header.Get("Authorization"), w.method, w.path)
		}
	}
	if f := calls[1].Files; len(f) != 1 || f[0].Name != "cpu.png" || string(f[0].Data) != "PNGDATA" || f[0].ContentType != "image/png" {
		t.Errorf("multipart files = %+v", f)
	}
	var payload struct{ Content string }
	if err := json.Unmarshal(calls[1].Body, &payload); err != nil || payload.Content != "chart" {
		t.Errorf("multipart payload_json = %s (%v)", calls[1].Body, err)
	}

	msgs := srv.Messages(DefaultChannelID)
	if len(msgs) != 2 || msgs[0].Content != "hello, edited" || msgs[0].Edits != 1 || msgs[1].Content != "chart" {
		t.Fatalf("stored messages = %+v", msgs)
	}
	if b := msgs[1].Buttons(); len(b) != 2 || b[0].CustomID != "approve:1" || b[1].Label != "Reject" {
		t.Errorf("buttons = %+v", b)
	}
	if c, err := msgs[1].DiscordComponents(); err != nil || len(c) != 1 {
		t.Errorf("DiscordComponents = %v, %v", c, err)
	}
	if len(msgs[1].Embeds) != 1 || msgs[1].Embeds[0].Title != "backend" || string(msgs[1].Attachments[0].Data) != "PNGDATA" {
		t.Errorf("embeds %+v attachments %+v", msgs[1].Embeds, msgs[1].Attachments)
	}
	got, err := s.ChannelMessage(DefaultChannelID, complexMsg.ID)
	if err != nil || got.Content != "chart" || len(got.Components) != 1 {
		t.Errorf("GET message = %+v, %v", got, err)
	}
	if err := s.ChannelMessageDelete(DefaultChannelID, plain.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages(DefaultChannelID)); n != 1 {
		t.Errorf("%d messages after delete, want 1", n)
	}
}

func TestRESTErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	s := newSession(t, srv, discordgo.IntentsGuilds)
	long := strings.Repeat("x", 2001)
	tests := []struct {
		name       string
		do         func() error
		wantStatus int
		wantCode   int
	}{
		{"content over 2000", func() error { _, err := s.ChannelMessageSend(DefaultChannelID, long); return err }, 400, CodeInvalidFormBody},
		{"empty message", func() error { _, err := s.ChannelMessageSend(DefaultChannelID, ""); return err }, 400, CodeEmptyMessage},
		{"unknown message", func() error { _, err := s.ChannelMessage(DefaultChannelID, "1"); return err }, 404, CodeUnknownMessage},
		{"duplicate custom_id", func() error {
			b := discordgo.Button{Label: "a", CustomID: "same"}
			_, err := s.ChannelMessageSendComplex(DefaultChannelID, &discordgo.MessageSend{Components: []discordgo.MessageComponent{
				discordgo.ActionsRow{Components: []discordgo.MessageComponent{b, b}}}})
			return err
		}, 400, CodeInvalidFormBody},
		{"unknown route", func() error { _, err := s.Request("GET", discordgo.EndpointAPI+"nope/here", nil); return err }, 404, 0},
		{"wrong token", func() error {
			_, err := s.Request("GET", discordgo.EndpointUser("@me"), nil, discordgo.WithHeader("Authorization", "Bot nope"))
			return err
		}, 401, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			var re *discordgo.RESTError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a RESTError", err)
			}
			if re.Response.StatusCode != tc.wantStatus || re.Message == nil || re.Message.Code != tc.wantCode {
				t.Errorf("got %d %s, want status %d code %d", re.Response.StatusCode, re.ResponseBody, tc.wantStatus, tc.wantCode)
			}
		})
	}
}

func TestUnauthenticatedRawHTTP(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	tests := []struct {
		path, auth string
		want       int
		wantBody   string
	}{
		{"/api/v9/users/@me", "", 401, `{"code":0,"message":"401: Unauthorized"}`},
		{"/api/v9/users/@me", "Bot " + DefaultToken, 200, ""},
		{"/api/v9/gateway", "", 200, `{"url":"` + srv.GatewayURL() + `"}`},
		{"/api/v9/nothing", "Bot " + DefaultToken, 404, `{"code":0,"message":"404: Not Found"}`},
		{"/elsewhere", "", 404, `{"code":0,"message":"404: Not Found"}`},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("GET", srv.URL()+tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || (tc.wantBody != "" && string(bytes.TrimSpace(body)) != tc.wantBody) {
			t.Errorf("GET %s = %d %s, want %d %s", tc.path, resp.StatusCode, body, tc.want, tc.wantBody)
		}
	}
}

// restCalls drops the GET /gateway that discordgo makes when opening.
func restCalls(srv *Server) []Call {
	var out []Call
	for _, c := range srv.Calls() {
		if c.Path != "/api/v9/gateway" {
			out = append(out, c)
		}
	}
	return out
}

// respondingSession opens a session whose INTERACTION_CREATE handler runs
// respond and reports its error.
func respondingSession(t *testing.T, srv *Server, respond func(*discordgo.Session, *discordgo.InteractionCreate) error) <-chan error {
	t.Helper()
	s := newSession(t, srv, discordgo.IntentsGuilds)
	errs := make(chan error, 4)
	s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) { errs <- respond(s, i) })
	openSession(t, srv, s)
	return errs
}

func TestInteractionDeferredThenEditOriginal(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	errs := respondingSession(t, srv, func(s *discordgo.Session, i *discordgo.InteractionCreate) error {
		data := i.ApplicationCommandData()
		if data.Name != "why" || data.GetOption("service").StringValue() != "backend" || i.Member == nil || i.Member.User.ID != DefaultUserID {
			return errors.New("unexpected interaction data")
		}
		if err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
			return err
		}
		content := "backend-137 was OOM-killed"
		_, err := s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &content})
		return err
	})
	id, token := srv.SendInteraction(Interaction{
		Type: InteractionCommand, ChannelID: DefaultChannelID, CommandName: "why",
		Options: []Option{{Name: "service", Type: 3, Value: "backend"}},
	})
	if err := recv(t, errs); err != nil {
		t.Fatal(err)
	}
	calls := restCalls(srv)
	if len(calls) != 2 || calls[0].Path != "/api/v9/interactions/"+id+"/"+token+"/callback" || calls[0].Status != 204 ||
		calls[1].Method != "PATCH" || calls[1].Path != "/api/v9/webhooks/"+DefaultApplicationID+"/"+token+"/messages/@original" || calls[1].Status != 200 {
		t.Fatalf("calls = %+v", calls)
	}
	msgs := srv.Messages(DefaultChannelID)
	if len(msgs) != 1 || msgs[0].Content != "backend-137 was OOM-killed" || msgs[0].Flags&FlagLoading != 0 || msgs[0].InteractionID != id {
		t.Errorf("messages = %+v", msgs)
	}
	rec, _ := srv.InteractionByID(id)
	if !rec.Acked || rec.CallbackType != CallbackDeferredMessage || rec.OriginalID != msgs[0].ID {
		t.Errorf("record = %+v", rec)
	}
}

func TestInteractionCallbackErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		advance    time.Duration
		twice      bool
		respType   discordgo.InteractionResponseType
		wantStatus int
		wantCode   int
	}{
		{"second callback", 0, true, discordgo.InteractionResponseChannelMessageWithSource, 400, CodeAlreadyAcknowledged},
		{"later than 3s", 3*time.Second + time.Millisecond, false, discordgo.InteractionResponseChannelMessageWithSource, 404, CodeUnknownInteraction},
		{"update on a command", 0, false, discordgo.InteractionResponseUpdateMessage, 400, CodeInvalidFormBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := NewManualClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
			srv := newServer(t, Options{Clock: clock.Now})
			errs := respondingSession(t, srv, func(s *discordgo.Session, i *discordgo.InteractionCreate) error {
				clock.Advance(tc.advance)
				resp := &discordgo.InteractionResponse{Type: tc.respType, Data: &discordgo.InteractionResponseData{Content: "ok"}}
				if tc.twice {
					if err := s.InteractionRespond(i.Interaction, resp); err != nil {
						return err
					}
				}
				return s.InteractionRespond(i.Interaction, resp)
			})
			srv.SendInteraction(Interaction{ChannelID: DefaultChannelID, CommandName: "status"})
			err := recv(t, errs)
			var re *discordgo.RESTError
			if !errors.As(err, &re) || re.Response.StatusCode != tc.wantStatus || re.Message == nil || re.Message.Code != tc.wantCode {
				t.Fatalf("err = %v, want %d code %d", err, tc.wantStatus, tc.wantCode)
			}
		})
	}
}

func TestComponentUpdateAndFollowups(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	bot := newSession(t, srv, discordgo.IntentsGuilds)
	plan, err := bot.ChannelMessageSendComplex(DefaultChannelID, &discordgo.MessageSend{
		Content: "plan: scale backend cpu 512",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Approve", CustomID: "approve:7"},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	errs := respondingSession(t, srv, func(s *discordgo.Session, i *discordgo.InteractionCreate) error {
		if i.Message == nil || i.Message.ID != plan.ID || i.MessageComponentData().CustomID != "approve:7" {
			return errors.New("component interaction lacks its message or custom_id")
		}
		if err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseUpdateMessage,
			Data: &discordgo.InteractionResponseData{Content: "approved", Components: []discordgo.MessageComponent{}},
		}); err != nil {
			return err
		}
		f, err := s.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "applying", Flags: discordgo.MessageFlagsEphemeral})
		if err != nil {
			return err
		}
		if f.Flags&discordgo.MessageFlagsEphemeral == 0 {
			return errors.New("follow-up lost its ephemeral flag")
		}
		content := "applied"
		_, err = s.FollowupMessageEdit(i.Interaction, f.ID, &discordgo.WebhookEdit{Content: &content})
		return err
	})
	srv.SendInteraction(Interaction{Type: InteractionComponent, ChannelID: DefaultChannelID, CustomID: "approve:7", MessageID: plan.ID, Roles: []string{DefaultApproverRole}})
	if err := recv(t, errs); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages(DefaultChannelID)
	if len(msgs) != 2 || msgs[0].Content != "approved" || len(msgs[0].Buttons()) != 0 || msgs[1].Content != "applied" || msgs[1].Flags&FlagEphemeral == 0 {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestRateLimitRetried(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	s := newSession(t, srv, discordgo.IntentsGuilds)
	limited := make(chan *discordgo.RateLimit, 1)
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.RateLimit) { limited <- r })
	// discordgo really waits retry_after; keep it short.
	srv.RateLimit("POST", "/api/v9/channels/", 1, 30*time.Millisecond)
	if _, err := s.ChannelMessageSend(DefaultChannelID, "after the limit"); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 || calls[0].Path != calls[1].Path {
		t.Fatalf("calls = %+v", calls)
	}
	if r := recv(t, limited); r.RetryAfter != 30*time.Millisecond {
		t.Errorf("discordgo saw retry_after %v", r.RetryAfter)
	}
	if n := len(srv.Messages(DefaultChannelID)); n != 1 {
		t.Errorf("%d messages stored, want exactly 1", n)
	}
}

func TestGatewayResume(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		drop func(*Server)
	}{
		{"abrupt drop", (*Server).DropGateway},
		{"resumable close code", func(s *Server) { s.DropGatewayWithCode(4000) }},
		{"op 7 reconnect", (*Server).Reconnect},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, Options{})
			s := newSession(t, srv, discordgo.IntentsGuilds|discordgo.IntentsGuildMessages|discordgo.IntentMessageContent)
			got := make(chan string, 4)
			s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.Content })
			openSession(t, srv, s)
			srv.SendMessage(Message{ChannelID: DefaultChannelID, Content: "before"})
			if c := recv(t, got); c != "before" {
				t.Fatalf("got %q", c)
			}

			tc.drop(srv)
			// Sent while disconnected: queued and replayed on RESUME.
			srv.SendMessage(Message{ChannelID: DefaultChannelID, Content: "during"})
			if err := srv.WaitReady(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			srv.SendMessage(Message{ChannelID: DefaultChannelID, Content: "after"})
			for _, want := range []string{"during", "after"} {
				if c := recv(t, got); c != want {
					t.Errorf("got %q, want %q", c, want)
				}
			}
			if srv.Resumes() != 1 || srv.Identifies() != 1 {
				t.Errorf("resumes %d identifies %d, want 1 1", srv.Resumes(), srv.Identifies())
			}
		})
	}
}

func TestInvalidSessionReidentifies(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	s := newSession(t, srv, discordgo.IntentsGuilds|discordgo.IntentsGuildMessages)
	readies := make(chan struct{}, 2)
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Ready) { readies <- struct{}{} })
	openSession(t, srv, s)
	recv(t, readies)
	srv.InvalidateSession()
	recv(t, readies)
	if srv.Identifies() != 2 || !srv.Connected() {
		t.Errorf("identifies %d connected %v", srv.Identifies(), srv.Connected())
	}
}

func TestApplicationCommands(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	s := newSession(t, srv, discordgo.IntentsGuilds)
	cmds := []*discordgo.ApplicationCommand{
		{Name: "why", Description: "diagnose a stop"},
		{Name: "status", Description: "service status"},
	}
	first, err := s.ApplicationCommandBulkOverwrite(DefaultApplicationID, DefaultGuildID, cmds)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.ApplicationCommandBulkOverwrite(DefaultApplicationID, DefaultGuildID, cmds[:1])
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || len(second) != 1 || second[0].ID != first[0].ID || second[0].GuildID != DefaultGuildID {
		t.Errorf("first %+v second %+v", first, second)
	}
	if got := srv.Commands(DefaultGuildID); len(got) != 1 || got[0].Name != "why" {
		t.Errorf("Commands = %+v", got)
	}
	global, err := s.ApplicationCommandCreate(DefaultApplicationID, "", &discordgo.ApplicationCommand{Name: "help", Description: "help"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ApplicationCommandDelete(DefaultApplicationID, "", global.ID); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands(""); len(got) != 0 {
		t.Errorf("global commands after delete = %+v", got)
	}
	if _, err := s.ApplicationCommandCreate(DefaultApplicationID, "", &discordgo.ApplicationCommand{Name: "x"}); err == nil {
		t.Error("a chat command without description was accepted")
	}
}

func TestWaitCallFuture(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	s := newSession(t, srv, discordgo.IntentsGuilds)
	done := make(chan Call, 1)
	go func() {
		c, err := srv.WaitCall(testCtx(t), func(c Call) bool { return c.Method == "POST" && strings.HasSuffix(c.Path, "/typing") })
		if err != nil {
			c.Status = -1
		}
		done <- c
	}()
	if err := s.ChannelTyping(DefaultAlertsID); err != nil {
		t.Fatal(err)
	}
	if c := recv(t, done); c.Status != http.StatusNoContent {
		t.Errorf("WaitCall = %+v", c)
	}
}

func TestAutocompleteAndModal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		send  Interaction
		reply *discordgo.InteractionResponse
		check func(t *testing.T, srv *Server, id string, i *discordgo.InteractionCreate)
	}{
		{
			name: "autocomplete",
			send: Interaction{Type: InteractionAutocomplete, ChannelID: DefaultChannelID, CommandName: "why",
				Options: []Option{{Name: "service", Type: 3, Value: "ba", Focused: true}}},
			reply: &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
				Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "backend", Value: "backend"}}}},
			check: func(t *testing.T, srv *Server, id string, i *discordgo.InteractionCreate) {
				if o := i.ApplicationCommandData().Options; len(o) != 1 || !o[0].Focused || o[0].StringValue() != "ba" {
					t.Errorf("options = %+v", o)
				}
				if c := srv.AutocompleteChoices(id); len(c) != 1 || c[0].Name != "backend" {
					t.Errorf("choices = %+v", c)
				}
			},
		},
		{
			name:  "modal submit",
			send:  Interaction{Type: InteractionModalSubmit, ChannelID: DefaultChannelID, CustomID: "reason:7", ModalValues: map[string]string{"reason": "too risky"}},
			reply: &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "rejected"}},
			check: func(t *testing.T, srv *Server, id string, i *discordgo.InteractionCreate) {
				d := i.ModalSubmitData()
				row, ok := d.Components[0].(*discordgo.ActionsRow)
				if d.CustomID != "reason:7" || !ok || row.Components[0].(*discordgo.TextInput).Value != "too risky" {
					t.Errorf("modal data = %+v", d)
				}
				if m := srv.Messages(DefaultChannelID); len(m) != 1 || m[0].Content != "rejected" {
					t.Errorf("messages = %+v", m)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, Options{})
			got := make(chan *discordgo.InteractionCreate, 1)
			errs := respondingSession(t, srv, func(s *discordgo.Session, i *discordgo.InteractionCreate) error {
				got <- i
				return s.InteractionRespond(i.Interaction, tc.reply)
			})
			id, _ := srv.SendInteraction(tc.send)
			if err := recv(t, errs); err != nil {
				t.Fatal(err)
			}
			tc.check(t, srv, id, recv(t, got))
		})
	}
}
