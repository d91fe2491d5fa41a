package watch

import (
	"context"
	"encoding/json"
	"errors"
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

// Defaults of the early warning: they would have caught the club's
// afternoon (the backend at 91–99 % of its CPU reservation for eight
// minutes before its health checks failed).
const (
	DefaultWarnPercent = 90.0
	DefaultWarnFor     = 5 * time.Minute
	DefaultWarnEvery   = time.Hour
)

// Warn is the early warning's settings; the zero value is off.
type Warn struct {
	On             bool
	CPUPercent     float64       // of the reservation; DefaultWarnPercent when zero
	MemoryPercent  float64       // of the reservation; DefaultWarnPercent when zero
	ClusterPercent float64       // of the cluster's reservation; DefaultWarnPercent when zero
	For            time.Duration // how long the share must hold; DefaultWarnFor when zero
	Every          time.Duration // at most one warning per service and kind per Every; DefaultWarnEvery when zero
	Interval       time.Duration // between reads, at most one per watcher round; every round when zero
	Quiet          QuietHours    // in Config.Location
}

// QuietHours is a daily span, in minutes after midnight, when warnings
// wait: From 23:00 To 08:00 spans midnight. From == To is none.
type QuietHours struct{ From, To int }

// In says whether t (in loc) falls in the quiet hours.
func (q QuietHours) In(t time.Time, loc *time.Location) bool {
	if q.From == q.To {
		return false
	}
	if loc != nil {
		t = t.In(loc)
	}
	m := t.Hour()*60 + t.Minute()
	if q.From < q.To {
		return m >= q.From && m < q.To
	}
	return m >= q.From || m < q.To
}

func (w *Warn) defaults() {
	for _, p := range []*float64{&w.CPUPercent, &w.MemoryPercent, &w.ClusterPercent} {
		if *p <= 0 {
			*p = DefaultWarnPercent
		}
	}
	if w.For <= 0 {
		w.For = DefaultWarnFor
	}
	if w.Every <= 0 {
		w.Every = DefaultWarnEvery
	}
}

// warnState is what the store keeps per service (or cluster) so that the
// rate limit and the "back to normal" survive a restart.
type warnState struct {
	MessageID string                `json:"messageId,omitempty"` // the open warning, edited when a kind joins it
	Kinds     map[string]*kindState `json:"kinds,omitempty"`
}

// kindState is one kind of pressure on one subject.
type kindState struct {
	Now       explain.Pressure `json:"now"`                 // the latest figures; Since is the episode's start (zero: none)
	Posted    time.Time        `json:"posted,omitzero"`     // the last warning of this kind, for the rate limit
	Announced bool             `json:"announced,omitempty"` // this episode was posted, so its end will be
	Ended     time.Time        `json:"ended,omitzero"`      // the episode ended; its "back to normal" is owed
}

// WarnRound is one round of the early warning: read each cluster, find
// what is under pressure, post what is due (outside quiet hours) and say
// when an announced pressure ended.
func (w *Watcher) WarnRound(ctx context.Context) error {
	if !w.cfg.Warn.On {
		return nil
	}
	now := w.now()
	w.mu.Lock()
	due := w.lastWarn.IsZero() || now.Sub(w.lastWarn) >= w.cfg.Warn.Interval
	if due {
		w.lastWarn = now
	}
	w.mu.Unlock()
	if !due {
		return nil
	}
	byCluster := map[string][]svcref.Ref{}
	var clusters []string
	for _, r := range w.refs {
		if byCluster[r.Cluster] == nil {
			clusters = append(clusters, r.Cluster)
		}
		byCluster[r.Cluster] = append(byCluster[r.Cluster], r)
	}
	sort.Strings(clusters)
	var errs []error
	for _, cluster := range clusters {
		refs := byCluster[cluster]
		sort.Slice(refs, func(i, j int) bool { return refs[i].Service < refs[j].Service })
		names := make([]string, len(refs))
		for i, r := range refs {
			names[i] = r.Service
		}
		read, err := w.pressureRead(ctx, cluster, names)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		found := w.pressures(cluster, read)
		subs := []subject{{cluster: cluster}}
		for _, r := range refs {
			subs = append(subs, subject{cluster, r.Service})
		}
		for _, s := range subs {
			if err := w.warnSubject(ctx, s, found[s], read); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// warnSubject brings one subject's stored state up to date with what was
// found now, and posts the warning or the "back to normal" that is due.
func (w *Watcher) warnSubject(ctx context.Context, s subject, found []explain.Pressure, read *PressureRead) error {
	st, err := w.loadWarn(s)
	if err != nil {
		return err
	}
	now := w.now()
	cfg := w.cfg.Warn
	changed := false
	var due []string
	cur := map[string]bool{}
	for _, p := range found {
		cur[p.Kind] = true
		k := st.Kinds[p.Kind]
		if k == nil {
			k = &kindState{}
			st.Kinds[p.Kind] = k
		}
		switch {
		case !k.Ended.IsZero():
			// Back before its end was said (quiet hours): the same episode.
			k.Ended = time.Time{}
		case k.Now.Since.IsZero():
			k.Announced = false
			p.Since = now
		}
		if !k.Now.Since.IsZero() {
			p.Since = k.Now.Since
		}
		k.Now = p
		changed = true
		if !k.Announced && (k.Posted.IsZero() || now.Sub(k.Posted) >= cfg.Every) {
			due = append(due, p.Kind)
		}
	}
	var ended []string
	for kind, k := range st.Kinds {
		if cur[kind] || k.Now.Since.IsZero() {
			continue
		}
		if k.Ended.IsZero() {
			changed = true
			if !k.Announced {
				k.Now.Since = time.Time{} // never posted: nothing to take back
				continue
			}
			k.Ended = now
		}
		ended = append(ended, kind)
	}
	sort.Strings(due)
	sort.Strings(ended)

	quiet := cfg.Quiet.In(now, w.cfg.Location)
	if quiet && (len(due) > 0 || len(ended) > 0) {
		slog.Debug("watch: quiet hours; the early warning waits", "subject", s.key(), "due", due, "ended", ended)
	}
	if !quiet && len(due) > 0 {
		if err := w.postWarning(ctx, s, st, due, read); err != nil {
			return err
		}
		changed = true
	}
	if !quiet && len(ended) > 0 {
		if err := w.postEnded(ctx, s, st, ended); err != nil {
			return err
		}
		changed = true
	}
	if !changed {
		return nil
	}
	return w.saveWarn(s, st)
}

// postWarning posts the subject's warning with every kind under pressure
// now, or edits its open warning when a kind joins one still standing.
func (w *Watcher) postWarning(ctx context.Context, s subject, st *warnState, due []string, read *PressureRead) error {
	var ps []explain.Pressure
	open := false // a kind posted earlier is still on: its message stands
	for _, k := range st.Kinds {
		if !k.Now.Since.IsZero() && k.Ended.IsZero() {
			ps = append(ps, k.Now)
			open = open || k.Announced
		}
	}
	name := s.cluster
	in := explain.WarningInput{Service: name, Pressures: ps, Loc: w.cfg.Location, Footer: Footer(w.cfg.Instance)}
	if s.service != "" {
		ref := w.refs[key(s.cluster, s.service)]
		name = ref.Name()
		in.Service = name
		in.Snap, in.Diagnosis = w.warnDiagnosis(ctx, ref)
	} else {
		in.Snap = clusterAsService(read.Snap)
		in.Diagnosis = diagnose.Diagnose(in.Snap, diagnose.Options{Prefix: w.cfg.Prefix, Limits: w.cfg.Limits, Early: true})
	}
	a := Alert{Service: name, Cluster: s.cluster, Count: 1, Cause: "warning", Message: explain.Warning(w.cfg.Locale, in)}
	now := w.now()
	if open && st.MessageID != "" {
		if err := w.n.UpdateAlert(ctx, st.MessageID, a); err != nil {
			return fmt.Errorf("updating the early warning for %s: %w", name, err)
		}
	} else {
		id, err := w.n.Alert(ctx, a)
		if err != nil {
			return fmt.Errorf("posting the early warning for %s: %w", name, err)
		}
		st.MessageID = id
	}
	for _, kind := range due {
		st.Kinds[kind].Announced = true
		st.Kinds[kind].Posted = now
	}
	slog.Info("watch: posted an early warning", "subject", name, "kinds", due, "message", st.MessageID)
	return nil
}

// postEnded posts "back to normal" for the kinds whose announced pressure
// ended, and forgets their episode.
func (w *Watcher) postEnded(ctx context.Context, s subject, st *warnState, ended []string) error {
	name := s.cluster
	if s.service != "" {
		name = w.refs[key(s.cluster, s.service)].Name()
	}
	var ps []explain.Pressure
	at := time.Time{}
	for _, kind := range ended {
		k := st.Kinds[kind]
		ps = append(ps, k.Now)
		if k.Ended.After(at) {
			at = k.Ended
		}
	}
	m := explain.WarningEnded(w.cfg.Locale, name, ps, at, w.cfg.Location, Footer(w.cfg.Instance))
	if _, err := w.n.Alert(ctx, Alert{Service: name, Cluster: s.cluster, Count: 1, Cause: "warning-ended", Message: m}); err != nil {
		return fmt.Errorf("posting that %s is back to normal: %w", name, err)
	}
	for _, kind := range ended {
		k := st.Kinds[kind]
		k.Now.Since, k.Ended, k.Announced = time.Time{}, time.Time{}, false
	}
	active := false
	for _, k := range st.Kinds {
		active = active || !k.Now.Since.IsZero()
	}
	if !active {
		st.MessageID = ""
	}
	slog.Info("watch: pressure ended", "subject", name, "kinds", ended)
	return nil
}

// warnDiagnosis is the why diagnosis of a service under pressure: the
// service read as why reads it, diagnosed as if it stopped now, for the
// same evidence and fixes. It costs a service read, only when a warning
// is posted.
func (w *Watcher) warnDiagnosis(ctx context.Context, ref svcref.Ref) (*aws.ServiceSnapshot, diagnose.Diagnosis) {
	snap, err := w.aws.GatherService(ctx, ref.Cluster, ref.Service, aws.GatherOptions{LogLines: alertLogLines, Container: ref.Container})
	if err != nil {
		slog.Warn("watch: could not read the service for the early warning's evidence", "service", ref.Name(), "err", err)
		snap = &aws.ServiceSnapshot{Now: w.now(), Region: w.aws.Region, Missing: []aws.Missing{{Code: aws.MissingReadFailed, Detail: "the service could not be read: " + err.Error()}}}
		snap.Service.ServiceName = &ref.Service
	}
	// The last hour is why's own window; older stops are not about now.
	return snap, diagnose.Diagnose(snap, diagnose.Options{Alias: ref.Name(), Prefix: w.cfg.Prefix, Limits: w.cfg.Limits, Early: true, Since: snap.Now.Add(-time.Hour)})
}

// clusterAsService is the cluster part of a summary snapshot in the shape
// the diagnosis reads, for a cluster's warning: its reservation and what
// decides whether it scales.
func clusterAsService(c *aws.ClusterSnapshot) *aws.ServiceSnapshot {
	return &aws.ServiceSnapshot{Now: c.Now, Region: c.Region, Cluster: c.Cluster,
		ContainerInstances: c.ContainerInstances, CapacityProviders: c.CapacityProviders,
		AutoScalingGroups: c.AutoScalingGroups, AutoScalingPolicies: c.AutoScalingPolicies, Metrics: c.Metrics}
}

func (w *Watcher) loadWarn(s subject) (*warnState, error) {
	st := &warnState{}
	raw, err := w.st.Get(s.key())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("reading the early warning's state of %s: %w", s.key(), err)
	}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), st); err != nil {
			slog.Warn("watch: the early warning's stored state is unreadable; starting afresh", "key", s.key(), "err", err)
			st = &warnState{}
		}
	}
	if st.Kinds == nil {
		st.Kinds = map[string]*kindState{}
	}
	return st, nil
}

func (w *Watcher) saveWarn(s subject, st *warnState) error {
	for kind, k := range st.Kinds {
		if k.Now.Since.IsZero() && k.Posted.IsZero() {
			delete(st.Kinds, kind)
		}
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("saving the early warning's state of %s: %w", s.key(), err)
	}
	if err := w.st.Set(s.key(), string(b)); err != nil {
		return fmt.Errorf("saving the early warning's state of %s: %w", s.key(), err)
	}
	return nil
}
