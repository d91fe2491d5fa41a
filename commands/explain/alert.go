package explain

import (
	"strconv"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// AlertInput is one stop alert for the alerts channel: the diagnosis of
// the stop, drawn like the why reply, and for a crash loop how many stops
// it has had.
type AlertInput struct {
	Service   string               // what users call the service
	Diagnosis diagnose.Diagnosis   // with TaskID set to the stop announced
	Snap      *aws.ServiceSnapshot // for the chart; may be nil
	Loc       *time.Location       // the team's time zone; nil = the data's
	Prefix    string               // of the suggested commands, "!" when empty
	// Count is the stops of the crash loop, this one included; below 3 it
	// is a single stop. Since is the loop's first stop.
	Count int
	Since time.Time
	// Footer is added to the footer, e.g. the instance that posts it.
	Footer string
}

// Alert draws a stop alert in lang ("en" or "ko"): "🚨" and the why
// reply's title, or for a crash loop how many stops in how many minutes,
// the why reply's evidence, chart and remedy buttons, cut to Discord's
// limits.
func Alert(lang string, in AlertInput) reply.Message {
	p := text.New(lang)
	m := Why(p, View{Name: in.Service, D: in.Diagnosis, Snap: in.Snap, Loc: in.Loc})
	d := inZone(in.Diagnosis, in.Loc)
	cause := p.T("cause." + causeOr(d) + ".title")
	if in.Count >= 3 {
		first := in.Since
		if in.Loc != nil && !first.IsZero() {
			first = first.In(in.Loc)
		}
		mins := int(d.Figures.StoppedAt.Sub(in.Since).Round(time.Minute).Minutes())
		if d.Figures.StoppedAt.IsZero() || in.Since.IsZero() {
			mins = 30
		}
		m.Title = p.T("alert.title.loop", "Service", in.Service, "N", in.Count, "Minutes", max(mins, 1), "Cause", cause)
		exit := ""
		if d.Figures.ExitCode != nil {
			exit = strconv.Itoa(int(*d.Figures.ExitCode))
		}
		loop := p.T("alert.loop", "N", in.Count, "Cause", causeOr(d), "From", Clock(first),
			"At", Clock(d.Figures.StoppedAt), "Code", exit, "HasCommand", exit != "")
		m.Description = loop + "\n\n" + m.Description
		if m.Severity < reply.Critical {
			m.Severity = reply.Critical
		}
	} else {
		m.Title = p.T("alert.title", "Service", in.Service, "Cause", m.Title)
	}
	if in.Footer != "" {
		m.Footer += " · " + in.Footer
	}
	return Fit(m)
}
