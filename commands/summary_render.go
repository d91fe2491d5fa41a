package commands

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/chart"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// renderSummary draws the summary: what needs attention first, each with
// a one-line reason, then a field per cluster and per service (those
// needing attention first), and one chart of every service's CPU. Past
// Discord's 25 fields or 6000 characters the services that are fine are
// folded into a last "… and N more" field.
func renderSummary(p text.Printer, v summaryView) reply.Message {
	logSummary(v)
	var names []string
	total, attention := 0, 0
	var lines []string
	var hot, fine []serviceView
	sev := reply.OK
	worse := func(s reply.Severity) {
		if s > sev {
			sev = s
		}
	}
	for _, c := range v.Clusters {
		names = append(names, c.Name)
		if rs := clusterReasons(p, c); len(rs) > 0 {
			lines = append(lines, serviceLine(p.T("summary.cluster", "Cluster", c.Name), rs))
			worse(reply.Warning)
		}
		for _, s := range c.Services {
			total++
			s.Reasons = serviceReasons(p, s)
			if len(s.Reasons) == 0 {
				fine = append(fine, s)
				continue
			}
			attention++
			hot = append(hot, s)
			lines = append(lines, serviceLine(s.Ref.Name(), s.Reasons))
			worse(reply.Warning)
			if !s.Found || (s.Desired > 0 && s.Running == 0) || s.FailedDeployment {
				worse(reply.Critical)
			}
		}
	}
	cluster := strings.Join(names, ", ")
	m := reply.Message{Severity: sev, DataTime: v.Now.In(v.Loc)}
	if attention > 0 {
		m.Title = p.T("summary.title.attention", "Cluster", cluster, "N", attention, "Max", total)
	} else {
		m.Title = p.T(one(total, "summary.title.fine"), "Cluster", cluster, "N", total)
	}
	desc := []string{p.T("summary.window", "From", v.Since.In(v.Loc).Format("01-02 15:04"), "To", v.Now.In(v.Loc).Format("01-02 15:04 MST"))}
	if len(lines) > 0 {
		shown := lines
		if len(shown) > maxAttentionLns {
			shown = shown[:maxAttentionLns]
		}
		body := explain.Bullets(shown)
		if more := len(lines) - len(shown); more > 0 {
			body += "\n" + p.T("why.more", "N", more)
		}
		desc = append(desc, p.T("summary.attention.head")+"\n"+body)
	} else {
		desc = append(desc, p.T("summary.all_fine"))
	}
	m.Description = strings.Join(desc, "\n\n")
	m.Footer = p.T("summary.footer."+v.StopsFrom, "Prefix", v.Prefix)

	var fixed []reply.Field
	var missing []aws.Missing
	for _, c := range v.Clusters {
		fixed = append(fixed, clusterField(p, c, v.Prefix))
		missing = append(missing, c.Missing...)
	}
	if len(missing) > 0 {
		fixed = append(fixed, reply.Field{Name: p.T("why.field.missing"), Value: clip(explain.Bullets(explain.MissingLines(p, missing)), 600)})
	}
	ordered := append(append([]serviceView{}, hot...), fine...)
	// Only the first fields can be shown (fitServiceFields): words for
	// the other 975 services of a large cluster would be thrown away.
	svcFields := make([]reply.Field, min(len(ordered), reply.MaxFields))
	for i := range svcFields {
		svcFields[i] = serviceField(p, ordered[i])
	}
	m.Fields = fitServiceFields(p, m, fixed, svcFields, ordered)

	if a, ok := summaryChart(p, ordered); ok {
		m.Attachments = append(m.Attachments, a)
	}
	return m
}

// fitServiceFields keeps as many service fields as Discord allows, the
// rest named in one last field.
func fitServiceFields(p text.Printer, m reply.Message, fixed, svc []reply.Field, views []serviceView) []reply.Field {
	k := min(len(svc), reply.MaxFields-len(fixed))
	for ; k >= 0; k-- {
		fs := append(append([]reply.Field{}, fixed...), svc[:k]...)
		if rest := views[k:]; len(rest) > 0 {
			if len(fs) == reply.MaxFields {
				continue
			}
			fs = append(fs, moreField(p, rest))
		}
		m.Fields = fs
		if explain.Total(m) <= reply.MaxTotal-100 { // room for fit's own marks
			return fs
		}
	}
	return fixed
}

func moreField(p text.Printer, rest []serviceView) reply.Field {
	names := make([]string, len(rest))
	for i, s := range rest {
		names[i] = s.Ref.Name()
	}
	return reply.Field{
		Name:  p.T("summary.more", "N", len(rest)),
		Value: clip(strings.Join(names, ", "), 300),
	}
}

func serviceField(p text.Printer, s serviceView) reply.Field {
	mark := "🟢"
	if len(s.Reasons) > 0 {
		mark = "🔴"
	}
	name := fmt.Sprintf("%s %s · %s", mark, s.Ref.Name(), p.T("summary.running", "Running", s.Running, "Desired", s.Desired))
	if !s.Found {
		return reply.Field{Name: mark + " " + s.Ref.Name(), Value: p.T("summary.reason.not_found"), Inline: true}
	}
	var lines []string
	if n := s.stopTotal(); n == 0 {
		lines = append(lines, p.T("summary.stops.none"))
	} else {
		lines = append(lines, p.T("summary.stops", "Names", stopList(s.Stops, nil)))
	}
	if s.CPU.OK {
		lines = append(lines, p.T("summary.cpu", "Pct", explain.Pct(p, s.CPU.Peak), "V", explain.Pct(p, s.CPU.Avg)))
	}
	if s.Mem.OK {
		lines = append(lines, p.T("summary.mem", "Pct", explain.Pct(p, s.Mem.Peak), "V", explain.Pct(p, s.Mem.Avg)))
	}
	if !s.CPU.OK && !s.Mem.OK {
		lines = append(lines, p.T("summary.nodata"))
	}
	if s.Unhealthy > 0 {
		lines = append(lines, p.T("summary.unhealthy", "N", s.Unhealthy))
	}
	if s.Deployments > 0 || s.FailedDeployment {
		l := p.T("summary.deployments", "N", s.Deployments)
		if s.FailedDeployment {
			l += " · " + p.T("summary.reason.deploy_failed")
		}
		lines = append(lines, l)
	}
	return reply.Field{Name: name, Value: strings.Join(lines, "\n"), Inline: true}
}

func clusterField(p text.Printer, c clusterView, prefix string) reply.Field {
	f := reply.Field{Name: p.T("summary.field.cluster", "Cluster", c.Name)}
	if c.Err != nil {
		f.Value = p.T("summary.reason.cluster_error", "Reason", clip(c.Err.Error(), 300))
		return f
	}
	var lines []string
	if c.CPURes.OK {
		lines = append(lines, p.T("summary.cluster.cpu", "Pct", explain.Pct(p, c.CPURes.Last), "Max", explain.Pct(p, c.CPURes.Peak)))
	}
	if c.MemRes.OK {
		lines = append(lines, p.T("summary.cluster.mem", "Pct", explain.Pct(p, c.MemRes.Last), "Max", explain.Pct(p, c.MemRes.Peak)))
	}
	g := c.Growth
	switch {
	case !g.EC2:
		lines = append(lines, p.T("summary.grow.fargate"))
	case g.CanGrow():
		how := p.T("summary.grow.managed")
		if !g.Managed {
			how = p.T("summary.grow.policy")
		}
		lines = append(lines, p.T("summary.grow.yes", "Reason", how, "Name", g.Group, "Max", g.Max, "Desired", g.Desired))
	case !g.Managed && !g.Policy:
		lines = append(lines, p.T("summary.grow.no_scaling", "Prefix", prefix))
	case g.Group == "":
		lines = append(lines, p.T("summary.grow.no_group"))
	default:
		lines = append(lines, p.T("summary.grow.no_room", "Name", g.Group, "Max", g.Max))
	}
	f.Value = strings.Join(lines, "\n")
	return f
}

// maxChartRows is the most services the summary's chart draws: a row is
// 22 pixels, so 1,000 services were a 22,000-pixel picture that took
// 56 MB and most of the summary's CPU to draw, and no one could read.
const maxChartRows = 30

// chartRows are the services the chart draws, in order, and how many it
// leaves out: all of them up to maxChartRows, else those needing
// attention first, then the busiest by CPU peak.
func chartRows(views []serviceView) ([]serviceView, int) {
	var found []serviceView
	for _, s := range views {
		if s.Found {
			found = append(found, s)
		}
	}
	if len(found) <= maxChartRows {
		return found, 0
	}
	var hot, fine []serviceView
	for _, s := range found {
		if len(s.Reasons) > 0 {
			hot = append(hot, s)
		} else {
			fine = append(fine, s)
		}
	}
	cpu := func(s serviceView) float64 {
		if !s.CPU.OK {
			return -1
		}
		return s.CPU.Peak
	}
	sort.SliceStable(fine, func(i, j int) bool { return cpu(fine[i]) > cpu(fine[j]) })
	rows := append(hot, fine...)[:maxChartRows]
	return rows, len(found) - maxChartRows
}

// summaryChart is one picture of the services' CPU over the day, peak and
// average (every service's, up to maxChartRows), with the same as text
// for renderers without pictures.
func summaryChart(p text.Printer, views []serviceView) (reply.Attachment, bool) {
	var bars []chart.Bar
	rows, more := chartRows(views)
	width := 0
	for _, s := range rows {
		width = max(width, utf8.RuneCountInString(s.Ref.Name()))
	}
	var txt []string
	drawn := false
	for _, s := range rows {
		bars = append(bars, chart.Bar{Name: s.Ref.Name(), Peak: s.CPU.Peak, Avg: s.CPU.Avg, Has: s.CPU.OK})
		name := s.Ref.Name() + strings.Repeat(" ", width-utf8.RuneCountInString(s.Ref.Name()))
		if !s.CPU.OK {
			txt = append(txt, name+"  "+p.T("summary.nodata.short"))
			continue
		}
		drawn = true
		txt = append(txt, fmt.Sprintf("%s  %s  %s / %s", name, chart.PeakAvgText(s.CPU.Peak, s.CPU.Avg, 10), explain.Pct(p, s.CPU.Peak), explain.Pct(p, s.CPU.Avg)))
	}
	if !drawn {
		return reply.Attachment{}, false
	}
	if more > 0 {
		txt = append(txt, p.T("summary.chart.more", "N", more, "Max", maxChartRows))
	}
	png, err := chart.PeakAvg(chart.PeakAvgInput{Title: explain.ChartTitle("chart.summary.title"), Bars: bars})
	if err != nil {
		slog.Warn("no summary chart", "err", err)
	}
	return reply.Attachment{
		Name:        "summary-cpu.png",
		ContentType: "image/png",
		Data:        png,
		Text:        p.T("summary.chart.caption") + "\n" + strings.Join(txt, "\n"),
	}, true
}
