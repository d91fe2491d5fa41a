package sim

import "sort"

// record adds a finished call to the log.
func (s *Server) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

// Calls returns a copy of the call log in the order the calls started.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	out := append([]Call(nil), s.calls...)
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// ResetCalls empties the call log and the per-operation counts that
// @N faults count against.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	s.calls = nil
	s.seq = map[string]int{}
	s.mu.Unlock()
}

// RoundTrips is the number of sequential round trips a client needed:
// the length of the longest chain of calls in which each arrived after the
// previous one was answered, however many calls it overlapped within each
// round.
//
// The order is the simulator's own order of events (Call.Arrived and
// Call.Answered, one counter taken as each request arrives and just before
// each answer is written), never clock readings, so equal or coarse time
// stamps cannot merge or split rounds.
//
// "Arrived after an answer" is what a client that needs that answer must
// do, but on a real clock a call that needs nothing can also arrive late:
// on a loaded machine a goroutine that sends an independent request may
// not run until another request of the same round has been answered, and
// the count grows (TestGatherSummary once read 6 for 3). So tests that
// assert a count run the client and the simulator inside a testing/synctest
// bubble, connected by ListenPipe, at any Options.Latency (0 included).
// There the latency (at least a nanosecond) is served by the bubble's fake
// clock, which only moves when every goroutine of the bubble is blocked:
// each request the client can send has arrived, however slowly the
// machine ran it, before any answer of its round is written. An answer can
// then precede a request's arrival only if the request had to wait for it,
// which makes the count exact at any load, and costs no real time however
// long the latency. Outside a bubble (a benchmark on loopback) the count
// is an upper bound that is exact when the machine keeps up; at 0 ms it
// rarely does (BenchmarkGatherServiceNoLatency reads 20 for 3).
func RoundTrips(calls []Call) int {
	type event struct {
		at     int64
		call   int
		answer bool
	}
	events := make([]event, 0, 2*len(calls))
	for i, c := range calls {
		events = append(events, event{c.Arrived, i, false}, event{c.Answered, i, true})
	}
	sort.Slice(events, func(i, j int) bool { return events[i].at < events[j].at })
	// Sweep the events in order: a call's depth is one more than the
	// deepest call answered before it arrived.
	depth := make([]int, len(calls))
	answered, best := 0, 0
	for _, e := range events {
		if e.answer {
			answered = max(answered, depth[e.call])
			continue
		}
		depth[e.call] = answered + 1
		best = max(best, depth[e.call])
	}
	return best
}
