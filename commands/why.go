package commands

import (
	"context"
	"log/slog"
	"strings"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

func whyCommand() command {
	return command{Name: "why", Aliases: []string{"왜", "원인"}, Run: runWhy}
}

func runWhy(ctx context.Context, r *Router, c *call) []reply.Message {
	name, args, err := parseWhy(c.line.Args)
	if err != nil {
		return []reply.Message{r.errorReply(c.p, "why", err)}
	}
	ref, bad := r.resolve(c, "why", name)
	if bad != nil {
		return []reply.Message{*bad}
	}
	d, snap, err := r.diagnose(ctx, ref, args)
	if err != nil {
		return []reply.Message{r.errorReply(c.p, "why", err)}
	}
	return []reply.Message{renderWhy(c.p, whyView{Ref: ref, D: d, Snap: snap, Loc: r.env.loc()})}
}

// Why diagnoses one service for the command line.
func (r *Router) Why(ctx context.Context, service string, args WhyArgs) (diagnose.Diagnosis, error) {
	ref, err := r.env.Resolve(service)
	if err != nil {
		return diagnose.Diagnosis{}, err
	}
	d, _, err := r.diagnose(ctx, ref, args)
	return d, err
}

// whyLogLines is how many log lines a diagnosis reads per task.
const whyLogLines = 50

func (r *Router) diagnose(ctx context.Context, ref ServiceRef, args WhyArgs) (diagnose.Diagnosis, *aws.ServiceSnapshot, error) {
	if r.env.AWS == nil {
		return diagnose.Diagnosis{}, nil, errNoAWS
	}
	gopt := aws.GatherOptions{LogLines: whyLogLines}
	dopt := diagnose.Options{Alias: ref.Name(), Prefix: r.env.prefix(), TaskID: args.TaskID, Limits: r.env.Limits}
	if args.Since > 0 {
		since := r.env.now().Add(-args.Since)
		gopt.Since, dopt.Since = since, since
	}
	snap, err := r.env.AWS.GatherService(ctx, ref.Cluster, ref.Service, gopt)
	if err != nil {
		return diagnose.Diagnosis{}, nil, err
	}
	dopt.TaskID = expandTaskID(snap, args.TaskID)
	dopt.History = r.history(ref, args.Since)
	return diagnose.Diagnose(snap, dopt), snap, nil
}

// historyWindow is how far back why reads the bot's own stop history by
// default: long enough for a stop ECS has forgotten, short enough to stay
// about "recently".
const historyWindow = 24 * time.Hour

// history is the service's stops the bot recorded itself, so that a stop
// ECS has forgotten (about an hour later) is still explained. Without a
// store, or when it cannot be read, the diagnosis goes on without it.
func (r *Router) history(ref ServiceRef, since time.Duration) []diagnose.Stop {
	if r.env.Stops == nil {
		return nil
	}
	if since <= 0 {
		since = historyWindow
	}
	recs, err := r.env.Stops.Stops(ref.Cluster, ref.Service, r.env.now().Add(-since))
	if err != nil {
		slog.Warn("reading the stop history", "service", ref.Service, "err", err)
		return nil
	}
	return HistoryStops(recs)
}

// expandTaskID turns the short ID people type (5e1f6c3a) into the full ID
// of the one gathered task it starts, so the diagnosis can find it.
func expandTaskID(snap *aws.ServiceSnapshot, id string) string {
	if id == "" || snap == nil {
		return id
	}
	found := ""
	for _, list := range [][]ecstypes.Task{snap.Stopped, snap.Running} {
		for _, t := range list {
			full := t.TaskArn
			if full == nil {
				continue
			}
			tid := strings.ToLower((*full)[strings.LastIndex(*full, "/")+1:])
			if strings.HasPrefix(tid, id) {
				if found != "" && found != tid {
					return id // ambiguous: let the diagnosis say so
				}
				found = tid
			}
		}
	}
	if found == "" {
		return id
	}
	return found
}

// whyView is what the why reply is drawn from. Snap may be nil (no chart).
type whyView struct {
	Ref  ServiceRef
	D    diagnose.Diagnosis
	Snap *aws.ServiceSnapshot
	Loc  *time.Location // nil = the times' own zone
}

func renderWhy(p text.Printer, v whyView) reply.Message {
	d := inZone(v.D, v.Loc)
	name := v.Ref.Name()
	cause := d.Verdict.Cause
	if cause == "" {
		cause = diagnose.CauseUnknown
	}
	m := reply.Message{
		Title:       whyTitle(p, name, d),
		Description: whyDescription(p, name, d),
		Severity:    causeSeverity(cause, d.Verdict.Contributing),
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
	for i, r := range d.Remedies {
		if r.Command == "" {
			continue
		}
		style := reply.Secondary
		if i == 0 {
			style = reply.Primary
		}
		m.Buttons = append(m.Buttons, reply.Button{ID: r.Command, Label: clip(r.Command, 80), Style: style})
	}
	return m
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
	parts := []string{p.T("cause."+cause+".sentence", "Service", name,
		"From", clock(d.Window.From), "To", clock(d.Window.To))}
	if cause != diagnose.CauseOOMKilled && exit137(d) {
		if has(d.Verdict.Contributing, diagnose.FactorCPUStarved) && d.Figures.PeakCPUPercent > 0 {
			parts = append(parts, p.T("why.desc.not_oom_cpu", "CPU", pct(p, d.Figures.PeakCPUPercent)))
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

func causeSeverity(cause string, factors []string) reply.Severity {
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
