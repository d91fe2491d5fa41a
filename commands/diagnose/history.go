package diagnose

import (
	"sort"

	"github.com/ecsmedic/ecsmedic/store"
)

// StopsFromRecords turns the bot's own stop records into the history a
// diagnosis falls back on when ECS has forgotten a task (Options.History), newest
// first. Records without a stop time use the moment ECS began stopping the
// task, else when the bot first saw it.
func StopsFromRecords(recs []store.StopRecord) []Stop {
	out := make([]Stop, 0, len(recs))
	for _, r := range recs {
		at := r.StoppedAt
		if at.IsZero() {
			at = r.StoppingAt
		}
		if at.IsZero() {
			at = r.FirstSeen
		}
		s := Stop{
			TaskArn:       r.TaskArn,
			StoppedAt:     at,
			StopCode:      r.StopCode,
			StoppedReason: r.StoppedReason,
			Cause:         r.Cause,
			Source:        "history",
			Containers:    make([]Container, 0, len(r.Containers)),
		}
		for _, c := range r.Containers {
			s.Containers = append(s.Containers, Container{Name: c.Name, ExitCode: c.ExitCode, Reason: c.Reason})
		}
		out = append(out, s)
	}
	// Newest first, as Diagnosis.Stops.
	sort.SliceStable(out, func(i, j int) bool { return out[i].StoppedAt.After(out[j].StoppedAt) })
	return out
}
