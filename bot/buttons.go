package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Button custom IDs carry what a click should do, and must survive a
// restart and resist forgery and replay: anyone can send an interaction
// with any custom ID, in any channel, at any time. The form is
//
//	em2:SEXP:ACTION:PAYLOAD:MAC
//
// S is the scope ('c' or 'm', below), EXP the Unix second after which the
// button no longer works, in base 36. MAC is HMAC-SHA256 with the button
// key over the guild, the channel, for scope 'm' the message, and
// "em2:SEXP:ACTION:PAYLOAD", cut to 16 bytes and base64url-encoded (22
// characters). The guild and channel are not written in the ID (Discord
// tells them with every click, and 40 digits would not fit): a button
// copied to another channel or server simply fails its MAC.
//
// A button is made before its message exists, so the message can be bound
// only when an existing message is edited (scope 'm'); a new message's
// buttons have scope 'c', bound to the guild and channel. For the buttons
// that decide a change (Approve, Reject) the message is checked at the
// click instead: it must be the plan's message that the store recorded
// (see Bot.onClick). Other new-message buttons run a chat command as if
// the clicker typed it in that channel, which the command checks itself.
//
// EXP is the change's approval expiry for Approve and Reject, and
// buttonLifetime after the message was drawn for the rest (remedies,
// rollback): a button in old history stops working.
//
// ACTION has no colon; PAYLOAD may. Discord allows 100 characters, which
// leaves 64 for ACTION and PAYLOAD together (63 after 2038, when EXP grows
// a digit): a PAYLOAD is a short ID or a short chat command, never data.
const (
	idVersion = "em2"
	macBytes  = 16
	maxID     = 100 // Discord's custom_id limit
	// buttonLifetime is how long a button other than a change's decision
	// works after it was drawn.
	buttonLifetime = 24 * time.Hour
)

// The scopes of a button ID.
const (
	scopeChannel = 'c' // guild and channel
	scopeMessage = 'm' // guild, channel and message
)

// errNotOurs is a custom ID that fails its MAC here: forged, made with
// another key, or clicked in another guild, channel or message than the
// one it was made for. errExpired is one of ours whose time is up.
var (
	errNotOurs = errors.New("not a button of this bot for this channel")
	errExpired = errors.New("the button has expired")
)

// scope is where a button is: the guild, the channel and, when it is
// known, the message.
type scope struct{ guild, channel, message string }

// signer makes and checks button custom IDs.
type signer struct{ key []byte }

func (s signer) mac(sc scope, kind byte, body string) string {
	h := hmac.New(sha256.New, s.key)
	// NUL cannot occur in a snowflake, so the fields cannot run together.
	h.Write([]byte(sc.guild + "\x00" + sc.channel + "\x00"))
	if kind == scopeMessage {
		h.Write([]byte(sc.message))
	}
	h.Write([]byte("\x00" + body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:macBytes])
}

// id signs action and payload for a button in sc that works until exp
// (rounded up to the second). It binds the message when sc names one.
// ok is false when they do not fit in a custom ID or action is malformed.
func (s signer) id(sc scope, exp time.Time, action, payload string) (string, bool) {
	if action == "" || strings.ContainsRune(action, ':') || sc.guild == "" || sc.channel == "" {
		return "", false
	}
	kind := byte(scopeChannel)
	if sc.message != "" {
		kind = scopeMessage
	}
	secs := exp.Unix()
	if exp.Nanosecond() != 0 {
		secs++
	}
	body := idVersion + ":" + string(kind) + strconv.FormatInt(secs, 36) + ":" + action + ":" + payload
	id := body + ":" + s.mac(sc, kind, body)
	if len(id) > maxID {
		return "", false
	}
	return id, true
}

// verify checks a custom ID clicked in sc at now and returns what it
// carries: errNotOurs when its MAC fails there, errExpired when it is
// ours but its time is up.
func (s signer) verify(id string, sc scope, now time.Time) (action, payload string, err error) {
	if len(id) > maxID {
		return "", "", errNotOurs
	}
	i := strings.LastIndexByte(id, ':')
	if i < 0 {
		return "", "", errNotOurs
	}
	body, sum := id[:i], id[i+1:]
	rest, found := strings.CutPrefix(body, idVersion+":")
	if !found {
		return "", "", errNotOurs
	}
	head, rest, found := strings.Cut(rest, ":")
	if !found || len(head) < 2 || (head[0] != scopeChannel && head[0] != scopeMessage) {
		return "", "", errNotOurs
	}
	exp, perr := strconv.ParseInt(head[1:], 36, 64)
	action, payload, found = strings.Cut(rest, ":")
	if perr != nil || !found || action == "" {
		return "", "", errNotOurs
	}
	if !hmac.Equal([]byte(sum), []byte(s.mac(sc, head[0], body))) {
		return "", "", errNotOurs
	}
	// Checked after the MAC: only the bot's own expiries are trusted.
	if now.After(time.Unix(exp, 0)) {
		return "", "", errExpired
	}
	return action, payload, nil
}
