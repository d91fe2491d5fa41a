package store

import (
	"fmt"
	"testing"
	"time"
)

func stopFor(i int) StopRecord {
	return StopRecord{
		TaskArn:       fmt.Sprintf("arn:aws:ecs:eu-west-1:123456789012:task/prod/%032x", i),
		Cluster:       "prod",
		Service:       fmt.Sprintf("svc-%d", i%10),
		StartedAt:     t0.Add(time.Duration(i) * time.Second),
		StoppedAt:     t0.Add(time.Duration(i)*time.Second + time.Minute),
		StopCode:      "EssentialContainerExited",
		StoppedReason: "Essential container in task exited",
		Containers:    []StopContainer{{Name: "app", ExitCode: i32(137), Reason: "OutOfMemoryError: Container killed due to memory usage"}},
		Cause:         "oom",
	}
}

// BenchmarkRecordStop records a new stop per iteration (one fsync'd
// transaction each).
func BenchmarkRecordStop(b *testing.B) {
	s, _, _ := openTest(b)
	i := 0
	for b.Loop() {
		if _, err := s.RecordStop(stopFor(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkTransition flips one change between two statuses.
func BenchmarkTransition(b *testing.B) {
	s, _, _ := openTest(b)
	if err := s.CreateChange(newChange("id1", "api", t0)); err != nil {
		b.Fatal(err)
	}
	statuses := [2]Status{StatusPending, StatusApproved}
	i := 0
	for b.Loop() {
		if _, err := s.Transition("id1", statuses[i%2:i%2+1], statuses[(i+1)%2], nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkStoreSize10k reports the file size after 10,000 stop records,
// each recorded in its own transaction as the watcher does.
func BenchmarkStoreSize10k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s, _, _ := openTest(b)
		b.StartTimer()
		for i := range 10000 {
			if _, err := s.RecordStop(stopFor(i)); err != nil {
				b.Fatal(err)
			}
		}
		size, err := s.Size()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(size), "file-bytes")
		b.ReportMetric(float64(size)/10000, "bytes/stop")
	}
}

// BenchmarkOpen is the store's share of a command's fixed cost: opening
// an existing store and closing it, as a change command does (read-write:
// the check on open, bbolt's lock and mapping, a committed transaction and
// the .pid file) and as why does (read-only, no write at all).
func BenchmarkOpen(b *testing.B) {
	s, _, path := openTest(b)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		name := "read-write"
		if ro {
			name = "read-only"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				s, err := Open(path, Options{ReadOnly: ro})
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
