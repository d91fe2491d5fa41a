package watch

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// A crash loop: this many stops of one service for one cause, each within
// loopGap of the one before, are one grouped alert.
const (
	loopStops = 3
	loopGap   = 30 * time.Minute
)

// announces says whether a stop with this cause is announced: every
// unexpected one; planned ones (deployment, user-stopped, scale-in) only
// when the config asks, or when a circuit breaker rolled the deployment
// back.
func (w *Watcher) announces(cause string, factors []string) bool {
	for _, f := range factors {
		if f == diagnose.FactorCircuitBreaker {
			return true
		}
	}
	switch cause {
	case diagnose.CauseDeployment, diagnose.CauseUserStopped:
		return w.cfg.AnnounceDeployments
	case diagnose.CauseScaleIn:
		return w.cfg.AnnounceScaleIn
	case diagnose.CauseNoRecentStops, "":
		return false
	}
	return true
}

// tooOld: a stop first seen long after it happened (the bot was down, an
// old queue backlog) is recorded but not announced.
func (w *Watcher) tooOld(r store.StopRecord) bool {
	return w.now().Sub(r.When()) > w.cfg.MaxAge
}

// announce posts the stops of one service that should be, oldest first.
// Stops of a crash loop in the same batch are folded into one alert for
// the newest of them.
func (w *Watcher) announce(ctx context.Context, ref svcref.Ref, snap *aws.ServiceSnapshot, cases []*stopCase, recs []store.StopRecord) {
	newest := map[string]*stopCase{} // by cause: the newest announceable stop of the batch
	for _, c := range cases {
		if c.err == nil && w.announces(c.rec.Cause, c.d.Verdict.Contributing) && !w.tooOld(c.rec) {
			newest[c.rec.Cause] = c
		}
	}
	folded := map[string]bool{}
	for _, n := range newest {
		if ch := chain(recs, n.rec); len(ch) >= loopStops {
			for _, r := range ch {
				if r.TaskArn != n.rec.TaskArn {
					folded[r.TaskArn] = true
				}
			}
		}
	}
	for _, c := range cases {
		if c.err != nil || !w.announces(c.rec.Cause, c.d.Verdict.Contributing) || w.tooOld(c.rec) {
			continue
		}
		c.err = w.announceOne(ctx, ref, snap, c, recs, folded[c.rec.TaskArn])
	}
}

// announceOne claims the stop and, if this is the first claim (or an
// earlier try here failed to post), posts it: alone, as a new crash-loop
// alert, or as an update of the loop's alert. folded stops are claimed
// for the loop without a post of their own.
func (w *Watcher) announceOne(ctx context.Context, ref svcref.Ref, snap *aws.ServiceSnapshot, c *stopCase, recs []store.StopRecord, folded bool) error {
	arn := c.rec.TaskArn
	first, err := w.st.ClaimAnnouncement(arn)
	if err != nil {
		return fmt.Errorf("claiming the announcement of task %s: %w", shortID(arn), err)
	}
	w.mu.Lock()
	owed := w.owed[arn]
	w.mu.Unlock()
	if !first && !owed {
		return nil // announced already, by this process or an earlier one
	}
	ch := chain(recs, c.rec)
	group, msgID := "", ""
	if len(ch) >= loopStops {
		group, msgID = loopGroup(ref, c.rec, ch)
	}
	if folded {
		return w.st.SetStopAlert(arn, "", group)
	}
	a := Alert{Service: ref.Name(), Cluster: ref.Cluster, Group: group, Count: 1, TaskArn: arn, Cause: c.rec.Cause, StoppedAt: c.rec.When()}
	in := explain.AlertInput{Service: ref.Name(), Diagnosis: c.d, Snap: snap, Loc: w.cfg.Location, Prefix: w.cfg.Prefix, Footer: Footer(w.cfg.Instance)}
	if group != "" {
		a.Count, in.Count, in.Since = len(ch), len(ch), ch[0].When()
	}
	a.Message = explain.Alert(w.cfg.Locale, in)

	w.setOwed(arn, true)
	if msgID != "" {
		if err := w.n.UpdateAlert(ctx, msgID, a); err != nil {
			return fmt.Errorf("updating the crash-loop alert of %s: %w", ref.Name(), err)
		}
	} else {
		id, err := w.n.Alert(ctx, a)
		if err != nil {
			return fmt.Errorf("posting the alert for task %s of %s: %w", shortID(arn), ref.Name(), err)
		}
		msgID = id
	}
	w.setOwed(arn, false)
	slog.Info("watch: announced a stop", "service", ref.Name(), "task", shortID(arn), "cause", c.rec.Cause, "group", group, "count", a.Count)
	if err := w.st.SetStopAlert(arn, msgID, group); err != nil {
		// Posted; only the link to the message is lost (a later loop
		// update would post anew).
		slog.Warn("watch: could not remember the alert message", "task", shortID(arn), "err", err)
	}
	// Every stop of the loop points at the loop's message, so the next
	// stop updates it whichever one it finds.
	for _, r := range ch {
		if group != "" && r.TaskArn != arn && (r.Group != group || r.AlertMessageID != msgID) {
			if err := w.st.SetStopAlert(r.TaskArn, msgID, group); err != nil {
				slog.Warn("watch: could not link a stop to its crash loop", "task", shortID(r.TaskArn), "err", err)
			}
		}
	}
	return nil
}

func (w *Watcher) setOwed(arn string, v bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if v {
		w.owed[arn] = true
	} else {
		delete(w.owed, arn)
	}
}

// chain is the crash loop that ends at r: the stops of its service with
// its cause, up to r, each within loopGap of the next; oldest first.
func chain(recs []store.StopRecord, r store.StopRecord) []store.StopRecord {
	var same []store.StopRecord
	for _, x := range recs {
		if x.Cause == r.Cause && x.TaskArn != r.TaskArn && !x.When().After(r.When()) {
			same = append(same, x)
		}
	}
	sort.SliceStable(same, func(i, j int) bool { return same[i].When().After(same[j].When()) })
	out := []store.StopRecord{r}
	last := r.When()
	for _, x := range same {
		if last.Sub(x.When()) > loopGap {
			break
		}
		out = append(out, x)
		last = x.When()
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// loopGroup is the crash loop's group id and the message that shows it:
// those of an earlier stop of the loop, else a new group named after the
// loop's first stop.
func loopGroup(ref svcref.Ref, r store.StopRecord, ch []store.StopRecord) (group, messageID string) {
	for i := len(ch) - 1; i >= 0; i-- {
		if x := ch[i]; x.TaskArn != r.TaskArn && x.Group != "" {
			if group == "" {
				group = x.Group
			}
			if x.Group == group && x.AlertMessageID != "" {
				return group, x.AlertMessageID
			}
		}
	}
	if group == "" {
		group = fmt.Sprintf("%s/%s/%s/%s", ref.Cluster, ref.Service, r.Cause, shortID(ch[0].TaskArn))
	}
	return group, ""
}
