package watch

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/explain"
)

// warnMargin widens the metric window past Warn.For: CloudWatch's AWS/ECS
// points arrive a minute or two late, and a run that started just before
// the window still counts from its first point inside it. A newest point
// older than this is stale: no warning from old data.
const warnMargin = 5 * time.Minute

// targetReads is how many DescribeTargetHealth calls run at once.
const targetReads = 8

// PressureRead is what one round of the early warning reads about one
// cluster: the daily summary's snapshot over the last few minutes and the
// health of the targets of the services' load balancers.
type PressureRead struct {
	Snap    *aws.ClusterSnapshot
	Targets map[string][]elbtypes.TargetHealthDescription // by target group ARN
}

// pressureRead reads a cluster for the early warning, with calls that stay
// few as services grow: GatherSummary (DescribeClusters, DescribeServices
// 10 per call, the container instances 100 per call, the capacity
// providers, the Auto Scaling groups and policies, and every metric in
// GetMetricData calls of 500 queries), then one DescribeTargetHealth per
// target group of the services (AWS answers for one group per call).
func (w *Watcher) pressureRead(ctx context.Context, cluster string, services []string) (*PressureRead, error) {
	now := w.now()
	snap, err := w.aws.GatherSummary(ctx, cluster, services, now.Add(-w.cfg.Warn.For-warnMargin), now)
	if err != nil {
		return nil, fmt.Errorf("reading cluster %s for the early warning: %w", cluster, err)
	}
	seen := map[string]bool{}
	var arns []string
	for _, s := range snap.Services {
		for _, lb := range s.LoadBalancers {
			if a := awssdk.ToString(lb.TargetGroupArn); a != "" && !seen[a] {
				seen[a] = true
				arns = append(arns, a)
			}
		}
	}
	sort.Strings(arns)
	r := &PressureRead{Snap: snap, Targets: make(map[string][]elbtypes.TargetHealthDescription, len(arns))}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, targetReads)
	)
	for _, arn := range arns {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out, err := w.aws.ELB.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: awssdk.String(arn)})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				// The other kinds still work; this group's targets are
				// simply not judged this round.
				snap.Missing = append(snap.Missing, aws.Missing{Code: aws.MissingReadFailed, Source: "target health of " + lastPart(arn), Detail: err.Error()})
				return
			}
			r.Targets[arn] = out.TargetHealthDescriptions
		})
	}
	wg.Wait()
	return r, nil
}

// subject is what a warning is about: a service, or a cluster (service "").
type subject struct{ cluster, service string }

func (s subject) key() string {
	if s.service == "" {
		return "warn:cluster/" + s.cluster
	}
	return "warn:" + key(s.cluster, s.service)
}

// pressures finds what is under pressure now in one read: services whose
// CPU or memory has stayed at or above the configured share for Warn.For,
// services with targets failing their health checks, and the cluster when
// its CPU or memory reservation has stayed at or above ClusterPercent for
// Warn.For on EC2 with reservation-based scaling off (aws.ReservationScaling).
func (w *Watcher) pressures(cluster string, r *PressureRead) map[subject][]explain.Pressure {
	cfg := w.cfg.Warn
	now := w.now()
	out := map[subject][]explain.Pressure{}
	for _, s := range r.Snap.Services {
		name := awssdk.ToString(s.ServiceName)
		sub := subject{cluster, name}
		ms := r.Snap.ServiceMetrics[name]
		for _, c := range []struct {
			kind     string
			pct      float64
			max, avg string
		}{
			{explain.PressureCPU, cfg.CPUPercent, aws.MetricServiceCPUMax, aws.MetricServiceCPUAvg},
			{explain.PressureMemory, cfg.MemoryPercent, aws.MetricServiceMemMax, aws.MetricServiceMemAvg},
		} {
			series, ok := ms[c.max]
			if !ok || len(series.Points) == 0 {
				series = ms[c.avg]
			}
			if d, peak := sustained(series, c.pct, now); d >= cfg.For {
				out[sub] = append(out[sub], explain.Pressure{Kind: c.kind, Percent: peak, Threshold: c.pct, Minutes: int(d / time.Minute)})
			}
		}
		if p, ok := failingTargets(s.LoadBalancers, r.Targets); ok {
			out[sub] = append(out[sub], p)
		}
	}
	sc := aws.ReservationScaling(r.Snap.CapacityOf())
	if sc.EC2 && !sc.On() {
		for _, c := range []struct{ key, what string }{{aws.MetricClusterCPURes, "CPU"}, {aws.MetricClusterMemRes, "memory"}} {
			if d, peak := sustained(r.Snap.Metrics[c.key], cfg.ClusterPercent, now); d >= cfg.For {
				sub := subject{cluster: cluster}
				out[sub] = append(out[sub], explain.Pressure{Kind: explain.PressureCluster, What: c.what, Percent: peak, Threshold: cfg.ClusterPercent, Minutes: int(d / time.Minute)})
				break // one cluster warning; CPU first, the incident's
			}
		}
	}
	return out
}

// sustained is how long s has stayed at or above pct up to its newest
// point, and the peak in that time: zero when the newest point is below,
// or older than warnMargin (no warning from stale data). Points are oldest
// first.
func sustained(s aws.Series, pct float64, now time.Time) (time.Duration, float64) {
	pts := s.Points
	if len(pts) == 0 || now.Sub(pts[len(pts)-1].T) > warnMargin {
		return 0, 0
	}
	period := time.Duration(s.Period) * time.Second
	if period <= 0 {
		period = time.Minute
	}
	peak, i := 0.0, len(pts)-1
	for ; i >= 0 && pts[i].V >= pct; i-- {
		peak = max(peak, pts[i].V)
	}
	if i == len(pts)-1 {
		return 0, 0
	}
	return pts[len(pts)-1].T.Sub(pts[i+1].T) + period, peak
}

// failingTargets counts the service's targets that fail their health
// checks. Targets still starting (initial), draining (a deployment or a
// scale-in taking them out) or unused are not failing: a normal deployment
// goes through those states.
func failingTargets(lbs []ecstypes.LoadBalancer, health map[string][]elbtypes.TargetHealthDescription) (explain.Pressure, bool) {
	p := explain.Pressure{Kind: explain.PressureTargets}
	for _, lb := range lbs {
		for _, d := range health[awssdk.ToString(lb.TargetGroupArn)] {
			th := d.TargetHealth
			if th == nil {
				continue
			}
			switch th.State {
			case elbtypes.TargetHealthStateEnumHealthy:
				p.Targets++
			case elbtypes.TargetHealthStateEnumUnhealthy:
				p.Targets++
				if th.Reason == elbtypes.TargetHealthReasonEnumRegistrationInProgress || th.Reason == elbtypes.TargetHealthReasonEnumInitialHealthChecking {
					continue
				}
				p.Unhealthy++
				if p.Reason == "" {
					p.Reason = awssdk.ToString(th.Description)
					if p.Reason == "" {
						p.Reason = string(th.Reason)
					}
				}
			}
		}
	}
	return p, p.Unhealthy > 0
}
