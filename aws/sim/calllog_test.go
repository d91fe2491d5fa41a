package sim

import (
	"testing"
	"time"
)

func TestRoundTrips(t *testing.T) {
	at := func(start, end int) Call {
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		return Call{Start: t0.Add(time.Duration(start) * time.Millisecond), End: t0.Add(time.Duration(end) * time.Millisecond)}
	}
	tests := []struct {
		name  string
		calls []Call
		want  int
	}{
		{"none", nil, 0},
		{"one", []Call{at(0, 10)}, 1},
		{"overlapping", []Call{at(0, 10), at(1, 11), at(2, 9)}, 1},
		{"chain", []Call{at(0, 10), at(10, 20), at(21, 30)}, 3},
		{"fan out then one", []Call{at(0, 10), at(0, 12), at(0, 11), at(12, 20)}, 2},
		{"longest of two branches", []Call{at(30, 40), at(0, 50), at(0, 10), at(11, 20), at(20, 29)}, 4},
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
	t0 := time.Now()
	for i := range calls {
		calls[i] = Call{Start: t0.Add(time.Duration(i) * time.Millisecond), End: t0.Add(time.Duration(i+2) * time.Millisecond)}
	}
	for b.Loop() {
		RoundTrips(calls)
	}
}
