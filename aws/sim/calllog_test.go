package sim

import "testing"

func TestRoundTrips(t *testing.T) {
	// at is a call that arrived at event start and was answered at end.
	at := func(start, end int64) Call { return Call{Arrived: start, Answered: end} }
	tests := []struct {
		name  string
		calls []Call
		want  int
	}{
		{"none", nil, 0},
		{"one", []Call{at(0, 10)}, 1},
		{"overlapping", []Call{at(1, 10), at(2, 11), at(3, 9)}, 1},
		{"chain", []Call{at(1, 10), at(11, 20), at(21, 30)}, 3},
		{"fan out then one", []Call{at(1, 10), at(2, 12), at(3, 11), at(13, 20)}, 2},
		// A call that arrives while the last of a round is still being
		// answered belongs to that round's successor only if it came
		// after every answer it could have needed.
		{"between two answers", []Call{at(1, 10), at(2, 12), at(11, 20)}, 2},
		{"longest of two branches", []Call{at(31, 40), at(1, 50), at(2, 10), at(11, 20), at(21, 29)}, 4},
		{"in the order of events, not of the slice", []Call{at(11, 20), at(1, 10)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RoundTrips(tt.calls); got != tt.want {
				t.Errorf("RoundTrips = %d, want %d", got, tt.want)
			}
		})
	}
}

func BenchmarkRoundTrips(b *testing.B) {
	calls := make([]Call, 200)
	for i := range calls {
		calls[i] = Call{Arrived: int64(2*i + 1), Answered: int64(2*i + 4)}
	}
	for b.Loop() {
		RoundTrips(calls)
	}
}
