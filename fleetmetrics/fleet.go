package fleetmetrics

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// Defaults for Config's zero values.
const (
	// MinInterval bounds the refresh from below: AWS/ECS publishes one
	// point a minute, so reading more often pays GetMetricData for the
	// same point twice.
	MinInterval = time.Minute
	// DefaultWindow is how far back a refresh reads the metrics: long
	// enough to hold the newest point CloudWatch has published (they
	// arrive a minute or two late), short enough to stay cheap.
	DefaultWindow = 10 * time.Minute
)

// Config is what the fleet's gauges cover.
type Config struct {
	Cluster  string       // for services whose Ref has no cluster
	Services []svcref.Ref // the configured services; their aliases label the series
	// Interval is the refresh's period: the watcher's poll interval,
	// raised to MinInterval.
	Interval time.Duration
	Window   time.Duration // DefaultWindow when zero
}

// Fleet is the cache behind the gauges and their Prometheus collector.
type Fleet struct {
	cfg     Config
	aws     *aws.Clients
	now     func() time.Time
	aliases map[string]string // cluster/service → alias

	mu       sync.RWMutex
	clusters map[string]clusterView // by cluster name

	stops    *prometheus.CounterVec
	failures *prometheus.CounterVec
	counted  stopSet
}

// New prepares the cache for the configured services. The clients are
// those Refresh reads with (nil when only Update feeds the cache); their
// Now, if set, is the cache's clock.
func New(cfg Config, c *aws.Clients) *Fleet {
	cfg.Interval = max(cfg.Interval, MinInterval)
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	f := &Fleet{
		cfg: cfg, aws: c, now: time.Now, aliases: map[string]string{}, clusters: map[string]clusterView{},
		stops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecsmedic_service_stops_total",
			Help: "Tasks of the service that stopped, by the cause ecsmedic diagnosed (the causes of `why`), since the bot started.",
		}, []string{"cluster", "service", "ecs_service", "cause"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecsmedic_fleet_refresh_failures_total",
			Help: "Refreshes of a cluster's gauges that failed; its series keep their last values (see ecsmedic_fleet_last_refresh_timestamp_seconds).",
		}, []string{"cluster"}),
		counted: stopSet{seen: map[string]time.Time{}},
	}
	if c != nil && c.Now != nil {
		f.now = c.Now
	}
	f.cfg.Services = slices.Clone(cfg.Services) // the router shares the caller's
	for i, r := range f.cfg.Services {
		if r.Cluster == "" {
			r.Cluster = cfg.Cluster
			f.cfg.Services[i] = r
		}
		if r.Service != "" {
			f.aliases[r.Cluster+"/"+r.Service] = r.Name()
		}
	}
	return f
}

// alias is the name people use for a service: its configured alias, else
// its ECS name.
func (f *Fleet) alias(cluster, service string) string {
	if a, ok := f.aliases[cluster+"/"+service]; ok {
		return a
	}
	return service
}

// Reading is one look at a cluster, the input of Update.
type Reading struct {
	// Snapshot is the cluster and its services, with the metrics
	// GatherSummary reads (a window ending now; the newest point counts).
	Snapshot *aws.ClusterSnapshot
	// Targets is the target health of the services' target groups, by
	// target group ARN. A group absent here was not read: its service
	// gets no unhealthy-targets series rather than a false 0.
	Targets map[string][]elbtypes.TargetHealthDescription
	// Tasks is the Container Insights series of running tasks, by
	// service name; nil when the cluster has Container Insights off.
	Tasks map[string][]TaskSeries
}

// TaskSeries is one task's ECS/ContainerInsights TaskCpuUtilization and
// TaskMemoryUtilization (percent of the task's reservation).
type TaskSeries struct {
	ID          string
	CPU, Memory aws.Series
}

// clusterView is what the gauges show of one cluster.
type clusterView struct {
	refreshed          time.Time
	cpuRes, memRes     gauge
	canGrow, scalingOn gauge
	services           []serviceView
}

type serviceView struct {
	alias, name                string
	cpu, cpuPeak, mem, memPeak gauge
	running, desired, pending  gauge
	targets, unhealthy         gauge
	tasks                      []taskView
}

type taskView struct {
	id       string
	cpu, mem gauge
}

// gauge is a value that may be unknown (not read, or no point in the
// window): an unknown one is left out of the scrape, never shown as 0.
type gauge struct {
	v  float64
	ok bool
}

func known(v float64) gauge { return gauge{v: v, ok: true} }

// share is the newest point of a percent series as a 0–1 ratio.
func share(s aws.Series) gauge {
	if len(s.Points) == 0 {
		return gauge{}
	}
	return known(s.Points[len(s.Points)-1].V / 100)
}

func flag(b bool) gauge {
	if b {
		return known(1)
	}
	return known(0)
}

// Update replaces what the gauges show of the reading's cluster: services
// not in the snapshot (deleted, or no longer asked for) lose their series.
// The watcher's poll can call it with what it read; Refresh does when the
// poll does not.
func (f *Fleet) Update(r Reading) {
	snap := r.Snapshot
	if snap == nil {
		return
	}
	cluster := awssdk.ToString(snap.Cluster.ClusterName)
	if cluster == "" && len(snap.Services) > 0 {
		cluster = lastPart(awssdk.ToString(snap.Services[0].ClusterArn))
	}
	if cluster == "" {
		return
	}
	v := clusterView{
		refreshed: snap.Now,
		cpuRes:    share(snap.Metrics[aws.MetricClusterCPURes]),
		memRes:    share(snap.Metrics[aws.MetricClusterMemRes]),
	}
	if scalingRead(snap.Missing) {
		s := aws.ReservationScaling(snap.CapacityOf())
		if s.EC2 { // Fargate has no host to add
			v.canGrow, v.scalingOn = flag(s.CanGrow()), flag(s.On())
		}
	}
	for _, svc := range snap.Services {
		name := awssdk.ToString(svc.ServiceName)
		m := snap.ServiceMetrics[name]
		sv := serviceView{
			alias: f.alias(cluster, name), name: name,
			cpu: share(m[aws.MetricServiceCPUAvg]), cpuPeak: share(m[aws.MetricServiceCPUMax]),
			mem: share(m[aws.MetricServiceMemAvg]), memPeak: share(m[aws.MetricServiceMemMax]),
			running: known(float64(svc.RunningCount)), desired: known(float64(svc.DesiredCount)), pending: known(float64(svc.PendingCount)),
		}
		sv.targets, sv.unhealthy = targetCounts(svc.LoadBalancers, r.Targets)
		for _, t := range r.Tasks[name] {
			sv.tasks = append(sv.tasks, taskView{id: t.ID, cpu: share(t.CPU), mem: share(t.Memory)})
		}
		v.services = append(v.services, sv)
	}
	sort.Slice(v.services, func(i, j int) bool { return v.services[i].alias < v.services[j].alias })
	f.mu.Lock()
	f.clusters[cluster] = v
	f.mu.Unlock()
}

// targetCounts counts the targets of a service's target groups and the
// unhealthy ones; unknown when a group's health was not read.
func targetCounts(lbs []ecstypes.LoadBalancer, health map[string][]elbtypes.TargetHealthDescription) (all, unhealthy gauge) {
	seen := map[string]bool{}
	n, bad := 0, 0
	for _, lb := range lbs {
		arn := awssdk.ToString(lb.TargetGroupArn)
		if arn == "" || seen[arn] {
			continue // a classic load balancer has no target group
		}
		seen[arn] = true
		ts, ok := health[arn]
		if !ok {
			return gauge{}, gauge{}
		}
		for _, t := range ts {
			n++
			if t.TargetHealth != nil && t.TargetHealth.State == elbtypes.TargetHealthStateEnumUnhealthy {
				bad++
			}
		}
	}
	if len(seen) == 0 {
		return gauge{}, gauge{} // no target group: nothing to be unhealthy
	}
	return known(float64(n)), known(float64(bad))
}

// scalingRead says whether the snapshot holds what ReservationScaling
// needs; without it "cannot grow" would be a guess.
func scalingRead(missing []aws.Missing) bool {
	for _, m := range missing {
		if !m.Failed() {
			continue
		}
		switch m.Source {
		case "container instances", "capacity providers", "EC2 Auto Scaling groups", "EC2 Auto Scaling policies":
			return false
		}
	}
	return true
}

func lastPart(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
