package fleetmetrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/go-co-op/gocron/v2"

	"github.com/ecsmedic/ecsmedic/aws"
)

// maxInsightsTasks bounds the tasks per service whose Container Insights
// series a refresh reads, so that a service scaled out to hundreds of
// tasks stays one GetMetricData call.
const maxInsightsTasks = 50

// Refresh reads every configured cluster and updates the cache: per
// cluster one GatherSummary over the last Window (about ten ECS calls for
// 50 services and the metrics in batches of 500 queries per GetMetricData
// call), one DescribeTargetHealth per target group, and with Container
// Insights on one ListTasks per service and one more GetMetricData batch.
// A cluster that cannot be read keeps its last values; the error says
// which.
func (f *Fleet) Refresh(ctx context.Context) error {
	if f.aws == nil {
		return errors.New("the fleet metrics have no AWS clients to refresh with")
	}
	until := f.now()
	since := until.Add(-f.cfg.Window)
	var errs []error
	for _, cluster := range f.clusterNames() {
		if err := f.refreshCluster(ctx, cluster, since, until); err != nil {
			f.failures.WithLabelValues(cluster).Inc()
			errs = append(errs, fmt.Errorf("reading cluster %s for the Grafana metrics: %w", cluster, err))
		}
	}
	return errors.Join(errs...)
}

func (f *Fleet) refreshCluster(ctx context.Context, cluster string, since, until time.Time) error {
	snap, err := f.aws.GatherSummary(ctx, cluster, f.serviceNames(cluster), since, until)
	if err != nil {
		return err
	}
	r := Reading{Snapshot: snap}
	var wg sync.WaitGroup
	wg.Go(func() { r.Targets = f.readTargets(ctx, snap.Services) })
	if aws.InsightsOn(snap.Cluster) {
		wg.Go(func() { r.Tasks = f.readTasks(ctx, cluster, snap.Services, since, until) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	f.Update(r)
	return nil
}

// readTargets reads the health of the services' target groups, side by
// side. A group that cannot be read is left out (its service then has no
// unhealthy-targets series).
func (f *Fleet) readTargets(ctx context.Context, services []ecstypes.Service) map[string][]elbtypes.TargetHealthDescription {
	var arns []string
	for _, s := range services {
		for _, lb := range s.LoadBalancers {
			if a := awssdk.ToString(lb.TargetGroupArn); a != "" && !slices.Contains(arns, a) {
				arns = append(arns, a)
			}
		}
	}
	out := make(map[string][]elbtypes.TargetHealthDescription, len(arns))
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, arn := range arns {
		wg.Go(func() {
			got, err := f.aws.ELB.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: awssdk.String(arn)})
			if err != nil {
				slog.Warn("fleet metrics: could not read a target group's health; its unhealthy-targets gauge is left out",
					"target_group", lastPart(arn), "err", aws.Explain(err))
				return
			}
			mu.Lock()
			out[arn] = got.TargetHealthDescriptions
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// readTasks reads the Container Insights series of each service's running
// tasks: one ListTasks per service, then every task's CPU and memory in
// batched GetMetricData calls.
func (f *Fleet) readTasks(ctx context.Context, cluster string, services []ecstypes.Service, since, until time.Time) map[string][]TaskSeries {
	ids := make([][]string, len(services))
	var wg sync.WaitGroup
	for i, s := range services {
		wg.Go(func() {
			out, err := f.aws.ECS.ListTasks(ctx, &ecs.ListTasksInput{
				Cluster: awssdk.String(cluster), ServiceName: s.ServiceName,
				DesiredStatus: ecstypes.DesiredStatusRunning, MaxResults: awssdk.Int32(maxInsightsTasks),
			})
			if err != nil {
				slog.Warn("fleet metrics: could not list a service's tasks; its per-task gauges are left out",
					"service", awssdk.ToString(s.ServiceName), "err", aws.Explain(err))
				return
			}
			for _, a := range out.TaskArns {
				ids[i] = append(ids[i], lastPart(a))
			}
			sort.Strings(ids[i])
		})
	}
	wg.Wait()
	var series []aws.Series
	for i, s := range services {
		for _, id := range ids[i] {
			dims := map[string]string{"ClusterName": cluster, "ServiceName": awssdk.ToString(s.ServiceName), "TaskId": id}
			series = append(series,
				aws.Series{Namespace: "ECS/ContainerInsights", MetricName: "TaskCpuUtilization", Dimensions: dims},
				aws.Series{Namespace: "ECS/ContainerInsights", MetricName: "TaskMemoryUtilization", Dimensions: dims})
		}
	}
	if len(series) == 0 {
		return nil
	}
	got, err := f.aws.Statistics(ctx, series, []string{"Average"}, since, until, 0)
	if err != nil {
		slog.Warn("fleet metrics: could not read the tasks' Container Insights metrics; the per-task gauges are left out", "cluster", cluster, "err", aws.Explain(err))
		return nil
	}
	out := map[string][]TaskSeries{}
	k := 0
	for i, s := range services {
		name := awssdk.ToString(s.ServiceName)
		for _, id := range ids[i] {
			out[name] = append(out[name], TaskSeries{ID: id, CPU: got[k][0], Memory: got[k+1][0]})
			k += 2
		}
	}
	return out
}

// Run refreshes the cache now and then every Interval, on a gocron
// schedule like the bot's other jobs, until ctx ends. Use it when the
// watcher's poll does not feed Update. A run that is still reading when
// the next is due makes that one wait rather than pile up.
func (f *Fleet) Run(ctx context.Context) error {
	sched, err := gocron.NewScheduler()
	if err != nil {
		return fmt.Errorf("starting the Grafana metrics' schedule: %w", err)
	}
	_, err = sched.NewJob(gocron.DurationJob(f.cfg.Interval), gocron.NewTask(func() {
		if err := f.Refresh(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("fleet metrics: refresh failed; the gauges keep their last values until the next one", "err", err)
		}
	}), gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithStartAt(gocron.WithStartImmediately()))
	if err != nil {
		_ = sched.Shutdown()
		return fmt.Errorf("scheduling the Grafana metrics' refresh every %s: %w", f.cfg.Interval, err)
	}
	sched.Start()
	<-ctx.Done()
	return sched.Shutdown()
}

// clusterNames are the configured services' clusters, sorted.
func (f *Fleet) clusterNames() []string {
	var out []string
	for _, r := range f.cfg.Services {
		if r.Cluster != "" && !slices.Contains(out, r.Cluster) {
			out = append(out, r.Cluster)
		}
	}
	sort.Strings(out)
	return out
}

// serviceNames are the configured services of a cluster, by ECS name.
func (f *Fleet) serviceNames(cluster string) []string {
	var out []string
	for _, r := range f.cfg.Services {
		if r.Cluster == cluster && r.Service != "" && !slices.Contains(out, r.Service) {
			out = append(out, r.Service)
		}
	}
	return out
}
