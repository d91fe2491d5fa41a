// Package discordtest is a fake Discord for tests: a REST API and a gateway
// (websocket) on one loopback port, speaking enough of Discord's wire protocol
// that the real discordgo.Session connects to it unchanged.
//
// The bot under test points discordgo at the fake by rewriting requests for
// https://discord.com/api/v9/... to URL()+"/api/v9/...". discordgo then asks
// GET /api/v9/gateway for the websocket address and connects to the fake's
// gateway, which answers HELLO, IDENTIFY, RESUME and heartbeats as Discord
// does. Tests then drive the bot with SendMessage and SendInteraction and
// check what it did with Calls, WaitCall and Messages.
//
// Nothing here sleeps: every Wait* method blocks on a broadcast signal that
// the server raises whenever its state changes.
package discordtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Defaults used when Options leaves a field empty. They are exported so that
// tests can build IDs and tokens without repeating magic strings.
const (
	DefaultToken         = "fake-bot-token"
	DefaultBotUserID     = "100000000000000001"
	DefaultApplicationID = "100000000000000002"
	DefaultBotName       = "ecsmedic"
	DefaultGuildID       = "300000000000000001"
	DefaultChannelID     = "300000000000000010" // #commands
	DefaultAlertsID      = "300000000000000011" // #alerts
	DefaultAuditID       = "300000000000000012" // #audit
	DefaultOperatorRole  = "300000000000000020"
	DefaultApproverRole  = "300000000000000021"
	DefaultUserID        = "400000000000000001"
	DefaultUserName      = "tester"

	// DefaultHeartbeatInterval is Discord's usual interval. It is long enough
	// that no test depends on heartbeats, while discordgo still sends its
	// first heartbeat immediately after HELLO, so ACKs are exercised.
	DefaultHeartbeatInterval = 41250 * time.Millisecond

	// InteractionDeadline is how long Discord waits for the first
	// interaction callback.
	InteractionDeadline = 3 * time.Second
	// InteractionTokenLifetime is how long an interaction token can be used
	// for follow-ups and edits of the original response.
	InteractionTokenLifetime = 15 * time.Minute
)

// Gateway intents the fake interprets, with Discord's values.
const (
	IntentGuilds         = 1 << 0
	IntentGuildMembers   = 1 << 1
	IntentGuildPresences = 1 << 8
	IntentGuildMessages  = 1 << 9
	IntentDirectMessages = 1 << 12
	IntentMessageContent = 1 << 15

	// PrivilegedIntents are the intents an application must enable in the
	// developer portal; see Options.DisallowedIntents.
	PrivilegedIntents = IntentGuildMembers | IntentGuildPresences | IntentMessageContent
)

// Options configures a Server. The zero value is a usable server.
type Options struct {
	Token         string // the bot token without "Bot "; default DefaultToken
	BotUserID     string // default "100000000000000001"
	BotName       string // default "ecsmedic"
	ApplicationID string // default "100000000000000002"

	// Guilds the bot is in; sent as unavailable guilds in READY and then as
	// GUILD_CREATE. Default: one guild with #commands, #alerts and #audit
	// and the roles operators and approvers (the Default* constants).
	Guilds []Guild

	// Clock drives the interaction deadlines (3 s for the first callback,
	// 15 min for the token) and timestamps. Default time.Now. Use a
	// ManualClock so tests can cross a deadline without waiting.
	Clock func() time.Time

	// HeartbeatInterval announced in HELLO; default DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration

	// DisallowedIntents are intents the application is not approved for: an
	// IDENTIFY asking for any of them is closed with 4014, as Discord does
	// when a privileged intent is not enabled in the developer portal.
	DisallowedIntents int

	// CompressReady sends READY as a zlib-compressed binary frame when the
	// IDENTIFY asked for compress, which exercises discordgo's inflate path.
	CompressReady bool
}

// Guild is a guild the bot is a member of.
type Guild struct {
	ID, Name string
	Channels []Channel
	Roles    []Role
}

// Channel is a text channel of a guild.
type Channel struct{ ID, Name string }

// Role is a guild role.
type Role struct{ ID, Name string }

// Server is the fake Discord. All methods are safe for concurrent use.
type Server struct {
	opts     Options
	ln       net.Listener
	http     *http.Server
	closed   chan struct{}
	closeErr sync.Once
	wg       sync.WaitGroup // connection goroutines, waited for by Close

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change

	lastID int64 // last snowflake handed out

	// gateway
	conns      map[*gwConn]struct{}
	sessions   map[string]*gwSession
	current    *gwSession // the session dispatches go to
	identifies int
	resumes    int
	intents    int
	heartbeats int
	closeCodes []int // close codes the fake sent, for tests of the fake

	// REST
	calls       []Call
	rateLimits  []*rateLimit
	messages    map[string]*StoredMessage // by message ID
	order       []string                  // message IDs in creation order
	interacts   map[string]*InteractionRecord
	byToken     map[string]*InteractionRecord
	commands    map[string][]map[string]any // scope ("" global, or guild ID) → commands
	dmChannels  map[string]string           // user ID → DM channel ID
	dmRecipient map[string]string           // DM channel ID → user ID
}

// New starts a fake Discord on 127.0.0.1 with an OS-chosen port.
func New(opts Options) (*Server, error) {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.BotUserID == "" {
		opts.BotUserID = DefaultBotUserID
	}
	if opts.BotName == "" {
		opts.BotName = DefaultBotName
	}
	if opts.ApplicationID == "" {
		opts.ApplicationID = DefaultApplicationID
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if opts.Guilds == nil {
		opts.Guilds = []Guild{{
			ID:   DefaultGuildID,
			Name: "ecsmedic-test",
			Channels: []Channel{
				{ID: DefaultChannelID, Name: "commands"},
				{ID: DefaultAlertsID, Name: "alerts"},
				{ID: DefaultAuditID, Name: "audit"},
			},
			Roles: []Role{
				{ID: DefaultOperatorRole, Name: "operators"},
				{ID: DefaultApproverRole, Name: "approvers"},
			},
		}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("discordtest: listen: %w", err)
	}
	s := &Server{
		opts:        opts,
		ln:          ln,
		closed:      make(chan struct{}),
		changed:     make(chan struct{}),
		conns:       map[*gwConn]struct{}{},
		sessions:    map[string]*gwSession{},
		messages:    map[string]*StoredMessage{},
		interacts:   map[string]*InteractionRecord{},
		byToken:     map[string]*InteractionRecord{},
		commands:    map[string][]map[string]any{},
		dmChannels:  map[string]string{},
		dmRecipient: map[string]string{},
	}
	s.http = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// URL is the server's base URL, e.g. "http://127.0.0.1:PORT". REST lives
// under URL()+"/api/v9/".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// GatewayURL is the websocket URL the fake hands out in GET /gateway.
func (s *Server) GatewayURL() string { return "ws://" + s.ln.Addr().String() + "/" }

// Token is the bot token the fake accepts (without "Bot ").
func (s *Server) Token() string { return s.opts.Token }

// BotUserID is the bot's user ID.
func (s *Server) BotUserID() string { return s.opts.BotUserID }

// ApplicationID is the application's ID.
func (s *Server) ApplicationID() string { return s.opts.ApplicationID }

// Close stops the server and closes every gateway connection abruptly. Wait*
// calls blocked on the server return an error.
func (s *Server) Close() {
	s.closeErr.Do(func() {
		close(s.closed)
		_ = s.http.Close()
		s.mu.Lock()
		conns := make([]*gwConn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		// Hijacked websocket connections are not closed by http.Server.Close.
		for _, c := range conns {
			c.kill()
		}
		s.wg.Wait()
	})
}

// errClosed is returned by Wait* when the server was closed.
var errClosed = errors.New("discordtest: server closed")

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor blocks until cond returns true, re-checking it whenever the
// server's state changes (a call, a gateway event, a stored message). cond is
// called without the server's lock held, so it may call any Server method.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		// Take the signal channel before checking, so a change between the
		// check and the select is not missed.
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			if cond() {
				return nil
			}
			return errClosed
		}
	}
}

// now is the injected clock.
func (s *Server) now() time.Time { return s.opts.Clock() }

// discordEpoch is 2015-01-01T00:00:00Z in milliseconds, the origin of
// Discord snowflakes.
const discordEpoch = 1420070400000

// newIDLocked returns a fresh snowflake: real snowflakes encode their
// creation time, which discordgo's SnowflakeTimestamp reads. IDs are strictly
// increasing even when the clock stands still.
func (s *Server) newIDLocked() string {
	ms := s.now().UnixMilli() - discordEpoch
	if ms < 0 {
		ms = 0
	}
	id := ms << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return strconv.FormatInt(id, 10)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// ManualClock is a clock for Options.Clock that moves only when told, so
// tests can cross Discord's deadlines without waiting.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
