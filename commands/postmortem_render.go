package commands

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/store"
)

// The post-mortem is a Markdown document a student edits and shares: the
// headings and words come from the bundle (postmortem.*), the facts from
// the diagnosis, the stop history and the audit, in that order of trust.

// renderPostmortem writes the report.
func renderPostmortem(p text.Printer, f pmFacts) string {
	w := pmWriter{p: p, f: f, clock: pmClock(f)}
	w.header()
	w.summary()
	w.impact()
	w.timeline()
	w.cause()
	w.changes()
	w.followUps()
	w.sources()
	return strings.TrimRight(w.b.String(), "\n") + "\n"
}

type pmWriter struct {
	b     strings.Builder
	p     text.Printer
	f     pmFacts
	clock func(time.Time) string
}

func (w *pmWriter) line(s string) { w.b.WriteString(s + "\n") }
func (w *pmWriter) item(s string) { w.line("- " + oneLineText(s)) }
func (w *pmWriter) heading(id string, kv ...any) {
	w.line("")
	w.line("## " + w.p.T(id, kv...))
	w.line("")
}

func (w *pmWriter) header() {
	p, f, d := w.p, w.f, w.f.d
	to := d.Window.To.In(f.loc)
	w.line("# " + p.T("postmortem.md.title", "Service", f.ref.Name(), "Date", to.Format("2006-01-02")))
	w.line("")
	w.line("> " + p.T("postmortem.md.draft", "At", to.Format("2006-01-02 15:04 MST")))
	w.line("")
	w.line("| | |")
	w.line("|---|---|")
	row := func(name, value string) { w.line("| " + name + " | " + strings.ReplaceAll(value, "|", "\\|") + " |") }
	row(p.T("postmortem.md.field.service"), p.T("postmortem.md.service", "Service", f.ref.Service, "Cluster", f.ref.Cluster))
	row(p.T("postmortem.md.field.window"), d.Window.From.In(f.loc).Format("2006-01-02 15:04")+" – "+to.Format("2006-01-02 15:04 MST"))
	row(p.T("postmortem.md.field.cause"), explain.CauseName(p, d.Verdict.Cause)+" · "+explain.Confidence(p, d))
}

func (w *pmWriter) summary() {
	w.heading("postmortem.md.h.summary")
	f := w.f
	w.line(strings.TrimSpace(explain.Headline(w.p, f.ref.Name(), f.d)) + ".")
	w.line("")
	w.line(explain.Story(w.p, f.ref.Name(), f.d, f.loc))
}

func (w *pmWriter) impact() {
	w.heading("postmortem.md.h.impact")
	lines, _ := impactLines(w.p, w.f, w.clock)
	for _, l := range lines {
		w.item(l)
	}
}

// impactLines are the impact in a few lines: stops, time unhealthy, the
// pressure before, the service now; short is the unexpected stops and the
// time unhealthy, for the chat reply.
func impactLines(p text.Printer, f pmFacts, clock func(time.Time) string) (out, short []string) {
	d := f.d
	unexpected, planned := stopCounts(d.Stops)
	if n := total(unexpected); n > 0 {
		out = append(out, p.T("postmortem.impact.stops", "N", n, "Causes", causeCounts(p, unexpected)))
	} else {
		out = append(out, p.T("postmortem.impact.stops.none"))
	}
	short = append(short, out[0])
	if n := total(planned); n > 0 {
		out = append(out, p.T("postmortem.impact.planned", "N", n, "Causes", causeCounts(p, planned)))
	}
	from, to, ongoing := unhealthySpan(d)
	unhealthy := ""
	switch {
	case from.IsZero():
	case ongoing:
		unhealthy = p.T("postmortem.impact.unhealthy.ongoing", "Dur", pmDuration(p, to.Sub(from)), "From", clock(from))
	case to.IsZero():
		unhealthy = p.T("postmortem.impact.unhealthy.open", "From", clock(from))
	default:
		unhealthy = p.T("postmortem.impact.unhealthy", "Dur", pmDuration(p, to.Sub(from)), "From", clock(from), "To", clock(to))
	}
	if unhealthy != "" {
		out, short = append(out, unhealthy), append(short, unhealthy)
	}
	if m := d.Figures.CPUHighMinutes; m > 0 {
		out = append(out, p.T("postmortem.impact.pressure", "Minutes", m))
	}
	out = append(out, p.T("postmortem.impact.now", "Running", d.Figures.RunningCount, "Desired", d.Figures.DesiredCount))
	return out, short
}

// stopCounts counts the window's stops by cause, unexpected and planned.
func stopCounts(stops []diagnose.Stop) (unexpected, planned map[string]int) {
	unexpected, planned = map[string]int{}, map[string]int{}
	for _, s := range stops {
		c := s.Cause
		if c == "" {
			c = diagnose.CauseUnknown
		}
		if plannedCauses[c] {
			planned[c]++
		} else {
			unexpected[c]++
		}
	}
	return unexpected, planned
}

func total(m map[string]int) int {
	n := 0
	for _, k := range m {
		n += k
	}
	return n
}

// causeCounts is "2 × Failed load-balancer health checks, 1 × …", the
// most frequent first.
func causeCounts(p text.Printer, m map[string]int) string {
	var parts []string
	for _, c := range causesByCount(m) {
		parts = append(parts, fmt.Sprintf("%d × %s", m[c], explain.CauseName(p, c)))
	}
	return strings.Join(parts, ", ")
}

// unhealthySpan is how long the newest episode lasted: from its first
// failed health check or unexpected stop to the first steady state after
// its last unexpected stop. The episode is what the diagnosis's timeline
// tells (the minutes around the newest stop), so that two incidents hours
// apart do not add up to one long one. Without a steady state it is
// ongoing (to = the data's time) when tasks are still missing, else its
// end is unknown.
func unhealthySpan(d diagnose.Diagnosis) (from, to time.Time, ongoing bool) {
	var begin, last time.Time
	if len(d.Timeline) > 0 {
		begin = d.Timeline[0].At
	}
	for _, s := range d.Stops { // newest first
		if plannedCauses[s.Cause] || s.StoppedAt.IsZero() || s.StoppedAt.Before(begin) {
			continue
		}
		if last.IsZero() {
			last = s.StoppedAt
		}
		from = s.StoppedAt
		if begin.IsZero() {
			break // no timeline: the newest stop alone
		}
	}
	if from.IsZero() {
		return // nothing stopped unexpectedly: a warning is not an outage
	}
	for _, e := range d.Timeline {
		if e.Kind == "health" && e.At.Before(from) {
			from = e.At
		}
	}
	for _, e := range d.Timeline {
		if !e.At.Before(last) && diagnose.Steady(e.Text) {
			return from, e.At, false
		}
	}
	if d.Figures.RunningCount < d.Figures.DesiredCount {
		return from, d.Window.To, true
	}
	return from, time.Time{}, false
}

// pmDuration is a duration as people say it: "5 min", "1 h 20 min".
func pmDuration(p text.Printer, d time.Duration) string {
	m := int((d + 30*time.Second) / time.Minute)
	switch {
	case m < 1:
		return p.T("postmortem.dur.under_minute")
	case m < 60:
		return p.T("postmortem.dur.min", "M", m)
	}
	return p.T("postmortem.dur.hour", "H", m/60, "M", m%60)
}

// pmClock formats the report's times in the team's zone: the time of day
// when the window is one day, else the date too.
func pmClock(f pmFacts) func(time.Time) string {
	layout := "15:04:05"
	if f.d.Window.From.In(f.loc).YearDay() != f.d.Window.To.In(f.loc).YearDay() {
		layout = "01-02 15:04:05"
	}
	return func(t time.Time) string {
		if t.IsZero() {
			return "?"
		}
		return t.In(f.loc).Format(layout)
	}
}

// pmEvent is one line of the report's timeline.
type pmEvent struct {
	At   time.Time
	Kind string
	Text string
}

func (w *pmWriter) timeline() {
	p, f := w.p, w.f
	w.heading("postmortem.md.h.timeline", "Zone", f.d.Window.To.In(f.loc).Format("MST"))
	var evs []pmEvent
	for _, e := range f.d.Timeline {
		evs = append(evs, pmEvent{At: e.At, Kind: e.Kind, Text: explain.EventText(p, e)})
	}
	// The diagnosis's timeline tells the verdict's stop; the other stops
	// of the window are told by one line each.
	for i, s := range f.d.Stops {
		if i == 0 && len(f.d.Timeline) > 0 {
			continue
		}
		evs = append(evs, pmEvent{At: s.StoppedAt, Kind: "stop",
			Text: p.T("postmortem.timeline.stop", "Task", explain.ShortID(s.TaskArn), "Cause", explain.CauseName(p, s.Cause))})
	}
	for _, c := range f.changes {
		for _, rec := range c.Audit {
			evs = append(evs, pmEvent{At: rec.At, Kind: "change", Text: p.T("postmortem.timeline.change",
				"Event", w.auditText(c, rec, false), "Subject", w.subject(c), "ID", c.ID, "HasID", c.ID != "")})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.Before(evs[j].At) })
	if len(evs) == 0 {
		w.line(p.T("postmortem.timeline.none"))
		return
	}
	for _, e := range evs {
		kind := e.Kind
		if id := "kind." + kind; p.Has(id) {
			kind = p.T(id)
		}
		w.item(fmt.Sprintf("`%s` %s: %s", w.clock(e.At), kind, explain.ShortARNs(e.Text)))
	}
}

func (w *pmWriter) cause() {
	p, d := w.p, w.f.d
	w.heading("postmortem.md.h.cause")
	w.line("**" + explain.CauseName(p, d.Verdict.Cause) + "** · " + explain.Confidence(p, d))
	w.line("")
	for _, l := range explain.EvidenceLines(p, d) {
		w.item(l)
	}
	w.line("")
	w.line("### " + p.T("postmortem.md.h.factors"))
	w.line("")
	if len(d.Verdict.Contributing) == 0 {
		w.line(p.T("postmortem.factors.none"))
	}
	for _, c := range d.Verdict.Contributing {
		w.item(explain.FactorName(p, c))
	}
	if notes := explain.NoteLines(p, d); len(notes) > 0 {
		w.line("")
		w.line("### " + p.T("postmortem.md.h.notes"))
		w.line("")
		for _, l := range notes {
			w.item(l)
		}
	}
	if len(d.Evidence) > 0 {
		w.line("")
		w.line("### " + p.T("postmortem.md.h.evidence"))
		w.line("")
		for _, e := range d.Evidence {
			w.item(fmt.Sprintf("`%s` %s — %s", w.clock(e.At), explain.CodeSafeInline(e.Source), explain.ShortARNs(e.Fact)))
		}
	}
}

func (w *pmWriter) changes() {
	p, f := w.p, w.f
	w.heading("postmortem.md.h.changes")
	switch {
	case !f.hasStore:
		w.line(p.T("postmortem.changes.nostore"))
		return
	case len(f.changes) == 0:
		w.line(p.T("postmortem.changes.none"))
		return
	}
	for _, c := range f.changes {
		head := p.T("postmortem.change.head", "Subject", w.subject(c), "ID", c.ID, "Status", w.status(c.status()), "HasID", c.ID != "")
		w.item(head)
		for _, rec := range c.Audit {
			w.line("  - `" + w.clock(rec.At) + "` " + oneLineText(w.auditText(c, rec, true)))
		}
	}
}

// subject is what a change did, in the reader's language when its plan
// is at hand, else as the audit recorded it.
func (w *pmWriter) subject(c pmChange) string {
	if c.Plan != nil && c.Plan.Subject.ID != "" {
		return c.Plan.Subject.In(w.p, w.f.prefix)
	}
	if c.Change != nil && c.Change.Summary != "" {
		return c.Change.Summary
	}
	for _, rec := range c.Audit {
		if rec.Detail != "" {
			return clip(rec.Detail, 200)
		}
	}
	return c.ID
}

func (w *pmWriter) status(s string) string {
	if id := "change.status." + s; w.p.Has(id) {
		return w.p.T(id)
	}
	if id := "audit.event." + s; w.p.Has(id) {
		return w.p.T(id)
	}
	return s
}

// auditText is one audit record in words: what happened, who, the values,
// and with detail what the record adds.
func (w *pmWriter) auditText(c pmChange, rec store.AuditRecord, detail bool) string {
	p := w.p
	event := rec.Event
	if id := "audit.event." + rec.Event; p.Has(id) {
		event = p.T(id)
	}
	who := rec.ActorName
	if who == "" {
		who = rec.Actor
	}
	s := p.T("postmortem.change.event", "Event", event, "ID", c.ID, "Who", who, "HasID", c.ID != "")
	if rec.Before != "" || rec.After != "" {
		s += " (" + rec.Before + " → " + rec.After + ")"
	}
	// The request's detail repeats the plan, and others often the
	// change's summary; an outcome's says how it went.
	if detail && rec.Event != "requested" && rec.Detail != "" && rec.Detail != w.subject(c) && (c.Change == nil || rec.Detail != c.Change.Summary) {
		s += ": " + clip(rec.Detail, 300)
	}
	return s
}

func (w *pmWriter) followUps() {
	w.heading("postmortem.md.h.followups")
	for _, l := range followUps(w.p, w.f) {
		w.line("- " + oneLineText(l))
	}
}

// followUps are the report's to-do list, as Markdown task items: the
// remedies (ticked when a change of theirs was applied), the changes
// still waiting, what could not be checked, and what only people know.
func followUps(p text.Printer, f pmFacts) []string {
	var out []string
	mentioned := map[string]bool{}
	for i, rm := range f.d.Remedies {
		l := explain.RemedyLine(p, f.d, i)
		c, ok := f.remedyChange(rm)
		switch {
		case !ok:
			out = append(out, "[ ] "+l)
		case c.Status == store.StatusApplied:
			out = append(out, "[x] "+l+" — "+p.T("postmortem.follow.applied", "ID", c.ID))
		case store.Finished(c.Status):
			out = append(out, "[ ] "+l+" — "+p.T("postmortem.follow.not_applied", "ID", c.ID, "Status", p.T("change.status."+string(c.Status))))
		default:
			out = append(out, "[ ] "+l+" — "+p.T("postmortem.follow.waiting", "ID", c.ID, "Status", p.T("change.status."+string(c.Status)),
				"Prefix", f.prefix, "Pending", c.Status == store.StatusPending))
		}
		if ok {
			mentioned[c.ID] = true
		}
	}
	for _, c := range f.open {
		if mentioned[c.ID] {
			continue
		}
		out = append(out, "[ ] "+p.T("postmortem.follow.open_change", "ID", c.ID, "Summary", c.Summary,
			"Status", p.T("change.status."+string(c.Status)), "Prefix", f.prefix, "Pending", c.Status == store.StatusPending))
	}
	for _, c := range f.changes {
		if c.Change != nil && c.Change.Status == store.StatusFailed && !mentioned[c.ID] {
			out = append(out, "[ ] "+p.T("postmortem.follow.failed", "ID", c.ID, "Error", clip(c.Change.Error, 300)))
		}
	}
	if miss := explain.MissingReport(p, f.d); len(miss) > 0 {
		out = append(out, "[ ] "+p.T("postmortem.follow.missing", "What", strings.Join(miss, "; ")))
	}
	if !f.hasStore {
		out = append(out, "[ ] "+p.T("postmortem.follow.nostore"))
	}
	return append(out, "[ ] "+p.T("postmortem.follow.people"))
}

// remedyChange is the newest change in the report that carries out rm:
// one of the same kind to the same service (or cluster). ok is false when
// rm has no command or no such change was made.
func (f pmFacts) remedyChange(rm diagnose.Remedy) (store.Change, bool) {
	if rm.Command == "" {
		return store.Change{}, false
	}
	line, err := Parse(rm.Command, f.prefix, true)
	if err != nil {
		return store.Change{}, false
	}
	req, _, err := ParseChange(line.Command, line.Args)
	if err != nil {
		return store.Change{}, false
	}
	want, err := req.request(f.ref)
	if err != nil {
		return store.Change{}, false
	}
	var found store.Change
	ok := false
	consider := func(c store.Change) {
		if c.Kind == want.Kind && c.Cluster == f.ref.StoreCluster() && (req.service() == "" || c.Service == f.ref.Service) &&
			(!ok || c.RequestedAt.After(found.RequestedAt)) {
			found, ok = c, true
		}
	}
	for _, c := range f.changes {
		if c.Change != nil {
			consider(*c.Change)
		}
	}
	for _, c := range f.open {
		consider(c)
	}
	return found, ok
}

func (w *pmWriter) sources() {
	p, f := w.p, w.f
	w.heading("postmortem.md.h.sources")
	w.item(p.T("postmortem.sources.diagnosis", "Prefix", f.prefix, "Service", f.ref.Name(), "Since", sinceWord(f.since),
		"At", w.clock(f.d.Window.To)))
	if !f.hasStore {
		w.item(p.T("postmortem.sources.nostore"))
		return
	}
	n := 0
	for _, s := range f.d.Stops {
		if s.Source == "history" {
			n++
		}
	}
	w.item(p.T("postmortem.sources.history", "N", n))
	recs := 0
	for _, c := range f.changes {
		recs += len(c.Audit)
	}
	w.item(p.T("postmortem.sources.audit", "N", recs))
}

// sinceWord is a window as the chat takes it back: "6h", "90m", "2d".
func sinceWord(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

// oneLineText keeps one list item on one line.
func oneLineText(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\r", "")), " ")
}

// postmortemReply is the chat's answer: the story in short and the
// report attached.
func postmortemReply(p text.Printer, f pmFacts, name, md string) reply.Message {
	d := f.d
	_, lines := impactLines(p, f, pmClock(f))
	changes := one(len(f.changes), "postmortem.reply.changes")
	switch {
	case !f.hasStore:
		changes = "postmortem.reply.changes.nostore"
	case len(f.changes) == 0:
		changes = "postmortem.reply.changes.none"
	}
	lines = append(lines, p.T(changes, "N", len(f.changes)))
	open := 0
	for _, l := range followUps(p, f) {
		if strings.HasPrefix(l, "[ ]") {
			open++
		}
	}
	lines = append(lines, p.T(one(open, "postmortem.reply.followups"), "N", open))
	return reply.Message{
		Title:       p.T("postmortem.title", "Service", f.ref.Name()),
		Description: explain.Story(p, f.ref.Name(), d, f.loc) + "\n\n" + explain.Bullets(lines) + "\n\n" + p.T("postmortem.reply.attached", "Name", name),
		Severity:    explain.CauseSeverity(d.Verdict.Cause, d.Verdict.Contributing),
		Footer:      p.T("why.footer", "Cluster", d.Cluster, "Service", d.Service),
		DataTime:    d.Window.To.In(f.loc),
		Attachments: []reply.Attachment{{
			Name: name, ContentType: "text/markdown; charset=utf-8", Data: []byte(md),
			Text: p.T("postmortem.reply.attachment", "Name", name, "Lines", strings.Count(md, "\n"), "Service", f.ref.Name()),
		}},
	}
}

// postmortemFile names the report after the service and the data's time:
// postmortem-backend-20240417-1340.md.
func postmortemFile(service string, at time.Time) string {
	return "postmortem-" + explain.SafeName(service) + "-" + at.Format("20060102-1504") + ".md"
}
