// Package capture writes services of a live account as a world file, so
// that an incident can be replayed, shared and turned into a test. It reads
// through package aws and writes the world format; package aws knows
// nothing of worlds.
package capture

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	ecsaws "github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/redact"
)

// Options bound what Capture reads.
type Options struct {
	Since, Until time.Time // metrics; zero = the three hours before now
	LogLines     int       // per task; default 200
	// Redact masks secrets in the log lines before they are written;
	// nil masks every kind, e-mail addresses included.
	Redact *redact.Redactor
}

// Capture reads services of the live account and writes them as a world
// (docs/world-format.md), so that an incident can be replayed,
// shared and turned into a test: the services, their task definitions,
// running and recently stopped tasks, target health, container instances,
// scaling settings, the metrics a diagnosis reads and the tasks' last log
// lines. It reads through GatherService, so a capture holds exactly what
// `why` looks at. A world file lands on disk and is shared, so what the
// application's logs and environment carry stays out: log lines pass the
// redactor, as do the other fields that carry the application's text
// (commands, entry points, Docker labels, stop reasons, service events:
// maskAppText), and container environment values (in task definitions and
// task overrides) are written as "(hidden)", names kept.
func Capture(ctx context.Context, c *ecsaws.Clients, cluster string, services []string, opt Options) (*world.World, error) {
	if len(services) == 0 {
		return nil, fmt.Errorf("name at least one service to capture")
	}
	now := c.CurrentTime()
	if opt.Until.IsZero() {
		opt.Until = now
	}
	if opt.Since.IsZero() {
		opt.Since = opt.Until.Add(-3 * time.Hour)
	}
	if opt.LogLines <= 0 {
		opt.LogLines = 200
	}
	w := &world.World{Version: world.Version, Now: now, Region: c.Region}
	if id, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		w.AccountID = aws.ToString(id.Account)
	}
	b := newWorldBuilder(w)
	var snaps []*ecsaws.ServiceSnapshot
	for _, svc := range services {
		snap, err := c.GatherService(ctx, cluster, svc, ecsaws.GatherOptions{Since: opt.Since, Until: opt.Until, LogLines: opt.LogLines})
		if err != nil {
			return nil, fmt.Errorf("capturing %s: %w", svc, err)
		}
		snaps = append(snaps, snap)
		b.addService(snap, opt.Redact)
	}
	if err := captureMetrics(ctx, c, w, snaps, opt); err != nil {
		return nil, fmt.Errorf("capturing metrics: %w", ecsaws.Explain(err))
	}
	return w, nil
}

// worldBuilder adds objects once each, by their ARN or name.
type worldBuilder struct {
	w    *world.World
	seen map[string]bool
}

func newWorldBuilder(w *world.World) *worldBuilder {
	return &worldBuilder{w: w, seen: map[string]bool{}}
}

func (b *worldBuilder) add(list *[]world.Object, id string, o world.Object) {
	if id == "" || b.seen[id] {
		return
	}
	b.seen[id] = true
	*list = append(*list, o)
}

func (b *worldBuilder) addService(s *ecsaws.ServiceSnapshot, mask *redact.Redactor) {
	w := b.w
	camel, pascal := world.CamelCase, world.PascalCase
	b.add(&w.Clusters, aws.ToString(s.Cluster.ClusterArn), world.ObjectFromSDK(s.Cluster, camel))
	svc := world.ObjectFromSDK(s.Service, camel)
	maskAppText(svc, mask) // events[].message, deployments' reasons
	b.add(&w.Services, aws.ToString(s.Service.ServiceArn), svc)
	arns := make([]string, 0, len(s.TaskDefinitions))
	for arn := range s.TaskDefinitions {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	for _, arn := range arns {
		o := world.ObjectFromSDK(s.TaskDefinitions[arn], camel)
		ecsaws.HideEnvironment(o)
		maskAppText(o, mask) // command, entryPoint, dockerLabels, healthCheck
		if tags := s.TaskDefinitionTags[arn]; len(tags) > 0 {
			o["tags"] = world.FromSDK(tags, camel)
		}
		b.add(&w.TaskDefinitions, arn, o)
	}
	for _, list := range [][]ecstypes.Task{s.Running, s.Stopped} {
		for _, t := range list {
			o := world.ObjectFromSDK(t, camel)
			ecsaws.HideEnvironment(o) // overrides.containerOverrides
			maskAppText(o, mask)      // stop and container reasons, overrides' commands
			b.add(&w.Tasks, aws.ToString(t.TaskArn), o)
		}
	}
	for _, ci := range s.ContainerInstances {
		b.add(&w.ContainerInstances, aws.ToString(ci.ContainerInstanceArn), world.ObjectFromSDK(ci, camel))
	}
	for _, cp := range s.CapacityProviders {
		b.add(&w.CapacityProviders, aws.ToString(cp.CapacityProviderArn), world.ObjectFromSDK(cp, camel))
	}
	for _, g := range s.AutoScalingGroups {
		b.add(&w.AutoScalingGroups, aws.ToString(g.AutoScalingGroupARN), world.ObjectFromSDK(g, pascal))
	}
	for _, p := range s.AutoScalingPolicies {
		b.add(&w.AutoScalingPolicies, aws.ToString(p.PolicyARN), world.ObjectFromSDK(p, pascal))
	}
	for _, t := range s.ScalableTargets {
		b.add(&w.ScalableTargets, "target:"+aws.ToString(t.ResourceId)+string(t.ScalableDimension), world.ObjectFromSDK(t, pascal))
	}
	for _, p := range s.ScalingPolicies {
		b.add(&w.ScalingPolicies, aws.ToString(p.PolicyARN), world.ObjectFromSDK(p, pascal))
	}
	for _, tg := range s.TargetGroups {
		o := world.ObjectFromSDK(tg.Group, pascal)
		o["TargetHealthDescriptions"] = world.FromSDK(tg.Health, pascal)
		if o["TargetHealthDescriptions"] == nil {
			o["TargetHealthDescriptions"] = []any{}
		}
		b.add(&w.TargetGroups, aws.ToString(tg.Group.TargetGroupArn), o)
	}
	b.addLogs(s, mask)
}

// addLogs files each task's lines under the awslogs stream they came from.
func (b *worldBuilder) addLogs(s *ecsaws.ServiceSnapshot, mask *redact.Redactor) {
	tasks := append(append([]taskRef{}, refs(s.Running)...), refs(s.Stopped)...)
	for _, t := range tasks {
		lines := s.Logs[aws.ToString(t.task.TaskArn)]
		if len(lines) == 0 {
			continue
		}
		td := s.TaskDefinitions[aws.ToString(t.task.TaskDefinitionArn)]
		group, stream, ok := ecsaws.LogStreamOf(td, t.task)
		if !ok {
			continue
		}
		id := "log:" + group + "/" + stream
		if b.seen[id] {
			continue
		}
		b.seen[id] = true
		ls := world.LogStream{LogGroupName: group, LogStreamName: stream}
		for _, l := range lines {
			ls.Events = append(ls.Events, world.LogEvent{Timestamp: l.T, Message: mask.String(l.Message)})
		}
		b.w.Logs = append(b.w.Logs, ls)
	}
}

type taskRef struct{ task *ecstypes.Task }

func refs(tasks []ecstypes.Task) []taskRef {
	out := make([]taskRef, len(tasks))
	for i := range tasks {
		out[i] = taskRef{&tasks[i]}
	}
	return out
}

// capturedStats are the statistics a capture reads; the loader works out
// Sum as Average × SampleCount, as CloudWatch defines the average.
var capturedStats = []string{"Average", "Maximum", "Minimum", "SampleCount"}

// metricBudget is how many metric values a capture writes at most. The
// loader refuses a file of more than 500,000 values (aws/world budget.go,
// which counts a number in a list as two, to stay an upper bound), so that
// loading never builds a YAML tree of more than about 100 MB; the budget
// leaves room for the objects of a thousand services beside the metrics.
const metricBudget = 150_000

// capturePeriod is the shortest of CloudWatch's usual periods at which
// lists lists of one value a period over window fit metricBudget: a
// capture of a few services keeps 1-minute points over hours, one of a
// thousand services over three hours keeps 10-minute points, about the
// period the daily summary reads a fleet that size at.
func capturePeriod(lists int, window time.Duration) time.Duration {
	periods := []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute,
		30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour}
	for _, p := range periods {
		if (int(window/p)+1)*lists <= metricBudget {
			return p
		}
	}
	return 24 * time.Hour
}

// captureMetrics reads every series the snapshots hold again, with the
// statistics of capturedStats, so the world answers any statistic a later
// reader asks for, and keeps each as a compact run.
func captureMetrics(ctx context.Context, c *ecsaws.Clients, w *world.World, snaps []*ecsaws.ServiceSnapshot, opt Options) error {
	type seriesID struct{ ns, name, dims string }
	seen := map[seriesID]ecsaws.Series{}
	for _, s := range snaps {
		for _, ser := range s.Metrics {
			id := seriesID{ser.Namespace, ser.MetricName, dimsKey(ser.Dimensions)}
			if _, ok := seen[id]; !ok {
				seen[id] = ser
			}
		}
	}
	ids := make([]seriesID, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := ids[i], ids[j]
		return a.ns+a.name+a.dims < b.ns+b.name+b.dims
	})
	series := make([]ecsaws.Series, len(ids))
	for i, id := range ids {
		series[i] = seen[id]
	}
	period := capturePeriod(len(series)*len(capturedStats), opt.Until.Sub(opt.Since))
	got, err := c.Statistics(ctx, series, capturedStats, opt.Since, opt.Until, period)
	if err != nil {
		return err
	}
	for i, ser := range series {
		if m, ok := runOf(ser, got[i]); ok {
			w.Metrics = append(w.Metrics, m)
		}
	}
	return nil
}

// runOf keeps one series' statistics as a compact run from its first
// point to its last; a slot CloudWatch has no data for is a gap.
func runOf(ser ecsaws.Series, byStat []ecsaws.Series) (world.Metric, bool) {
	var first, last time.Time
	period := 0
	for _, s := range byStat {
		period = s.Period
		for _, p := range s.Points {
			if first.IsZero() || p.T.Before(first) {
				first = p.T
			}
			if p.T.After(last) {
				last = p.T
			}
		}
	}
	if first.IsZero() || period <= 0 {
		return world.Metric{}, false
	}
	step := time.Duration(period) * time.Second
	n := int(last.Sub(first)/step) + 1
	cols := map[string][]float64{}
	for _, st := range capturedStats {
		col := make([]float64, n)
		for i := range col {
			col[i] = math.NaN()
		}
		cols[st] = col
	}
	for _, s := range byStat {
		for _, p := range s.Points {
			if i := int(p.T.Sub(first) / step); i < n {
				cols[s.Stat][i] = p.V
			}
		}
	}
	sum := make([]float64, n)
	for i := range sum {
		sum[i] = math.NaN()
	}
	run := world.Run{Start: first, Average: cols["Average"], Maximum: cols["Maximum"], Minimum: cols["Minimum"],
		Sum: sum, SampleCount: cols["SampleCount"]}
	run.Fill() // Sum from Average and SampleCount, and any statistic a slot lacks
	return world.Metric{Namespace: ser.Namespace, MetricName: ser.MetricName, Dimensions: ser.Dimensions, Period: period, Run: run}, true
}

func dimsKey(d map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(d)) {
		b.WriteString(k + "=" + d[k] + ";")
	}
	return b.String()
}
