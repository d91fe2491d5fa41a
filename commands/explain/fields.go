package explain

import (
	"fmt"
	"strings"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

func verdictField(p text.Printer, d diagnose.Diagnosis) reply.Field {
	conf := d.Verdict.Confidence
	if conf == "" {
		conf = diagnose.ConfidenceLow
	}
	lines := []string{
		"**" + p.T("cause."+causeOr(d)+".name") + "**",
		p.T("why.confidence", "Level", p.T("confidence."+conf)),
	}
	var fs []string
	for _, f := range d.Verdict.Contributing {
		fs = append(fs, factorName(p, f))
	}
	if len(fs) > 0 {
		lines = append(lines, p.T("why.contributing", "Factors", strings.Join(fs, ", ")))
	}
	return reply.Field{Name: p.T("why.field.verdict"), Value: strings.Join(lines, "\n")}
}

func factorName(p text.Printer, code string) string {
	if p.Has("factor." + code) {
		return p.T("factor." + code)
	}
	return code
}

// evidenceField lists the numbers behind the verdict, from the figures and
// the newest stop; it never repeats the English evidence sentences.
func evidenceField(p text.Printer, d diagnose.Diagnosis) reply.Field {
	f := d.Figures
	var lines []string
	factor := func(c string) bool { return has(d.Verdict.Contributing, c) }
	if f.PeakCPUPercent > 0 {
		if f.CPUReservedUnits > 0 {
			lines = append(lines, p.T("ev.cpu", "Pct", Pct(p, f.PeakCPUPercent), "Units", f.CPUReservedUnits, "Minutes", f.CPUHighMinutes))
		} else {
			lines = append(lines, p.T("ev.cpu.nounits", "Pct", Pct(p, f.PeakCPUPercent), "Minutes", f.CPUHighMinutes))
		}
	}
	if f.PeakMemPercent > 0 {
		id := "ev.mem"
		if f.PeakMemPercent < 80 && d.Verdict.Cause != diagnose.CauseOOMKilled {
			id = "ev.mem.far"
		}
		if f.MemoryReservedMiB > 0 {
			lines = append(lines, p.T(id, "Pct", Pct(p, f.PeakMemPercent), "MiB", f.MemoryReservedMiB))
		} else {
			lines = append(lines, p.T(id+".nomib", "Pct", Pct(p, f.PeakMemPercent)))
		}
	}
	if len(d.Stops) > 0 {
		s := d.Stops[0]
		for _, c := range s.Containers {
			if c.ExitCode == nil {
				continue
			}
			switch {
			case *c.ExitCode == 137 && d.Verdict.Cause == diagnose.CauseOOMKilled:
				lines = append(lines, p.T("ev.exit137.oom", "Name", c.Name))
			case *c.ExitCode == 137:
				lines = append(lines, p.T("ev.exit137.not_oom", "Name", c.Name))
			case *c.ExitCode == 143:
				lines = append(lines, p.T("ev.exit143", "Name", c.Name))
			default:
				lines = append(lines, p.T("ev.exit", "Name", c.Name, "Code", *c.ExitCode))
			}
		}
		if s.StoppedReason != "" {
			lines = append(lines, p.T("ev.reason", "Reason", Clip(ShortARNs(CodeSafeInline(s.StoppedReason)), 160)))
		}
	}
	if f.StopSeconds > 0 {
		if f.StopTimeout > 0 && (f.StopSeconds >= float64(f.StopTimeout) || factor(diagnose.FactorSigtermIgnored)) {
			lines = append(lines, p.T("ev.stop.kill", "Secs", num(f.StopSeconds), "Timeout", f.StopTimeout))
		} else if f.StopTimeout > 0 {
			lines = append(lines, p.T("ev.stop", "Secs", num(f.StopSeconds), "Timeout", f.StopTimeout))
		}
	}
	scalingOff := factor(diagnose.FactorScalingDisabled)
	if f.ClusterCPURes > 0 {
		id := "ev.cluster.cpu"
		if scalingOff {
			id = "ev.cluster.cpu.noscale"
		}
		lines = append(lines, p.T(id, "Pct", Pct(p, f.ClusterCPURes)))
	}
	if f.ClusterMemRes > 0 && (factor(diagnose.FactorClusterMemoryFull) || f.ClusterMemRes >= 90) {
		lines = append(lines, p.T("ev.cluster.mem", "Pct", Pct(p, f.ClusterMemRes)))
	}
	if f.HostCPUPercent > 0 {
		lines = append(lines, p.T("ev.host", "Pct", Pct(p, f.HostCPUPercent)))
	}
	if f.LinesPerRequest > 0 {
		lines = append(lines, p.T("ev.lpr", "N", num(f.LinesPerRequest)))
	}
	if factor(diagnose.FactorNoGracePeriod) {
		lines = append(lines, p.T("ev.grace", "Secs", f.GracePeriod))
	}
	if len(lines) == 0 {
		lines = append(lines, p.T("ev.none"))
	}
	return reply.Field{Name: p.T("why.field.evidence"), Value: Bullets(lines)}
}

// CodeSafeInline keeps text inside `code` spans.
func CodeSafeInline(s string) string { return strings.ReplaceAll(s, "`", "'") }

// maxStops is how many stops the stops field lists.
const maxStops = 5

func stopsField(p text.Printer, d diagnose.Diagnosis) reply.Field {
	var lines []string
	for i, s := range d.Stops {
		if i == maxStops {
			lines = append(lines, p.T("why.more", "N", len(d.Stops)-maxStops))
			break
		}
		code := ""
		for _, c := range s.Containers {
			if c.ExitCode != nil {
				code = p.T("why.stop.exit", "Code", *c.ExitCode)
				break
			}
		}
		lines = append(lines, fmt.Sprintf("`%s` `%s` %s%s", Clock(s.StoppedAt), ShortID(s.TaskArn),
			p.T("cause."+orUnknown(s.Cause)+".name"), code))
	}
	return reply.Field{Name: p.T("why.field.stops", "N", len(d.Stops)), Value: Bullets(lines)}
}

func orUnknown(c string) string {
	if c == "" {
		return diagnose.CauseUnknown
	}
	return c
}

// maxTimeline is how many events the timeline shows: the newest ones.
const maxTimeline = 8

func timelineField(p text.Printer, d diagnose.Diagnosis) reply.Field {
	var lines []string
	for _, e := range newest(d.Timeline, maxTimeline) {
		kind := e.Kind
		if p.Has("kind." + kind) {
			kind = p.T("kind." + kind)
		}
		lines = append(lines, fmt.Sprintf("`%s` %s: %s", Clock(e.At), kind, Clip(ShortARNs(EventText(p, e)), 160)))
	}
	return reply.Field{Name: p.T("why.field.timeline"), Value: strings.Join(lines, "\n")}
}

// EventText is a timeline event in the reader's language: ecsmedic's own
// words as the printer says them, AWS's own words as they are.
func EventText(p text.Printer, e diagnose.Event) string {
	if e.Say.ID == "" || !p.Has(e.Say.ID) {
		return e.Text
	}
	return p.T(e.Say.ID, e.Say.Args...)
}

// whyLogsShown is how many of the last log lines the why reply shows.
const whyLogsShown = 8

func lastLogsField(p text.Printer, d diagnose.Diagnosis) reply.Field {
	var lines []string
	for _, l := range newest(d.LastLogs, whyLogsShown) {
		lines = append(lines, Clock(l.At)+" "+Clip(strings.TrimSpace(CodeSafe(l.Message)), 110))
	}
	return reply.Field{Name: p.T("why.field.logs"), Value: CodeBlock(lines, 1024)}
}

// CodeBlock puts lines in a Markdown code block of at most limit
// characters, keeping the newest (last) lines.
func CodeBlock(lines []string, limit int) string {
	const open, end = "```\n", "\n```"
	budget := limit - len(open) - len(end)
	var kept []string
	size := 0
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.ReplaceAll(lines[i], "\n", " ")
		if size+len(l)+1 > budget {
			if len(kept) == 0 {
				kept = append(kept, clipBytes(l, budget))
			}
			break
		}
		kept = append(kept, l)
		size += len(l) + 1
	}
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		kept[i], kept[j] = kept[j], kept[i]
	}
	return open + strings.Join(kept, "\n") + end
}

func remediesField(p text.Printer, d diagnose.Diagnosis) reply.Field {
	f := d.Figures
	var lines []string
	for i, r := range d.Remedies {
		why := r.Why
		// English keeps the diagnosis's own, more specific words.
		if id := "remedy." + r.Action; p.Has(id) && (p.Lang() != "en" || why == "") {
			why = p.T(id, "Units", f.CPUReservedUnits, "MiB", f.MemoryReservedMiB, "NewUnits", f.SuggestedCPU,
				"NewMiB", f.SuggestedMemoryMiB, "Grace", f.SuggestedGraceSeconds, "Timeout", f.StopTimeout,
				"HasCommand", r.Command != "", "Resource", r.Resource)
		}
		if r.Command == "" {
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, why))
			continue
		}
		lines = append(lines, fmt.Sprintf("%d. `%s` — %s", i+1, CodeSafeInline(r.Command), why))
	}
	return reply.Field{Name: p.T("why.field.remedies"), Value: strings.Join(lines, "\n")}
}

func notesField(p text.Printer, d diagnose.Diagnosis) reply.Field {
	var lines []string
	f := d.Figures
	for _, n := range d.Notes {
		if p.Has("note." + n) {
			lines = append(lines, p.T("note."+n, "Host", Pct(p, f.HostCPUPercent), "CPU", Pct(p, f.PeakCPUPercent),
				"HasHost", f.HostCPUPercent > 0, "HasCPU", f.PeakCPUPercent > 0))
		} else {
			lines = append(lines, n)
		}
	}
	return reply.Field{Name: p.T("why.field.notes"), Value: Bullets(lines)}
}

// missingField says what could not be checked. With a confident verdict
// it lists only the reads that failed (an IAM permission to add, say),
// which the reader should fix anyway; else everything missing.
func missingField(p text.Printer, d diagnose.Diagnosis) reply.Field {
	intro, ms := p.T("why.missing.intro"), d.Missing
	if d.Verdict.Confidence == diagnose.ConfidenceHigh {
		intro, ms = p.T("why.missing.failed_reads"), nil
		for _, m := range d.Missing {
			if m.Failed() {
				ms = append(ms, m)
			}
		}
	}
	if len(ms) == 0 {
		return reply.Field{}
	}
	return reply.Field{Name: p.T("why.field.missing"), Value: intro + "\n" + Bullets(MissingLines(p, ms))}
}

// MissingLines words the missing evidence: from the code where this
// language has words for it, else the English line.
func MissingLines(p text.Printer, ms []aws.Missing) []string {
	lines := make([]string, 0, len(ms))
	for _, m := range ms {
		switch {
		case m.Code != "" && p.Has("missing."+string(m.Code)):
			lines = append(lines, p.T("missing."+string(m.Code), "Source", m.Source, "Detail", m.Detail))
		case m.String() != "":
			lines = append(lines, m.String())
		default:
			lines = append(lines, string(m.Code))
		}
	}
	return lines
}

// newest is the last n of s, which is oldest first.
func newest[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
