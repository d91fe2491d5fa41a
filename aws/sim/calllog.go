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

// RoundTrips is the length of the longest chain of calls in which each
// started after the previous one ended: the number of sequential round
// trips a client needed, however many calls it overlapped within each.
func RoundTrips(calls []Call) int {
	c := append([]Call(nil), calls...)
	sort.Slice(c, func(i, j int) bool { return c[i].Start.Before(c[j].Start) })
	depth := make([]int, len(c))
	best := 0
	for i := range c {
		depth[i] = 1
		// Only calls that started earlier can have ended before c[i]
		// started (End >= Start).
		for j := 0; j < i; j++ {
			if !c[j].End.After(c[i].Start) && depth[j]+1 > depth[i] {
				depth[i] = depth[j] + 1
			}
		}
		best = max(best, depth[i])
	}
	return best
}
