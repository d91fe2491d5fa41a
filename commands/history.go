package commands

import (
	"sort"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/store"
)

// StopHistory reads the stops the bot recorded itself; *store.Store is one.
type StopHistory interface {
	Stops(cluster, service string, since time.Time) ([]store.StopRecord, error)
}

// HistoryStops turns stop records into the history a diagnosis falls back
// on when ECS has forgotten a task (diagnose.Options.History), newest
// first. Records without a stop time use the moment ECS began stopping the
// task, else when the bot first saw it.
func HistoryStops(recs []store.StopRecord) []diagnose.Stop {
	out := make([]diagnose.Stop, 0, len(recs))
	for _, r := range recs {
		at := r.StoppedAt
		if at.IsZero() {
			at = r.StoppingAt
		}
		if at.IsZero() {
			at = r.FirstSeen
		}
		s := diagnose.Stop{
			TaskArn:       r.TaskArn,
			StoppedAt:     at,
			StopCode:      r.StopCode,
			StoppedReason: r.StoppedReason,
			Cause:         r.Cause,
			Source:        "history",
			Containers:    make([]diagnose.Container, 0, len(r.Containers)),
		}
		for _, c := range r.Containers {
			s.Containers = append(s.Containers, diagnose.Container{Name: c.Name, ExitCode: c.ExitCode, Reason: c.Reason})
		}
		out = append(out, s)
	}
	// Newest first, as diagnose.Diagnosis.Stops.
	sort.SliceStable(out, func(i, j int) bool { return out[i].StoppedAt.After(out[j].StoppedAt) })
	return out
}
