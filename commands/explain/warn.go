package explain

import (
	"sort"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// Kinds of pressure the early warning watches.
const (
	PressureCPU     = "cpu"     // a service's CPU near its reservation
	PressureMemory  = "memory"  // a service's memory near its reservation
	PressureTargets = "targets" // a service's load-balancer targets failing health checks
	PressureCluster = "cluster" // the cluster's reservation full with scaling off
)

// Pressure is one kind of pressure on a service (or, for PressureCluster,
// on its cluster) as the watcher measured it.
type Pressure struct {
	Kind      string    `json:"kind"`
	Percent   float64   `json:"pct,omitempty"`       // cpu, memory, cluster: the peak, % of the reservation
	Threshold float64   `json:"limit,omitempty"`     // the configured share
	Minutes   int       `json:"min,omitempty"`       // how long it has held
	Unhealthy int       `json:"unhealthy,omitempty"` // targets: failing / all
	Targets   int       `json:"targets,omitempty"`
	Reason    string    `json:"reason,omitempty"` // targets: the load balancer's reason, e.g. "Request timed out"
	What      string    `json:"what,omitempty"`   // cluster: "CPU" or "memory"
	Since     time.Time `json:"since"`            // when the watcher first saw it
}

// WarningInput is one early warning: a service (or a cluster) under
// pressure, before anything stopped, with the why diagnosis of it now
// (diagnose.Options.Early) for its evidence and fixes.
type WarningInput struct {
	Service   string // what users call the service; the cluster's name for PressureCluster
	Pressures []Pressure
	Diagnosis diagnose.Diagnosis
	Snap      *aws.ServiceSnapshot // for the chart; may be nil
	Loc       *time.Location
	Footer    string
}

// Warning draws an early warning in lang: "⚠️", what is under pressure and
// for how long, then the why reply's evidence, remedies, notes and chart,
// and its fix buttons.
func Warning(lang string, in WarningInput) reply.Message {
	p := text.New(lang)
	d := inZone(in.Diagnosis, in.Loc)
	ps := append([]Pressure(nil), in.Pressures...)
	sort.SliceStable(ps, func(i, j int) bool { return kindOrder(ps[i].Kind) < kindOrder(ps[j].Kind) })
	cluster := len(ps) > 0 && ps[0].Kind == PressureCluster
	m := reply.Message{Severity: reply.Warning, DataTime: d.Window.To,
		Footer: p.T("why.footer", "Cluster", d.Cluster, "Service", d.Service)}
	desc := "warn.desc"
	if cluster {
		m.Footer, desc = p.T("warn.footer.cluster", "Cluster", in.Service), "warn.desc.cluster"
	}
	if len(ps) > 0 {
		m.Title = p.T("warn.title."+ps[0].Kind, pressureArgs(p, in.Service, ps[0], d.Figures)...)
		if len(ps) > 1 {
			var short []string
			for _, x := range ps {
				short = append(short, p.T("warn.short."+x.Kind, pressureArgs(p, in.Service, x, d.Figures)...))
			}
			m.Title = p.T("warn.title.many", "Service", in.Service, "What", strings.Join(short, ", "))
		}
	}
	var now []string
	for _, x := range ps {
		now = append(now, p.T("warn.line."+x.Kind, pressureArgs(p, in.Service, x, d.Figures)...))
	}
	m.Description = Bullets(now) + "\n\n" + p.T(desc, "Service", in.Service)

	// The why reply's evidence, without its "before the stop" CPU and
	// memory lines (the lines above say them for now) or an earlier stop's.
	ev := d
	ev.Figures.PeakCPUPercent, ev.Figures.PeakMemPercent, ev.Figures.StopSeconds = 0, 0, 0
	ev.Stops = nil
	add := func(f reply.Field, ok bool) {
		if ok && strings.TrimSpace(f.Value) != "" {
			m.Fields = append(m.Fields, f)
		}
	}
	if f := evidenceField(p, ev); f.Value != Bullets([]string{p.T("ev.none")}) {
		add(f, true)
	}
	add(remediesField(p, d), len(d.Remedies) > 0)
	add(notesField(p, d), len(d.Notes) > 0)
	add(missingField(p, d), len(d.Missing) > 0)
	if len(d.Remedies) == 0 {
		add(reply.Field{Name: p.T("why.field.remedies"), Value: p.T("warn.no_remedy", "Service", in.Service)}, true)
	}
	// The chart of the last 40 minutes, not of an earlier stop.
	if a, ok := whyChart(p, in.Service, ev, in.Snap, in.Loc); ok {
		m.Attachments = append(m.Attachments, a)
	}
	m.Buttons = remedyButtons(d)
	if in.Footer != "" {
		m.Footer += " · " + in.Footer
	}
	return Fit(m)
}

// WarningEnded is the follow-up when the pressure a warning named is over.
func WarningEnded(lang string, service string, ended []Pressure, at time.Time, loc *time.Location, footer string) reply.Message {
	p := text.New(lang)
	if loc != nil {
		at = at.In(loc)
	}
	ps := append([]Pressure(nil), ended...)
	sort.SliceStable(ps, func(i, j int) bool { return kindOrder(ps[i].Kind) < kindOrder(ps[j].Kind) })
	var lines []string
	for _, x := range ps {
		since := x.Since
		if loc != nil {
			since = since.In(loc)
		}
		lines = append(lines, p.T("warn.ended.line."+x.Kind, "From", hhmm(since), "To", hhmm(at), "What", whatOf(p, x)))
	}
	m := reply.Message{
		Title:       p.T("warn.ended.title", "Service", service),
		Description: Bullets(lines),
		Severity:    reply.OK,
		DataTime:    at,
		Footer:      footer,
	}
	return Fit(m)
}

func pressureArgs(p text.Printer, service string, x Pressure, f diagnose.Figures) []any {
	return []any{"Service", service, "Units", f.CPUReservedUnits, "MiB", f.MemoryReservedMiB, "Pct", Pct(p, x.Percent), "Lo", Pct(p, x.Threshold), "Minutes", max(x.Minutes, 1),
		"N", x.Unhealthy, "Count", x.Targets, "Reason", Clip(CodeSafeInline(x.Reason), 80), "HasReason", x.Reason != "",
		"What", whatOf(p, x)}
}

func whatOf(p text.Printer, x Pressure) string {
	if x.What == "memory" {
		return p.T("warn.what.memory")
	}
	return p.T("warn.what.cpu")
}

func kindOrder(k string) int {
	switch k {
	case PressureTargets:
		return 0
	case PressureCPU:
		return 1
	case PressureMemory:
		return 2
	}
	return 3
}

func hhmm(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.Format("15:04")
}
