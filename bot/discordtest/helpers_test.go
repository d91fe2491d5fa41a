package discordtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// rewriteTransport sends discordgo's https://discord.com/... requests to the
// fake and refuses every other host, so a test fails if the token would
// leave the machine.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (rt rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "discord.com" {
		return nil, fmt.Errorf("test transport: refusing request to %s", req.URL.Host)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme = rt.base.Scheme
	r.URL.Host = rt.base.Host
	r.Host = rt.base.Host
	return rt.next.RoundTrip(r)
}

func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newSession builds a real discordgo session pointed at the fake; setup may
// add handlers before it connects. The session is not opened.
func newSession(t *testing.T, srv *Server, intents discordgo.Intent) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New("Bot " + srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(srv.URL())
	s.Client = &http.Client{Transport: rewriteTransport{base: base, next: http.DefaultTransport}, Timeout: 20 * time.Second}
	s.Identify.Intents = intents
	// Run handlers in order on the reading goroutine, so tests can reason
	// about which events arrived before which.
	s.SyncEvents = true
	return s
}

// openSession opens s and waits until the fake has sent READY.
func openSession(t *testing.T, srv *Server, s *discordgo.Session) {
	t.Helper()
	if err := s.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	// discordgo's Close waits a second for the close handshake; tests run in
	// parallel so this does not add up.
	t.Cleanup(func() { _ = s.Close() })
	if err := srv.WaitReady(testCtx(t)); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
}

// recv takes the next value from ch or fails the test on timeout.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatal("timed out waiting for an event")
		var zero T
		return zero
	}
}
