package bot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/bot/discordtest"
)

func TestButtonIDs(t *testing.T) {
	t.Parallel()
	s := signer{key: testKey}
	other := signer{key: []byte("another key, another bot.......")}
	here := scope{"g1", "c1", ""}
	now := time.Date(2024, 4, 17, 10, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	good, ok := s.id(here, exp, "cmd", "!scale backend cpu 1024")
	if !ok || len(good) > maxID {
		t.Fatalf("id %q ok=%v", good, ok)
	}
	onMsg, _ := s.id(scope{"g1", "c1", "m1"}, exp, "approve", "42")
	fromOther, _ := other.id(here, exp, "cmd", "!scale backend cpu 1024")
	later, _ := s.id(here, exp.Add(time.Hour), "cmd", "!scale backend cpu 1024")
	tests := []struct {
		name, id      string
		at            scope
		when          time.Time
		err           error
		action, value string
	}{
		{"ours", good, here, now, nil, "cmd", "!scale backend cpu 1024"},
		{"at its expiry", good, here, exp, nil, "cmd", "!scale backend cpu 1024"},
		{"a second late", good, here, exp.Add(time.Second), errExpired, "", ""},
		{"another channel", good, scope{"g1", "c2", ""}, now, errNotOurs, "", ""},
		{"another guild", good, scope{"g2", "c1", ""}, now, errNotOurs, "", ""},
		{"payload changed", strings.Replace(good, "1024", "4096", 1), here, now, errNotOurs, "", ""},
		{"expiry moved later", strings.Replace(good, head(good), head(later), 1), here, exp.Add(time.Minute), errNotOurs, "", ""},
		{"another key", fromOther, here, now, errNotOurs, "", ""},
		{"bound to its message", onMsg, scope{"g1", "c1", "m1"}, now, nil, "approve", "42"},
		{"on another message", onMsg, scope{"g1", "c1", "m2"}, now, errNotOurs, "", ""},
		{"message binding dropped", strings.Replace(onMsg, ":m", ":c", 1), scope{"g1", "c1", "m1"}, now, errNotOurs, "", ""},
		{"no mac", good[:strings.LastIndexByte(good, ':')], here, now, errNotOurs, "", ""},
		{"the old unbound form", "em1:cmd:!why backend:AAAAAAAAAAAAAAAAAAAAAA", here, now, errNotOurs, "", ""},
		{"empty", "", here, now, errNotOurs, "", ""},
		{"mac truncated", good[:len(good)-1], here, now, errNotOurs, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, p, err := s.verify(tt.id, tt.at, tt.when)
			if !errors.Is(err, tt.err) || a != tt.action || p != tt.value {
				t.Errorf("verify = %q, %q, %v; want %q, %q, %v", a, p, err, tt.action, tt.value, tt.err)
			}
		})
	}
	if _, ok := s.id(here, exp, "a:b", "x"); ok {
		t.Error("an action with a colon was signed")
	}
	if _, ok := s.id(scope{guild: "g1"}, exp, "cmd", "x"); ok {
		t.Error("a button with no channel was signed")
	}
	// A payload may hold colons.
	id, _ := s.id(here, exp, "approve", "req:42")
	if a, p, err := s.verify(id, here, now); err != nil || a != "approve" || p != "req:42" {
		t.Errorf("colon payload: %q %q %v", a, p, err)
	}
}

// head is an ID's "em2:SEXP" part.
func head(id string) string {
	parts := strings.SplitN(id, ":", 3)
	return parts[0] + ":" + parts[1]
}

// TestButtonIDLength: Discord refuses a custom_id over 100 characters.
// An action and payload of 64 characters fit, with the message bound and
// the expiry as far as 2038; longer is refused (the renderer then leaves
// the button out and logs it), and the longest remedy the incident draws
// fits.
func TestButtonIDLength(t *testing.T) {
	s := signer{key: testKey}
	sc := scope{"1100000000000000001", "1190000000000000077", "1300000000000000999"}
	exp := time.Date(2038, 12, 1, 0, 0, 0, 0, time.UTC) // six base-36 digits until 24 December 2038
	const room = 64
	id, ok := s.id(sc, exp, "cmd", strings.Repeat("x", room-len("cmd")))
	if !ok || len(id) != maxID {
		t.Errorf("%d characters fit in %d (ok=%v), want exactly %d", room, len(id), ok, maxID)
	}
	if id, ok := s.id(sc, exp, "cmd", strings.Repeat("x", room+1-len("cmd"))); ok {
		t.Errorf("a %d-character id was made", len(id))
	}
	for _, cmd := range []string{"!scale backend memory 4096", "!rollback backend 136", "!logs backend 50", "!reservation on target 75"} {
		if id, ok := s.id(sc, exp, ActionCommand, cmd); !ok || len(id) > maxID {
			t.Errorf("%q: %d characters, ok=%v", cmd, len(id), ok)
		}
	}
}

// testRenderer draws as the bot does in the commands channel, with
// buttons that expire at a fixed time so that golden files stay put.
func testRenderer() renderer {
	exp := time.Date(2024, 4, 18, 10, 0, 0, 0, time.UTC)
	return renderer{sign: signer{key: testKey}, prefix: "!", at: scope{discordtest.DefaultGuildID, cmdChannel, ""},
		expires: func(string, string) time.Time { return exp }}
}

// buttonPayload is what a custom ID carries after its action (a change's
// ID for Approve), read without checking it.
func buttonPayload(t *testing.T, id string) string {
	t.Helper()
	parts := strings.Split(id, ":")
	if len(parts) < 5 {
		t.Fatalf("not a button ID: %q", id)
	}
	return strings.Join(parts[3:len(parts)-1], ":")
}

// TestButtonBinding clicks a plan's Approve through the fake Discord as a
// hostile member would: forged, replayed in another commands channel, on
// another message, and after its time; each is told privately that the
// button is not allowed here or expired, and nothing changes: no write to
// AWS, the plan still pending and its message as it was. Then the real
// click applies the plan, and a remedy button older than a day is refused.
func TestButtonBinding(t *testing.T) {
	t.Parallel()
	h, plan := planWithTwoChannels(t)
	approve := button(t, plan, "Approve")
	sig := approve[strings.LastIndexByte(approve, ':')+1:]
	forgedSig := "A" + sig[1:]
	if forgedSig == sig {
		forgedSig = "B" + sig[1:]
	}
	changeID := buttonPayload(t, approve)
	// A member's own message in the plan's channel, to click from.
	elsewhere := h.sayAs(eve, "hello")
	tests := []struct {
		name, channel, message, customID string
	}{
		{"a forged signature", cmdChannel, plan.ID, approve[:len(approve)-len(sig)] + forgedSig},
		{"another change's ID", cmdChannel, plan.ID, strings.Replace(approve, ":"+changeID+":", ":"+changeID+"0:", 1)},
		{"replayed in another channel", otherChannel, plan.ID, approve},
		{"on another message", cmdChannel, elsewhere, approve},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := h.answer(h.clickIn(bob, tt.channel, tt.message, tt.customID))
			refusedQuietly(t, p)
		})
	}
	unchanged := func(when string) {
		t.Helper()
		if m := h.message(plan.ID); m.Edits != 0 || len(m.Buttons()) != 2 {
			t.Errorf("%s: the plan changed: %d edits, %d buttons", when, m.Edits, len(m.Buttons()))
		}
		if cs := h.pending(); len(cs) != 1 {
			t.Errorf("%s: %d pending changes, want the plan still waiting", when, len(cs))
		}
		h.sw.noWrites(when)
	}
	unchanged("after the refused clicks")

	// Past the approval's deadline, before any sweep marks it expired.
	h.clock.Advance(10*time.Minute + time.Second)
	refusedQuietly(t, h.answer(h.click(bob, plan, approve)))
	unchanged("after a late click")
}

// TestButtonValidAndExpiredRemedy: the plan's own Approve, clicked in its
// channel on its message, applies it; a remedy button works for a day
// and is refused after.
func TestButtonValidAndExpiredRemedy(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{})
	plan := h.plan(alice, "!reservation on")
	if p := h.answer(h.click(bob, plan, button(t, plan, "Approve"))); p.Type != discordtest.CallbackUpdateMessage {
		t.Fatalf("the approval answered with type %d %+v, want an update of the plan (7)", p.Type, p.Data)
	}
	h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })

	h.replyTo(cmdChannel, h.sayAs(alice, "!why backend"))
	var why discordtest.StoredMessage
	for _, m := range h.fake.Messages(cmdChannel) {
		if m.Bot && m.ID != plan.ID && len(m.Buttons()) > 0 {
			why = m
		}
	}
	if why.ID == "" {
		t.Fatal("the why reply has no remedy buttons")
	}
	remedy := why.Buttons()[0].CustomID
	if p := h.answer(h.click(alice, why, remedy)); p.Type != discordtest.CallbackDeferredMessage {
		t.Errorf("a fresh remedy answered with type %d, want its command run (5)", p.Type)
	}
	h.clock.Advance(buttonLifetime + time.Second)
	before := h.sw.mutating()
	refusedQuietly(t, h.answer(h.click(alice, why, remedy)))
	if got := h.sw.mutating(); len(got) != len(before) {
		t.Errorf("writes after an expired remedy: %v, were %v", got, before)
	}
}

// clickIn presses a button as m in a channel, on a message, as a client
// that sends what it likes would.
func (h *ops) clickIn(m member, channelID, messageID, customID string) string {
	id, _ := h.fake.SendInteraction(discordtest.Interaction{
		Type: discordtest.InteractionComponent, ChannelID: channelID, GuildID: discordtest.DefaultGuildID,
		UserID: m.id, UserName: m.name, Roles: m.roles, Locale: "en-US", CustomID: customID, MessageID: messageID,
	})
	return id
}

// refusedQuietly asserts a click was answered privately that the button
// is not allowed here or expired.
func refusedQuietly(t *testing.T, p payload) {
	t.Helper()
	if p.Type != discordtest.CallbackChannelMessage || p.Data == nil || p.Data.Flags != discordtest.FlagEphemeral {
		t.Fatalf("answer type %d %+v, want an ephemeral message", p.Type, p.Data)
	}
	if c := p.Data.Content; !strings.Contains(c, "not allowed here or has expired") || !strings.Contains(c, "Run the command again") {
		t.Errorf("the refusal %q", c)
	}
}

func TestLoadButtonKey(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "ecsmedic.db")
	t.Setenv(EnvButtonKey, "")
	k1, err := LoadButtonKey(store)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(store + ".key")
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, st.Mode())
	}
	k2, err := LoadButtonKey(store)
	if err != nil || string(k1) != string(k2) {
		t.Fatalf("the key changed across a restart: %v", err)
	}
	if err := os.Chmod(store+".key", 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadButtonKey(store); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key was accepted: %v", err)
	}
	t.Setenv(EnvButtonKey, "short")
	if _, err := LoadButtonKey(store); err == nil {
		t.Error("a short key was accepted")
	}
	t.Setenv(EnvButtonKey, "a-long-enough-key-from-the-environment")
	if k, err := LoadButtonKey(""); err != nil || string(k) != "a-long-enough-key-from-the-environment" {
		t.Errorf("env key: %q, %v", k, err)
	}
}
