package discordtest

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opPresenceUpdate = 3
	opVoiceState     = 4
	opResume         = 6
	opReconnect      = 7
	opRequestMembers = 8
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// Gateway close codes Discord uses and the fake reproduces.
const (
	CloseUnknownOpcode        = 4001
	CloseDecodeError          = 4002
	CloseNotAuthenticated     = 4003
	CloseAuthenticationFailed = 4004
	CloseAlreadyAuthenticated = 4005
	CloseInvalidSeq           = 4007
	CloseDisallowedIntents    = 4014
)

// gwSession is a gateway session: it outlives connections so that a RESUME
// on a new connection can replay what the old one missed.
type gwSession struct {
	id      string
	intents int
	seq     int64
	log     []gwEvent // every dispatch, for replay on RESUME
	conn    *gwConn   // the connection receiving dispatches, nil while disconnected
}

type gwEvent struct {
	seq  int64
	data []byte
}

// gwConn is one websocket connection. Writes go through a queue drained by
// one goroutine, because gorilla/websocket allows a single concurrent writer
// and because enqueueing under the server lock keeps frames in sequence
// order without writing to the network while holding that lock.
type gwConn struct {
	ws         *websocket.Conn
	compress   bool // IDENTIFY asked for compress
	session    *gwSession
	identified bool

	qmu    sync.Mutex
	queue  []gwFrame
	wake   chan struct{}
	dead   chan struct{}
	dieOne sync.Once
}

type gwFrame struct {
	msgType   int
	data      []byte
	closeCode int // when non-zero, send a close frame with this code and hang up
}

func (c *gwConn) enqueue(f gwFrame) {
	c.qmu.Lock()
	c.queue = append(c.queue, f)
	c.qmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *gwConn) sendJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the fake only marshals its own maps
	}
	c.enqueue(gwFrame{msgType: websocket.TextMessage, data: b})
}

// kill closes the connection without a close frame, like a network failure.
func (c *gwConn) kill() {
	c.dieOne.Do(func() {
		close(c.dead)
		_ = c.ws.Close()
	})
}

func (c *gwConn) writeLoop() {
	for {
		select {
		case <-c.wake:
		case <-c.dead:
			return
		}
		c.qmu.Lock()
		q := c.queue
		c.queue = nil
		c.qmu.Unlock()
		for _, f := range q {
			if f.closeCode != 0 {
				msg := websocket.FormatCloseMessage(f.closeCode, string(f.data))
				_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(5*time.Second))
				c.kill()
				return
			}
			if err := c.ws.WriteMessage(f.msgType, f.data); err != nil {
				c.kill()
				return
			}
		}
	}
}

var upgrader = websocket.Upgrader{
	// The fake is loopback-only; any origin may connect.
	CheckOrigin: func(*http.Request) bool { return true },
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has already answered with an HTTP error
	}
	c := &gwConn{ws: ws, wake: make(chan struct{}, 1), dead: make(chan struct{})}
	s.mu.Lock()
	select {
	case <-s.closed:
		s.mu.Unlock()
		_ = ws.Close()
		return
	default:
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()

	go c.writeLoop()
	c.sendJSON(map[string]any{"op": opHello, "d": map[string]any{
		"heartbeat_interval": s.opts.HeartbeatInterval.Milliseconds(),
	}})

	defer s.wg.Done()
	defer s.detach(c)
	// Discord accepts payloads up to 4096 bytes; be generous but bounded.
	ws.SetReadLimit(1 << 20)
	for {
		mt, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if mt != websocket.TextMessage {
			s.closeConn(c, CloseDecodeError, "Decode error")
			return
		}
		var p struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(data, &p); err != nil {
			s.closeConn(c, CloseDecodeError, "Decode error")
			return
		}
		if !s.handleOp(c, p.Op, p.D) {
			return
		}
	}
}

// detach forgets a connection that went away; its session stays resumable.
func (s *Server) detach(c *gwConn) {
	c.kill()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if c.session != nil && c.session.conn == c {
		c.session.conn = nil
	}
	s.notifyLocked()
}

// closeConn sends a close frame with a Discord close code and hangs up.
func (s *Server) closeConn(c *gwConn, code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeConnLocked(c, code, reason)
}

func (s *Server) closeConnLocked(c *gwConn, code int, reason string) {
	s.closeCodes = append(s.closeCodes, code)
	if c.session != nil && c.session.conn == c {
		c.session.conn = nil
	}
	s.notifyLocked()
	c.enqueue(gwFrame{closeCode: code, data: []byte(reason)})
}

// handleOp answers one client payload; it returns false when the connection
// is being closed.
func (s *Server) handleOp(c *gwConn, op int, d json.RawMessage) bool {
	switch op {
	case opHeartbeat:
		s.mu.Lock()
		s.heartbeats++
		s.notifyLocked()
		s.mu.Unlock()
		c.sendJSON(map[string]any{"op": opHeartbeatACK})
		return true
	case opIdentify:
		return s.identify(c, d)
	case opResume:
		return s.resume(c, d)
	case opPresenceUpdate, opVoiceState, opRequestMembers:
		s.mu.Lock()
		identified := c.identified
		s.mu.Unlock()
		if !identified {
			s.closeConn(c, CloseNotAuthenticated, "Not authenticated.")
			return false
		}
		return true // accepted and ignored: the fake has no presences or voice
	default:
		s.closeConn(c, CloseUnknownOpcode, "Unknown opcode.")
		return false
	}
}

// tokenOK accepts the gateway token with or without the "Bot " prefix:
// discordgo sends the session token, which bots set to "Bot TOKEN".
func (s *Server) tokenOK(tok string) bool {
	return tok == s.opts.Token || tok == "Bot "+s.opts.Token
}

func (s *Server) identify(c *gwConn, d json.RawMessage) bool {
	var id struct {
		Token    string `json:"token"`
		Intents  *int   `json:"intents"`
		Compress bool   `json:"compress"`
	}
	if err := json.Unmarshal(d, &id); err != nil {
		s.closeConn(c, CloseDecodeError, "Decode error")
		return false
	}
	if !s.tokenOK(id.Token) {
		s.closeConn(c, CloseAuthenticationFailed, "Authentication failed.")
		return false
	}
	if id.Intents == nil {
		// Gateway v10 requires intents; Discord closes with 4013.
		s.closeConn(c, 4013, "Invalid intent(s).")
		return false
	}
	if *id.Intents&s.opts.DisallowedIntents != 0 {
		s.closeConn(c, CloseDisallowedIntents, "Disallowed intent(s).")
		return false
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if c.identified {
		s.closeConnLocked(c, CloseAlreadyAuthenticated, "Already authenticated.")
		return false
	}
	sess := &gwSession{id: randomHex(16), intents: *id.Intents, conn: c}
	s.sessions[sess.id] = sess
	s.current = sess
	s.identifies++
	s.intents = *id.Intents
	c.identified = true
	c.session = sess
	c.compress = id.Compress

	unavailable := make([]map[string]any, 0, len(s.opts.Guilds))
	for _, g := range s.opts.Guilds {
		unavailable = append(unavailable, map[string]any{"id": g.ID, "unavailable": true})
	}
	ready := map[string]any{
		"v":                  10,
		"user":               s.botUserJSON(),
		"session_id":         sess.id,
		"resume_gateway_url": s.GatewayURL(),
		"guilds":             unavailable,
		"private_channels":   []any{},
		"application":        map[string]any{"id": s.opts.ApplicationID, "flags": 0},
	}
	s.dispatchLocked(sess, "READY", ready, s.opts.CompressReady && c.compress)
	// Guilds arrive after READY, as Discord sends them lazily; only with the
	// GUILDS intent.
	if sess.intents&IntentGuilds != 0 {
		for _, g := range s.opts.Guilds {
			s.dispatchLocked(sess, "GUILD_CREATE", s.guildJSON(g), false)
		}
	}
	s.notifyLocked()
	return true
}

func (s *Server) resume(c *gwConn, d json.RawMessage) bool {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(d, &r); err != nil {
		s.closeConn(c, CloseDecodeError, "Decode error")
		return false
	}
	if !s.tokenOK(r.Token) {
		s.closeConn(c, CloseAuthenticationFailed, "Authentication failed.")
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[r.SessionID]
	if sess == nil {
		// Discord answers an unknown session with INVALID_SESSION (d=false):
		// the client must identify again.
		c.sendJSON(map[string]any{"op": opInvalidSession, "d": false})
		return true
	}
	if r.Seq > sess.seq {
		s.closeConnLocked(c, CloseInvalidSeq, "Invalid seq.")
		return false
	}
	if old := sess.conn; old != nil && old != c {
		old.kill() // a resumed session has one connection
	}
	c.identified = true
	c.session = sess
	sess.conn = c
	s.current = sess
	s.resumes++
	for _, ev := range sess.log {
		if ev.seq > r.Seq {
			c.enqueue(gwFrame{msgType: websocket.TextMessage, data: ev.data})
		}
	}
	s.dispatchLocked(sess, "RESUMED", map[string]any{}, false)
	s.notifyLocked()
	return true
}

// dispatchLocked sends an op 0 event with the session's next sequence number,
// and keeps it for replay; s.mu must be held. With no live connection the
// event is only logged, to be replayed on RESUME, as Discord queues it.
func (s *Server) dispatchLocked(sess *gwSession, typ string, d any, compress bool) {
	sess.seq++
	b, err := json.Marshal(map[string]any{"op": opDispatch, "s": sess.seq, "t": typ, "d": d})
	if err != nil {
		panic(err)
	}
	sess.log = append(sess.log, gwEvent{seq: sess.seq, data: b})
	if sess.conn == nil {
		return
	}
	if compress {
		var buf bytes.Buffer
		zw := zlib.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		sess.conn.enqueue(gwFrame{msgType: websocket.BinaryMessage, data: buf.Bytes()})
		return
	}
	sess.conn.enqueue(gwFrame{msgType: websocket.TextMessage, data: b})
}

// listenersLocked are the sessions a guild event goes to: the current one
// (connected or waiting to resume), and every other session of the bot
// that is connected, as Discord sends each of a bot's sessions on the
// same shard the events (several replicas of one bot).
func (s *Server) listenersLocked() []*gwSession {
	var out []*gwSession
	if s.current != nil {
		out = append(out, s.current)
	}
	for _, sess := range s.sessions {
		if sess != s.current && sess.conn != nil {
			out = append(out, sess)
		}
	}
	return out
}

// Sessions counts the bot's connected gateway sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sess := range s.sessions {
		if sess.conn != nil {
			n++
		}
	}
	return n
}

// Dispatch sends any event to the current session, for events the fake has
// no helper for. It returns false when no session has identified yet.
func (s *Server) Dispatch(eventType string, data any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		return false
	}
	s.dispatchLocked(s.current, eventType, data, false)
	s.notifyLocked()
	return true
}

// WaitReady blocks until a session is connected and has been sent READY or
// RESUMED. After DropGateway it waits for the reconnection.
func (s *Server) WaitReady(ctx context.Context) error {
	return s.WaitFor(ctx, s.Connected)
}

// Connected reports whether the current session has a live connection.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current != nil && s.current.conn != nil
}

// Intents returns the intents of the last IDENTIFY.
func (s *Server) Intents() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.intents
}

// Identifies counts successful IDENTIFYs.
func (s *Server) Identifies() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identifies
}

// Resumes counts successful RESUMEs.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// Heartbeats counts heartbeats received (each was ACKed).
func (s *Server) Heartbeats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heartbeats
}

// CloseCodes lists the gateway close codes the fake sent, oldest first.
func (s *Server) CloseCodes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.closeCodes...)
}

// detachCurrentLocked takes the live connection away from the current
// session so that events sent from now on wait for a RESUME.
func (s *Server) detachCurrentLocked() *gwConn {
	if s.current == nil || s.current.conn == nil {
		return nil
	}
	c := s.current.conn
	s.current.conn = nil
	s.notifyLocked()
	return c
}

// DropGateway closes the current gateway connection abruptly, as a network
// failure would. The session stays resumable: discordgo reconnects and
// RESUMEs, and events sent meanwhile are replayed.
func (s *Server) DropGateway() {
	s.mu.Lock()
	c := s.detachCurrentLocked()
	s.mu.Unlock()
	if c != nil {
		c.kill()
	}
}

// DropGatewayWithCode closes the current gateway connection with a close
// frame carrying code (e.g. 4000 unknown error, which is resumable).
func (s *Server) DropGatewayWithCode(code int) {
	s.mu.Lock()
	c := s.detachCurrentLocked()
	if c != nil {
		s.closeCodes = append(s.closeCodes, code)
	}
	s.mu.Unlock()
	if c != nil {
		c.enqueue(gwFrame{closeCode: code, data: []byte("dropped by test")})
	}
}

// Reconnect sends op 7 RECONNECT, as Discord does before moving a session:
// the client closes the connection and RESUMEs on a new one.
func (s *Server) Reconnect() {
	s.mu.Lock()
	c := s.detachCurrentLocked()
	s.mu.Unlock()
	if c != nil {
		c.sendJSON(map[string]any{"op": opReconnect, "d": nil})
	}
}

// InvalidateSession sends op 9 INVALID_SESSION (d=false) and forgets the
// current session, so the client must IDENTIFY again (discordgo does so on
// the same connection).
func (s *Server) InvalidateSession() {
	s.mu.Lock()
	sess := s.current
	if sess == nil {
		s.mu.Unlock()
		return
	}
	c := sess.conn
	delete(s.sessions, sess.id)
	s.current = nil
	sess.conn = nil
	if c != nil {
		c.identified = false
		c.session = nil
	}
	s.notifyLocked()
	s.mu.Unlock()
	if c != nil {
		c.sendJSON(map[string]any{"op": opInvalidSession, "d": false})
	}
}

func (s *Server) botUserJSON() map[string]any {
	return map[string]any{
		"id":            s.opts.BotUserID,
		"username":      s.opts.BotName,
		"global_name":   nil,
		"discriminator": "0",
		"avatar":        nil,
		"bot":           true,
		"verified":      true,
		"flags":         0,
	}
}

func userJSON(id, name string) map[string]any {
	return map[string]any{
		"id":            id,
		"username":      name,
		"global_name":   name,
		"discriminator": "0",
		"avatar":        nil,
	}
}

func (s *Server) guildJSON(g Guild) map[string]any {
	roles := []map[string]any{{
		// @everyone shares the guild's ID.
		"id": g.ID, "name": "@everyone", "permissions": "1071698660929", "position": 0,
	}}
	for i, r := range g.Roles {
		roles = append(roles, map[string]any{"id": r.ID, "name": r.Name, "permissions": "0", "position": i + 1})
	}
	channels := make([]map[string]any, 0, len(g.Channels))
	for i, ch := range g.Channels {
		channels = append(channels, map[string]any{"id": ch.ID, "type": 0, "guild_id": g.ID, "name": ch.Name, "position": i})
	}
	joined := s.now().UTC().Format(time.RFC3339)
	return map[string]any{
		"id":           g.ID,
		"name":         g.Name,
		"owner_id":     DefaultUserID,
		"unavailable":  false,
		"large":        false,
		"member_count": 2,
		"joined_at":    joined,
		"roles":        roles,
		"channels":     channels,
		"threads":      []any{},
		"emojis":       []any{},
		"members": []map[string]any{{
			"user": s.botUserJSON(), "roles": []string{}, "joined_at": joined,
		}},
		"voice_states": []any{},
		"presences":    []any{},
		"features":     []string{},
	}
}

// isUpgrade reports a websocket handshake.
func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}
