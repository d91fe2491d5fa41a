package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Button custom IDs carry what a click should do, and must survive a
// restart and resist forgery (anyone can send an interaction with any
// custom ID). The form is
//
//	em1:ACTION:PAYLOAD:MAC
//
// where MAC is HMAC-SHA256 over "em1:ACTION:PAYLOAD" with the button key,
// cut to 16 bytes and base64url-encoded (22 characters). ACTION has no
// colon; PAYLOAD may. Discord allows 100 characters, which leaves about 65
// for ACTION and PAYLOAD together: a PAYLOAD is a short ID or a short chat
// command, never data.
const (
	idVersion = "em1"
	macBytes  = 16
	maxID     = 100 // Discord's custom_id limit
)

// signer makes and checks button custom IDs.
type signer struct{ key []byte }

func (s signer) mac(body string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:macBytes])
}

// id signs action and payload; ok is false when they do not fit in a
// custom ID or action is malformed.
func (s signer) id(action, payload string) (string, bool) {
	if action == "" || strings.ContainsRune(action, ':') {
		return "", false
	}
	body := idVersion + ":" + action + ":" + payload
	id := body + ":" + s.mac(body)
	if len(id) > maxID {
		return "", false
	}
	return id, true
}

// verify checks a custom ID and returns what it carries.
func (s signer) verify(id string) (action, payload string, ok bool) {
	if len(id) > maxID {
		return "", "", false
	}
	i := strings.LastIndexByte(id, ':')
	if i < 0 {
		return "", "", false
	}
	body, sum := id[:i], id[i+1:]
	rest, found := strings.CutPrefix(body, idVersion+":")
	if !found {
		return "", "", false
	}
	action, payload, found = strings.Cut(rest, ":")
	if !found || action == "" {
		return "", "", false
	}
	if !hmac.Equal([]byte(sum), []byte(s.mac(body))) {
		return "", "", false
	}
	return action, payload, true
}
