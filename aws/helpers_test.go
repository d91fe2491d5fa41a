package aws

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/testlog"
)

// TestMain keeps the code's slog output out of the test output.
func TestMain(m *testing.M) { testlog.Main(m) }

// roundLatency is the simulator's answer time in tests that count round
// trips. They run in a synctest bubble (startSimRounds), where it is fake
// time: any value above zero makes the count exact and costs nothing.
const roundLatency = 100 * time.Millisecond

// noBackoff lets retries against a throttling simulator run at once.
var noBackoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })

func loadWorld(t testing.TB, name string) *world.World {
	t.Helper()
	w, err := world.Load("testdata/" + name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return w
}

// startSim serves w frozen at its own moment on loopback and returns
// clients for it whose present is the world's.
func startSim(t testing.TB, w *world.World, opts sim.Options, copts ...Option) (*sim.Server, *Clients) {
	t.Helper()
	s, url := serveWorld(t, w, opts)
	return s, clientsFor(t, s, url, w, copts...)
}

// clientsFor makes clients for the simulator s at url, with no waiting
// between retries, whose present is w's.
func clientsFor(t testing.TB, s *sim.Server, url string, w *world.World, copts ...Option) *Clients {
	copts = append([]Option{WithRetryBackoff(noBackoff), WithMaxAttempts(2), WithCallTimeout(5 * time.Second)}, copts...)
	c := NewClientsForEndpoint(url, w.Region, copts...)
	t.Cleanup(func() {
		c.CloseIdleConnections()
		s.Close()
	})
	now := w.Now
	c.Now = func() time.Time { return now }
	return c
}

func faults(t testing.TB, specs ...string) []sim.Fault {
	t.Helper()
	var fs []sim.Fault
	for _, s := range specs {
		f, err := sim.ParseFault(s)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	return fs
}

// serveWorld serves w frozen at its own moment and returns its URL.
func serveWorld(t testing.TB, w *world.World, opts sim.Options) (*sim.Server, string) {
	t.Helper()
	opts.Freeze = true
	s := sim.New(w, opts)
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// missingLines is a snapshot's Missing in English, one line each.
func missingLines(ms []Missing) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.String())
	}
	return out
}

// inBubble runs a subtest in a testing/synctest bubble.
func inBubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

// startSimRounds is startSim for tests that count round trips: call it
// inside synctest.Test. The simulator serves on an in-memory pipe, so that
// the bubble's fake clock serves opts.Latency and moves only when the
// client has sent every request it can (see sim.RoundTrips).
func startSimRounds(t *testing.T, w *world.World, opts sim.Options) (*sim.Server, *Clients) {
	t.Helper()
	opts.Freeze = true
	s := sim.New(w, opts)
	url, dial := s.ListenPipe()
	c := clientsFor(t, s, url, w)
	c.transport.DialContext = dial
	return s, c
}
