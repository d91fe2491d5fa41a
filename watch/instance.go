package watch

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
)

// NewInstanceID names this process: the host name (an ECS task's is its
// own) and four random bytes, e.g. "ip-10-0-2-187-3f9a1c2e".
func NewInstanceID() string {
	host, _ := os.Hostname()
	host = strings.Split(host, ".")[0]
	if len(host) > 24 {
		host = host[:24]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	if host == "" {
		return hex.EncodeToString(b[:])
	}
	return host + "-" + hex.EncodeToString(b[:])
}

// Footer is what every alert's footer ends with: "ecsmedic ID".
func Footer(instance string) string { return "ecsmedic " + instance }

var footerRE = regexp.MustCompile(`ecsmedic ([A-Za-z0-9._-]+)\s*$`)

// Other reads the instance id from the footer of an alert the bot sees in
// its channel and reports whether another instance posted it: the bot
// calls it on messages its own user wrote, and warns when ok.
func Other(footer, me string) (other string, ok bool) {
	m := footerRE.FindStringSubmatch(strings.TrimSpace(footer))
	if m == nil || m[1] == me {
		return "", false
	}
	return m[1], true
}

// heartbeatKey holds "ID RFC3339Nano" of the last instance that polled.
const heartbeatKey = "instance:heartbeat"

// Heartbeat writes this instance's id and time to the store, and returns
// the id of another instance that wrote it after since (this instance's
// previous beat; zero on the first, when what an earlier process left is
// no sign of a second one). Only processes that share the store file can
// see each other this way, and bbolt lets only one of them open it at a
// time: so it catches two processes taking turns on a shared volume (a
// lock the file system does not honour), not two replicas with separate
// files; the alert footers (Other) catch those.
func Heartbeat(st Store, me string, now, since time.Time) (other string, err error) {
	v, err := st.Get(heartbeatKey)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("reading the heartbeat: %w", err)
	}
	if id, at, ok := strings.Cut(v, " "); ok && id != me && !since.IsZero() {
		if t, perr := time.Parse(time.RFC3339Nano, at); perr == nil && t.After(since) {
			other = id
		}
	}
	if err := st.Set(heartbeatKey, me+" "+now.UTC().Format(time.RFC3339Nano)); err != nil {
		return other, fmt.Errorf("writing the heartbeat: %w", err)
	}
	return other, nil
}
