package sim

import (
	"context"
	"net"
	"sync"
)

// ListenPipe serves on an in-memory listener instead of a socket and
// returns the base URL and the dial function to give an http.Transport
// (DialContext): every connection it dials reaches this simulator,
// whatever the address. The bytes on the wire are the same HTTP as
// Listen's.
//
// It exists for tests that count round trips inside a testing/synctest
// bubble (see RoundTrips): a goroutine blocked on a socket is never
// "durably blocked", so a bubble cannot use loopback; one blocked on a
// pipe is. Create the simulator inside the bubble.
//
// Every answer then waits on the bubble's clock, even at a latency of 0
// (for a nanosecond of fake time, which costs no real time): the clock
// moves only when every goroutine of the bubble is blocked, so each call
// the client can make before an answer has arrived, and the round trips
// count the same at 0 ms as at any latency. On loopback at 0 ms the order
// is the machine's scheduling and the count only an upper bound.
func (s *Server) ListenPipe() (url string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) {
	s.settle.Store(true)
	ln := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	s.serve(ln)
	return "http://sim.pipe", ln.dial
}

// pipeListener hands the server ends of net.Pipe pairs to Accept.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	srv, cli := net.Pipe()
	select {
	case l.conns <- srv:
		return cli, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "sim.pipe" }
