package commands

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/store"
)

// postmortemCommand is `postmortem SERVICE [since 6h]`: a draft incident
// report, as a Markdown file on a short reply.
func postmortemCommand() command {
	return command{Name: "postmortem", Run: runPostmortem}
}

func runPostmortem(ctx context.Context, r *Router, c *call) []reply.Message {
	name, args, err := parseServiceSince("postmortem", c.line.Args, false)
	if err != nil {
		return []reply.Message{r.errorReply(c.p, "postmortem", err)}
	}
	pm := r.postmortem(ctx, c.p, PostmortemRequest{Service: name, Since: args.Since, From: c.from()})
	return pm.Reply
}

// PostmortemRequest asks for a draft incident report of one service.
type PostmortemRequest struct {
	Service string        // alias or ECS service name
	Since   time.Duration // how far back the report looks; 0 = postmortemWindow
	From
}

// Postmortem is a draft incident report and the reply that carries it.
type Postmortem struct {
	// Markdown is the report; "" when it could not be written, and then
	// Reply says why (Failed set). It quotes AWS (stop reasons, events),
	// so a front-end masks secrets in it as it does in replies (the
	// renderers redact the attached copy).
	Markdown string
	// FileName is the name the report is attached under.
	FileName string
	// Reply is the short summary with the report attached.
	Reply []reply.Message
}

// postmortemWindow is how far back a post-mortem looks by default: an
// afternoon, long enough for the pressure before a stop and the changes
// after it.
const postmortemWindow = 6 * time.Hour

// Postmortem answers a PostmortemRequest: the report, and the reply with
// the report attached (or the reply that says what is wrong).
func (r *Router) Postmortem(ctx context.Context, req PostmortemRequest) Postmortem {
	var pm Postmortem
	pm.Reply = r.answer(ctx, "postmortem", req.From, func(ctx context.Context, p text.Printer) []reply.Message {
		pm = r.postmortem(ctx, p, req)
		return pm.Reply
	})
	return pm
}

func (r *Router) postmortem(ctx context.Context, p text.Printer, req PostmortemRequest) Postmortem {
	fail := func(err error) Postmortem {
		return Postmortem{Reply: []reply.Message{r.errorReply(p, "postmortem", err)}}
	}
	if req.Service == "" {
		return fail(badArg("usage.need_service", "Command", "postmortem"))
	}
	if req.Since == 0 {
		req.Since = postmortemWindow
	}
	// The diagnosis is why's own, over the whole window; it already holds
	// the stops of the bot's stop history that ECS has forgotten.
	ref, d, _, err := r.diagnoseRequest(ctx, WhyRequest{Service: req.Service, Since: req.Since, From: req.From})
	if err != nil {
		return fail(err)
	}
	// A report is about the incident, not about the deployment that fixed
	// it: when the newest stop was planned, the root cause is the newest
	// unexpected stop's.
	if plannedCauses[d.Verdict.Cause] {
		for _, st := range d.Stops {
			if st.Cause != "" && !plannedCauses[st.Cause] && st.Source == "ecs" {
				if _, d2, _, err := r.diagnoseRequest(ctx, WhyRequest{Service: req.Service, TaskID: st.TaskArn, Since: req.Since, From: req.From}); err == nil {
					// The counts and the window stay the whole window's;
					// the stop the report is about comes first, as in why.
					stops := []diagnose.Stop{st}
					for _, o := range d.Stops {
						if o.TaskArn != st.TaskArn {
							stops = append(stops, o)
						}
					}
					if len(d2.Stops) > 0 && d2.Stops[0].TaskArn == st.TaskArn {
						stops[0] = d2.Stops[0]
					}
					d2.Stops, d2.Window = stops, d.Window
					d = d2
				}
				break
			}
		}
	}
	f := pmFacts{ref: ref, d: d, since: req.Since, loc: r.env.loc(), prefix: r.env.prefix()}
	r.readChanges(&f)
	md := renderPostmortem(p, f)
	name := postmortemFile(ref.Name(), d.Window.To.In(f.loc))
	return Postmortem{Markdown: md, FileName: name, Reply: []reply.Message{postmortemReply(p, f, name, md)}}
}

// ChangeHistory is the change audit and the changes it is about, as the
// post-mortem reads them; *store.Store is one.
type ChangeHistory interface {
	AuditLog(since time.Time, limit int) ([]store.AuditRecord, error)
	Changes(f store.ChangeFilter) ([]store.Change, error)
}

// pmFacts is everything a post-mortem is written from.
type pmFacts struct {
	ref    ServiceRef
	d      diagnose.Diagnosis
	since  time.Duration
	loc    *time.Location
	prefix string

	// hasStore: the audit and the stop history could be read. Without
	// them the report says so and tells only what AWS still returns.
	hasStore bool
	// changes are the changes to the service or its cluster in the
	// window, in the order they were asked for, each with its audit.
	changes []pmChange
	// open are the service's (and cluster's) changes not yet over
	// (pending, approved, applying), whenever asked for.
	open []store.Change
}

// pmChange is one change with its audit records, oldest first.
type pmChange struct {
	ID     string
	Change *store.Change // nil when the store no longer holds it
	Plan   *change.Plan  // nil when it had none or could not be read
	Audit  []store.AuditRecord
}

// status is where the change stands: the store's word, else its last
// audit event.
func (c pmChange) status() string {
	if c.Change != nil {
		return string(c.Change.Status)
	}
	return c.Audit[len(c.Audit)-1].Event
}

// auditLimit bounds the audit records a post-mortem reads: a club's
// changes in a few hours are a handful.
const auditLimit = 5000

// readChanges reads the audit of the window and the changes still open.
// A store that cannot be read is logged and the report goes on without
// it, as why goes on without the stop history.
func (r *Router) readChanges(f *pmFacts) {
	if r.env.Audit == nil {
		return
	}
	recs, err := r.env.Audit.AuditLog(f.d.Window.From, auditLimit)
	if err != nil {
		slog.Warn("reading the audit for a post-mortem", "service", f.ref.Service, "err", err)
		return
	}
	all, err := r.env.Audit.Changes(store.ChangeFilter{})
	if err != nil {
		slog.Warn("reading the changes for a post-mortem", "service", f.ref.Service, "err", err)
		return
	}
	f.hasStore = true
	byID := map[string]*store.Change{}
	for i, c := range all {
		if !f.concerns(c.Cluster, c.Service) {
			continue
		}
		byID[c.ID] = &all[i]
		if !store.Finished(c.Status) {
			f.open = append(f.open, c)
		}
	}
	index := map[string]int{}
	for _, rec := range recs {
		// "denied" is someone without the role pressing a button: not
		// part of what was changed.
		if rec.Event == "denied" || !f.concerns(rec.Cluster, rec.Service) {
			continue
		}
		key := rec.ChangeID
		if key == "" {
			key = "#" + strconv.FormatUint(rec.Seq, 10) // a refused plan has no change
		}
		i, ok := index[key]
		if !ok {
			i = len(f.changes)
			index[key] = i
			pc := pmChange{ID: rec.ChangeID, Change: byID[rec.ChangeID]}
			if pc.Change != nil && len(pc.Change.Plan) > 0 {
				var plan change.Plan
				if json.Unmarshal(pc.Change.Plan, &plan) == nil {
					pc.Plan = &plan
				}
			}
			f.changes = append(f.changes, pc)
		}
		f.changes[i].Audit = append(f.changes[i].Audit, rec)
	}
	slices.SortFunc(f.open, func(a, b store.Change) int { return a.RequestedAt.Compare(b.RequestedAt) })
}

// concerns reports whether a change to cluster/service is one of this
// service's: its own, or its cluster's (reservation scaling, which the
// engine files under a name in parentheses, as no ECS service can be
// named).
func (f *pmFacts) concerns(cluster, service string) bool {
	return cluster == f.ref.StoreCluster() && (service == f.ref.Service || service == "" || strings.HasPrefix(service, "("))
}
