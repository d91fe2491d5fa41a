package commands

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// SummaryGatherer reads a cluster for the daily summary, each metric
// reduced to its stats as it arrives; *aws.Clients is one. The router's
// Env.AWS must be one for `summary` to work.
type SummaryGatherer interface {
	GatherSummaryStats(ctx context.Context, cluster string, services []string, since, until time.Time) (*aws.ClusterSnapshot, error)
}

// summaryWindow is how far back the daily summary looks.
const summaryWindow = 24 * time.Hour

// Stop sources, for the footer.
const (
	stopsFromStore = "store"
	stopsFromECS   = "ecs"
)

// summaryView is what the summary reply is drawn from.
type summaryView struct {
	Now, Since time.Time
	Loc        *time.Location
	Prefix     string
	StopsFrom  string
	Clusters   []clusterView
}

type clusterView struct {
	Name     string
	Err      error // the cluster could not be read
	CPURes   stat
	MemRes   stat
	Growth   growth
	Services []serviceView
	Missing  []aws.Missing // what could not be read
}

// stat is a series over the window.
type stat struct {
	Peak, Avg, Last float64
	OK              bool
}

type serviceView struct {
	Ref                       ServiceRef
	Found                     bool
	Running, Desired, Pending int
	Stops                     map[string]int // by cause
	Unhealthy                 int            // "is unhealthy in (target-group …)" events
	Deployments               int
	FailedDeployment          bool
	CPU, Mem                  stat
	Reasons                   []string // why it needs attention, in words; empty when fine
}

func (s serviceView) stopTotal() int {
	n := 0
	for _, v := range s.Stops {
		n += v
	}
	return n
}

// gatherSummary reads every configured service, a cluster at a time in
// parallel: one GatherSummary per cluster, and the stops from the store
// (or, without one, from ECS).
func (r *Router) gatherSummary(ctx context.Context) (summaryView, error) {
	sg, ok := r.env.AWS.(SummaryGatherer)
	if r.env.AWS == nil || !ok {
		return summaryView{}, errNoAWS
	}
	if len(r.env.Services) == 0 {
		return summaryView{}, &UnknownServiceError{}
	}
	now := r.env.now()
	v := summaryView{Now: now, Since: now.Add(-summaryWindow), Loc: r.env.loc(), Prefix: r.env.prefix(), StopsFrom: stopsFromStore}
	if r.env.Stops == nil {
		v.StopsFrom = stopsFromECS
	}
	var order []string
	byCluster := map[string][]ServiceRef{}
	for _, ref := range r.env.Services {
		// target/cluster with several targets: two accounts may both
		// have a cluster of one name.
		key := ref.StoreCluster()
		if _, ok := byCluster[key]; !ok {
			order = append(order, key)
		}
		byCluster[key] = append(byCluster[key], ref)
	}
	v.Clusters = make([]clusterView, len(order))
	var wg sync.WaitGroup
	for i, cluster := range order {
		wg.Go(func() {
			v.Clusters[i] = r.gatherCluster(ctx, sg, cluster, byCluster[cluster], v.Since, now)
		})
	}
	wg.Wait()
	failed := 0
	for _, c := range v.Clusters {
		if c.Err != nil {
			failed++
		}
	}
	if failed == len(v.Clusters) {
		return v, v.Clusters[0].Err
	}
	return v, nil
}

func (r *Router) gatherCluster(ctx context.Context, sg SummaryGatherer, cluster string, refs []ServiceRef, since, now time.Time) clusterView {
	cv := clusterView{Name: cluster}
	names := make([]string, len(refs))
	for i, ref := range refs {
		names[i] = ref.Service
	}
	ctx = svcref.WithTarget(ctx, refs[0].Target)
	snap, err := sg.GatherSummaryStats(ctx, refs[0].Cluster, names, since, now)
	if err != nil {
		cv.Err = err
		return cv
	}
	if snap.Now.IsZero() {
		snap.Now = now
	}
	cv.Missing = snap.Missing
	cv.CPURes = toStat(snap.Stats[aws.MetricClusterCPURes])
	cv.MemRes = toStat(snap.Stats[aws.MetricClusterMemRes])
	cv.Growth = clusterGrowth(snap)

	var stopped map[string][]ecstypes.Task
	if r.env.Stops == nil {
		if c, ok := r.env.AWS.(*aws.Clients); ok {
			stopped, err = stoppedTasks(ctx, c, refs[0].Cluster, names)
			if err != nil {
				slog.Warn("summary: no stopped tasks from ECS", "cluster", cluster, "err", err)
			}
		}
	}
	for _, ref := range refs {
		cv.Services = append(cv.Services, r.serviceSummary(ref, snap, stopped[ref.Service], since, now))
	}
	return cv
}

func (r *Router) serviceSummary(ref ServiceRef, snap *aws.ClusterSnapshot, stopped []ecstypes.Task, since, now time.Time) serviceView {
	sv := serviceView{Ref: ref, Stops: map[string]int{}}
	idx := -1
	for i := range snap.Services {
		if deref(snap.Services[i].ServiceName) == ref.Service {
			idx = i
		}
	}
	if idx < 0 {
		return sv
	}
	svc := snap.Services[idx]
	sv.Found = true
	sv.Running, sv.Desired, sv.Pending = int(svc.RunningCount), int(svc.DesiredCount), int(svc.PendingCount)
	m := snap.ServiceStats[ref.Service]
	sv.CPU = peakAvg(m[aws.MetricServiceCPUMax], m[aws.MetricServiceCPUAvg])
	sv.Mem = peakAvg(m[aws.MetricServiceMemMax], m[aws.MetricServiceMemAvg])

	deps := map[string]bool{}
	for _, d := range svc.Deployments {
		if d.CreatedAt != nil && !d.CreatedAt.Before(since) && deref(d.Id) != "" {
			deps[deref(d.Id)] = true
		}
		if d.RolloutState == "FAILED" {
			sv.FailedDeployment = true
		}
	}
	for _, e := range svc.Events {
		if e.CreatedAt == nil || e.CreatedAt.Before(since) || e.CreatedAt.After(now) {
			continue
		}
		msg := deref(e.Message)
		switch {
		case strings.Contains(msg, "is unhealthy in (target-group") || strings.Contains(msg, "is unhealthy in (elb"):
			sv.Unhealthy++
		case strings.Contains(msg, "deployment completed") || strings.Contains(msg, "deployment failed"):
			if id := between(msg, "(deployment ", ")"); id != "" {
				deps[id] = true
			}
			if strings.Contains(msg, "deployment failed") {
				sv.FailedDeployment = true
			}
		}
	}
	sv.Deployments = len(deps)

	// The causes come from the diagnosis rules, over the bot's own
	// history when it has one, else the stopped tasks ECS still returns;
	// stops only the service events remember fill the gaps either way.
	var hist []diagnose.Stop
	if r.env.Stops != nil {
		recs, err := r.env.Stops.Stops(ref.StoreCluster(), ref.Service, since)
		if err != nil {
			slog.Warn("summary: no stop history", "service", ref.Service, "err", err)
		}
		hist = diagnose.StopsFromRecords(recs)
	}
	ss := &aws.ServiceSnapshot{Now: now, Region: snap.Region, Cluster: snap.Cluster, Service: svc, Stopped: stopped}
	d := diagnose.Diagnose(ss, diagnose.Options{Alias: ref.Name(), Since: since, History: hist})
	for _, s := range d.Stops {
		if s.StoppedAt.Before(since) || s.StoppedAt.After(now) {
			continue
		}
		cause := s.Cause
		if cause == "" {
			cause = diagnose.CauseUnknown
		}
		sv.Stops[cause]++
	}
	return sv
}

// peakAvg is the peak of the busiest task (Maximum) and the average of the
// service (Average) over the window.
func peakAvg(maxS, avgS aws.SeriesStat) stat {
	p, a := toStat(maxS), toStat(avgS)
	switch {
	case p.OK && a.OK:
		return stat{Peak: max(p.Peak, a.Peak), Avg: a.Avg, Last: a.Last, OK: true}
	case a.OK:
		return a
	default:
		return p
	}
}

// toStat is a series' stats over the window (GatherSummaryStats keeps
// only the points within it).
func toStat(s aws.SeriesStat) stat {
	if s.N == 0 {
		return stat{}
	}
	return stat{Peak: s.Peak, Avg: s.Avg(), Last: s.Last, OK: true}
}

// between is the text after open up to the next close, "" when absent.
func between(s, open, close string) string {
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	rest := s[i+len(open):]
	j := strings.Index(rest, close)
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// causesByCount lists causes, most stops first, then by name.
func causesByCount(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// stopList is "3 elb-health-check, 1 app-crash".
func stopList(m map[string]int, only func(string) bool) string {
	var parts []string
	for _, c := range causesByCount(m) {
		if only == nil || only(c) {
			parts = append(parts, fmt.Sprintf("%d %s", m[c], c))
		}
	}
	return strings.Join(parts, ", ")
}
