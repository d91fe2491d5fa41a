// Package explain draws a diagnosis for people: the why reply and the
// stop alert, and the formatting and Discord limits every reply shares.
// It sits below the chat router so that the watcher, the bot and the
// command line can draw the same things without the router.
package explain

import (
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// View is what the why reply is drawn from. Snap may be nil (no chart).
type View struct {
	Name string // what users call the service
	D    diagnose.Diagnosis
	Snap *aws.ServiceSnapshot
	Loc  *time.Location // nil = the times' own zone
}

// Why draws the why reply; Fit cuts it to Discord's limits.
func Why(p text.Printer, v View) reply.Message {
	d := inZone(v.D, v.Loc)
	name := v.Name
	cause := d.Verdict.Cause
	if cause == "" {
		cause = diagnose.CauseUnknown
	}
	m := reply.Message{
		Title:       whyTitle(p, name, d),
		Description: whyDescription(p, name, d),
		Severity:    CauseSeverity(cause, d.Verdict.Contributing),
		Footer:      p.T("why.footer", "Cluster", d.Cluster, "Service", d.Service),
		DataTime:    d.Window.To,
	}
	add := func(f reply.Field, ok bool) {
		if ok && strings.TrimSpace(f.Value) != "" {
			m.Fields = append(m.Fields, f)
		}
	}
	add(verdictField(p, d), true)
	add(evidenceField(p, d), true)
	add(stopsField(p, d), len(d.Stops) > 1)
	add(timelineField(p, d), len(d.Timeline) > 0)
	add(lastLogsField(p, d), len(d.LastLogs) > 0)
	add(remediesField(p, d), len(d.Remedies) > 0)
	add(notesField(p, d), len(d.Notes) > 0)
	add(missingField(p, d), len(d.Missing) > 0)

	if a, ok := whyChart(p, name, d, v.Snap, v.Loc); ok {
		m.Attachments = append(m.Attachments, a)
	}
	m.Buttons = remedyButtons(d)
	return m
}

// remedyButtons are the remedies' commands as buttons, the first one primary.
func remedyButtons(d diagnose.Diagnosis) []reply.Button {
	var out []reply.Button
	for i, r := range d.Remedies {
		if r.Command == "" {
			continue
		}
		style := reply.Secondary
		if i == 0 {
			style = reply.Primary
		}
		out = append(out, reply.Button{ID: r.Command, Label: Clip(r.Command, 80), Style: style})
	}
	return out
}

func whyTitle(p text.Printer, name string, d diagnose.Diagnosis) string {
	t := p.T("why.title", "Service", name, "Cause", p.T("cause."+causeOr(d)+".title"))
	if notOOMButCPU(d) {
		t += p.T("why.title.cpu_not_oom")
	}
	return t
}

func whyDescription(p text.Printer, name string, d diagnose.Diagnosis) string {
	cause := causeOr(d)
	sentence := "cause." + cause + ".sentence"
	if k := d.Figures.Placement; cause == diagnose.CausePlacementFailed && k != "" && k != diagnose.PlacementCPU && k != diagnose.PlacementMemory {
		sentence = "cause.placement-failed." + k + ".sentence" // the general one blames CPU or memory
	}
	parts := []string{p.T(sentence, "Service", name,
		"From", Clock(d.Window.From), "To", Clock(d.Window.To))}
	if cause != diagnose.CauseOOMKilled && exit137(d) {
		if has(d.Verdict.Contributing, diagnose.FactorCPUStarved) && d.Figures.PeakCPUPercent > 0 {
			parts = append(parts, p.T("why.desc.not_oom_cpu", "CPU", Pct(p, d.Figures.PeakCPUPercent)))
		} else {
			parts = append(parts, p.T("why.desc.not_oom"))
		}
	}
	if has(d.Verdict.Contributing, diagnose.FactorClusterCPUFull) && has(d.Verdict.Contributing, diagnose.FactorScalingDisabled) {
		parts = append(parts, p.T("why.desc.cluster_full"))
	}
	return strings.Join(parts, " ")
}

func causeOr(d diagnose.Diagnosis) string {
	if d.Verdict.Cause == "" {
		return diagnose.CauseUnknown
	}
	return d.Verdict.Cause
}

// notOOMButCPU is the incident's lesson: a 137 that looks like OOM but was a
// CPU-starved task stopped by its health checks.
func notOOMButCPU(d diagnose.Diagnosis) bool {
	return d.Verdict.Cause != diagnose.CauseOOMKilled && exit137(d) &&
		has(d.Verdict.Contributing, diagnose.FactorCPUStarved)
}

// exit137 reports whether a container of the newest stop exited 137.
func exit137(d diagnose.Diagnosis) bool {
	if len(d.Stops) == 0 {
		return false
	}
	for _, c := range d.Stops[0].Containers {
		if c.ExitCode != nil && *c.ExitCode == 137 {
			return true
		}
	}
	return false
}

// CauseSeverity is how bad a stop of cause is, with its contributing
// factors.
func CauseSeverity(cause string, factors []string) reply.Severity {
	switch cause {
	case diagnose.CauseNoRecentStops:
		return reply.OK
	case diagnose.CauseDeployment, diagnose.CauseScaleIn, diagnose.CauseUserStopped:
		if has(factors, diagnose.FactorCircuitBreaker) {
			return reply.Critical
		}
		return reply.Info
	case diagnose.CauseHostTerminated, diagnose.CauseSpotInterruption, diagnose.CauseAWSMaintenance,
		diagnose.CauseAppExited, diagnose.CauseUnknown:
		return reply.Warning
	default:
		return reply.Critical
	}
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// inZone returns d with its times in loc, for display; d is not changed.
func inZone(d diagnose.Diagnosis, loc *time.Location) diagnose.Diagnosis {
	if loc == nil {
		return d
	}
	in := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(loc)
	}
	d.Window = diagnose.Window{From: in(d.Window.From), To: in(d.Window.To)}
	d.Stops = append([]diagnose.Stop(nil), d.Stops...)
	for i := range d.Stops {
		d.Stops[i].StoppedAt = in(d.Stops[i].StoppedAt)
	}
	d.Timeline = append([]diagnose.Event(nil), d.Timeline...)
	for i := range d.Timeline {
		d.Timeline[i].At = in(d.Timeline[i].At)
	}
	d.LastLogs = append([]diagnose.LogLine(nil), d.LastLogs...)
	for i := range d.LastLogs {
		d.LastLogs[i].At = in(d.LastLogs[i].At)
	}
	return d
}
