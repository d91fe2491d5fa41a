package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
)

const (
	maxTimeline = 24
	maxLogLines = 15
)

// buildTimeline tells the story around the verdict's stop, oldest first: the
// task's start when it is close, CPU and memory crossing 90 % and peaking,
// the service events, and the stop itself with its numbers. Without a stop,
// the window's events.
func (d *diag) buildTimeline() {
	var tl []Event
	v := d.verdict
	from, to := d.from, d.to
	if v != nil {
		from, to = v.at().Add(-preStop-5*time.Minute), v.StoppedAt.Add(5*time.Minute)
		if !v.startedAt.IsZero() && !v.startedAt.Before(from) {
			tl = append(tl, Event{At: v.startedAt, Kind: "start", Text: fmt.Sprintf("task %s started", short(v.id)),
				Say: Say{"timeline.started", []any{"Task", short(v.id)}}})
		}
		pf, pt := d.preStopWindow()
		tl = d.metricEvents(tl, pf, pt)
	}
	for _, e := range eventsBetween(d.events, from, to) {
		tl = append(tl, Event{At: e.At, Kind: eventKindName(e.Kind), Text: e.Message})
	}
	if v != nil {
		if !v.stoppingAt.IsZero() && v.stoppingAt.Before(v.StoppedAt) {
			tl = append(tl, Event{At: v.stoppingAt, Kind: "stop",
				Text: fmt.Sprintf("ECS began stopping task %s (SIGTERM)", short(v.id)),
				Say:  Say{"timeline.stopping", []any{"Task", short(v.id)}}})
		}
		tl = append(tl, Event{At: v.StoppedAt, Kind: "stop", Text: stopText(v), Say: stopSay(v)})
	}
	sort.SliceStable(tl, func(i, j int) bool { return tl[i].At.Before(tl[j].At) })
	if len(tl) > maxTimeline {
		tl = tl[len(tl)-maxTimeline:]
	}
	d.out.Timeline = tl
}

// metricEvents adds where CPU and memory first reached 90 % and where they
// peaked before the stop.
func (d *diag) metricEvents(tl []Event, from, to time.Time) []Event {
	for _, m := range []struct {
		keys []string
		what string
		say  string // timeline.cpu or timeline.memory
	}{
		{[]string{aws.MetricTaskCPUPrefix + d.verdict.id, aws.MetricServiceCPUMax, aws.MetricServiceCPUAvg}, "CPU", "timeline.cpu"},
		{[]string{aws.MetricTaskMemPrefix + d.verdict.id, aws.MetricServiceMemMax, aws.MetricServiceMemAvg}, "memory", "timeline.memory"},
	} {
		s, _ := series(d.snap, m.keys...)
		w := stats(s, from, to, highPercent)
		if w.N == 0 {
			continue
		}
		if w.Over > 0 && !w.FirstAt.Equal(w.PeakAt) {
			tl = append(tl, Event{At: w.FirstAt, Kind: "metric", Text: fmt.Sprintf("%s reached 90 %% of the reservation", m.what),
				Say: Say{m.say + ".reached", nil}})
		}
		over := minutes(s, w.Over)
		tl = append(tl, Event{At: w.PeakAt, Kind: "metric",
			Text: fmt.Sprintf("%s peaked at %s of the reservation (%d of the 10 minutes at 90 %% or more)", m.what, pct(w.Peak), over),
			Say:  Say{m.say + ".peak", []any{"Peak", pct(w.Peak), "Minutes", over}}})
	}
	return tl
}

func stopText(s *stopCase) string {
	var b strings.Builder
	fmt.Fprintf(&b, "task %s stopped", short(s.id))
	if s.StoppedReason != "" {
		fmt.Fprintf(&b, ": %s", clip(s.StoppedReason, 160))
	}
	for _, c := range s.Containers {
		if c.ExitCode != nil {
			fmt.Fprintf(&b, "; container %s exit %d", c.Name, *c.ExitCode)
		}
		if c.Reason != "" {
			fmt.Fprintf(&b, " (%s)", clip(c.Reason, 80))
		}
	}
	if !s.stoppingAt.IsZero() && !s.StoppedAt.Before(s.stoppingAt) {
		fmt.Fprintf(&b, "; %s after SIGTERM", ago(s.StoppedAt.Sub(s.stoppingAt)))
	}
	switch s.Source {
	case "events":
		b.WriteString(" (rebuilt from service events)")
	case "history":
		b.WriteString(" (from ecsmedic's history)")
	}
	return b.String()
}

// stopSay is stopText as a message: the stop's reasons stay AWS's words.
func stopSay(s *stopCase) Say {
	type exit struct {
		Name, Reason string
		Code         int32
	}
	var exits []exit
	for _, c := range s.Containers {
		if c.ExitCode != nil || c.Reason != "" {
			e := exit{Name: c.Name, Reason: clip(c.Reason, 80), Code: -1}
			if c.ExitCode != nil {
				e.Code = *c.ExitCode
			}
			exits = append(exits, e)
		}
	}
	after, secs := "", 0 // secs: the same in whole seconds under 100 s, for a language whose unit follows the number
	if !s.stoppingAt.IsZero() && !s.StoppedAt.Before(s.stoppingAt) {
		d := s.StoppedAt.Sub(s.stoppingAt)
		after = ago(d)
		if d < 100*time.Second {
			secs = int(d.Round(time.Second) / time.Second)
		}
	}
	return Say{"timeline.stopped", []any{"Task", short(s.id), "Reason", clip(s.StoppedReason, 160),
		"Exits", exits, "After", after, "Secs", secs, "Source", s.Source}}
}

func eventKindName(k eventKind) string {
	switch k {
	case evUnhealthy, evContainerUnhealthy:
		return "health"
	case evStopped:
		return "stop"
	case evStarted:
		return "start"
	case evDeploymentCompleted, evDeploymentFailed, evRollback:
		return "deployment"
	}
	return "event"
}

// short is the first 8 characters of a task ID, as the console shows it.
func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// lastLogs keeps the last lines the verdict's task wrote before it stopped.
func (d *diag) lastLogs() {
	v := d.verdict
	if v == nil {
		return
	}
	lines, ok := d.snap.Logs[v.TaskArn]
	if !ok && v.id != "" {
		// Keys are task ARNs; a rebuilt or recorded stop may spell its ARN
		// differently (old ARN format, another account alias).
		keys := make([]string, 0, len(d.snap.Logs))
		for k := range d.snap.Logs {
			if taskID(k) == v.id {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			lines = d.snap.Logs[keys[0]]
		}
	}
	end := len(lines)
	for end > 0 && lines[end-1].T.After(v.StoppedAt) {
		end--
	}
	if end == 0 {
		d.miss(MissingNoLogs)
		return
	}
	start := max(end-maxLogLines, 0)
	d.out.LastLogs = make([]LogLine, 0, end-start)
	for _, l := range lines[start:end] {
		d.out.LastLogs = append(d.out.LastLogs, LogLine{At: l.T, Message: l.Message})
	}
	last := lines[end-1]
	d.cite(Evidence{Source: SourceLogs, At: last.T,
		Fact: fmt.Sprintf("the last log line %s before the stop: %s", ago(v.StoppedAt.Sub(last.T)), clip(strings.TrimSpace(last.Message), 200))})
}
