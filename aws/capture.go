package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// CaptureOptions bound what Capture reads.
type CaptureOptions struct {
	Since, Until time.Time // metrics; zero = the three hours before now
	LogLines     int       // per task; default 200
}

// Capture reads services of the live account and writes them as a world
// (docs/world-format.md), so that an incident can be replayed,
// shared and turned into a test: the services, their task definitions,
// running and recently stopped tasks, target health, container instances,
// scaling settings, the metrics a diagnosis reads and the tasks' last log
// lines. It reads through GatherService, so a capture holds exactly what
// `why` looks at.
func (c *Clients) Capture(ctx context.Context, cluster string, services []string, opt CaptureOptions) (*world.World, error) {
	if len(services) == 0 {
		return nil, fmt.Errorf("name at least one service to capture")
	}
	now := c.now()
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
	var snaps []*ServiceSnapshot
	for _, svc := range services {
		snap, err := c.GatherService(ctx, cluster, svc, GatherOptions{Since: opt.Since, Until: opt.Until, LogLines: opt.LogLines})
		if err != nil {
			return nil, fmt.Errorf("capturing %s: %w", svc, err)
		}
		snaps = append(snaps, snap)
		b.addService(snap)
	}
	if err := c.captureMetrics(ctx, w, snaps, opt); err != nil {
		return nil, fmt.Errorf("capturing metrics: %w", Explain(err))
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

func (b *worldBuilder) addService(s *ServiceSnapshot) {
	w := b.w
	camel, pascal := world.CamelCase, world.PascalCase
	b.add(&w.Clusters, aws.ToString(s.Cluster.ClusterArn), world.ObjectFromSDK(s.Cluster, camel))
	b.add(&w.Services, aws.ToString(s.Service.ServiceArn), world.ObjectFromSDK(s.Service, camel))
	arns := make([]string, 0, len(s.TaskDefinitions))
	for arn := range s.TaskDefinitions {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	for _, arn := range arns {
		o := world.ObjectFromSDK(s.TaskDefinitions[arn], camel)
		if tags := s.TaskDefinitionTags[arn]; len(tags) > 0 {
			o["tags"] = world.FromSDK(tags, camel)
		}
		b.add(&w.TaskDefinitions, arn, o)
	}
	for _, list := range [][]ecstypes.Task{s.Running, s.Stopped} {
		for _, t := range list {
			b.add(&w.Tasks, aws.ToString(t.TaskArn), world.ObjectFromSDK(t, camel))
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
	b.addLogs(s)
}

// addLogs files each task's lines under the awslogs stream they came from.
func (b *worldBuilder) addLogs(s *ServiceSnapshot) {
	tasks := append(append([]taskRef{}, refs(s.Running)...), refs(s.Stopped)...)
	for _, t := range tasks {
		lines := s.Logs[aws.ToString(t.task.TaskArn)]
		if len(lines) == 0 {
			continue
		}
		td := s.TaskDefinitions[aws.ToString(t.task.TaskDefinitionArn)]
		target, ok := logTarget(td, t.task, "")
		if !ok || target.Prefix == "" {
			continue
		}
		stream := logStreamName(target.Prefix, target.Container, aws.ToString(t.task.TaskArn))
		id := "log:" + target.Group + "/" + stream
		if b.seen[id] {
			continue
		}
		b.seen[id] = true
		ls := world.LogStream{LogGroupName: target.Group, LogStreamName: stream}
		for _, l := range lines {
			ls.Events = append(ls.Events, world.LogEvent{Timestamp: l.T, Message: l.Message})
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

// captureMetrics reads every series the snapshots hold again, with all five
// statistics, so the world answers any statistic a later reader asks for.
func (c *Clients) captureMetrics(ctx context.Context, w *world.World, snaps []*ServiceSnapshot, opt CaptureOptions) error {
	type seriesID struct{ ns, name, dims string }
	seen := map[seriesID]Series{}
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
	stats := []string{"Average", "Maximum", "Minimum", "Sum", "SampleCount"}
	var qs []metricQuery
	for i, id := range ids {
		ser := seen[id]
		for _, st := range stats {
			qs = append(qs, metricQuery{Key: fmt.Sprintf("%d/%s", i, st), Namespace: ser.Namespace, MetricName: ser.MetricName, Dimensions: ser.Dimensions, Stat: st})
		}
	}
	win := newMetricWindow(c.now(), opt.Since, opt.Until, len(qs))
	got, err := c.getMetrics(ctx, qs, win)
	if err != nil {
		return err
	}
	for i, id := range ids {
		ser := seen[id]
		points := map[time.Time]*world.Point{}
		var order []time.Time
		for _, st := range stats {
			for _, p := range got[fmt.Sprintf("%d/%s", i, st)].Points {
				pt := points[p.T]
				if pt == nil {
					pt = &world.Point{Timestamp: p.T}
					points[p.T] = pt
					order = append(order, p.T)
				}
				switch st {
				case "Average":
					pt.Average = p.V
				case "Maximum":
					pt.Maximum = p.V
				case "Minimum":
					pt.Minimum = p.V
				case "Sum":
					pt.Sum = p.V
				case "SampleCount":
					pt.SampleCount = p.V
				}
			}
		}
		if len(order) == 0 {
			continue
		}
		sort.Slice(order, func(a, b int) bool { return order[a].Before(order[b]) })
		m := world.Metric{Namespace: ser.Namespace, MetricName: ser.MetricName, Dimensions: ser.Dimensions, Period: int(win.Period)}
		for _, t := range order {
			m.Points = append(m.Points, *points[t])
		}
		w.Metrics = append(w.Metrics, m)
	}
	return nil
}

func dimsKey(d map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(d) {
		b.WriteString(k + "=" + d[k] + ";")
	}
	return b.String()
}
