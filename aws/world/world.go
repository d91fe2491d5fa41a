// Package world holds a world file: one AWS account and Region as ECS,
// CloudWatch, ELBv2, EC2 Auto Scaling, Application Auto Scaling and
// CloudWatch Logs would report it at one moment. The format is the public
// interface described in docs/world-format.md; objects keep AWS's own field
// names so CLI output can be pasted in unchanged.
package world

import (
	"iter"
	"math"
	"slices"
	"time"
)

// Object is one AWS object exactly as the AWS CLI prints it (camelCase for ECS
// and Logs, PascalCase for the others). Unknown keys are kept so they can be
// served back verbatim.
//
// Normalised value types after Load: string, int64, float64, bool, nil,
// time.Time (every field that AWS types as a timestamp), []any and
// map[string]any.
type Object = map[string]any

// World is a loaded, validated world file.
type World struct {
	Version   int
	Now       time.Time // the capture moment; see Shift and the spec's "Time"
	Region    string
	AccountID string
	// ExternalID, when set, is the sts:ExternalId that assuming a role of
	// this account needs in the simulator (the role's trust policy).
	ExternalID string
	// Accounts are more accounts or regions in the same world, each a
	// world of its own (its accountId and region) at the same Now; the
	// simulator serves each to the callers of that account and region
	// (docs/world-format.md, "Several accounts and regions").
	Accounts []*World

	Clusters            []Object // ECS Cluster
	Services            []Object // ECS Service, with events, deployments, loadBalancers
	TaskDefinitions     []Object // ECS TaskDefinition
	Tasks               []Object // ECS Task, running and stopped
	ContainerInstances  []Object // ECS ContainerInstance
	CapacityProviders   []Object // ECS CapacityProvider
	AutoScalingGroups   []Object // EC2 Auto Scaling AutoScalingGroup
	AutoScalingPolicies []Object // EC2 Auto Scaling ScalingPolicy
	ScalableTargets     []Object // Application Auto Scaling ScalableTarget
	ScalingPolicies     []Object // Application Auto Scaling ScalingPolicy
	TargetGroups        []Object // ELBv2 TargetGroup plus "TargetHealthDescriptions"
	Alarms              []Object // CloudWatch MetricAlarm

	Metrics []Metric
	Logs    []LogStream

	// Extra keeps unknown top-level keys so that Save writes them back.
	Extra map[string]any
}

// Metric is one CloudWatch metric series: a compact run (`start` with
// `values` or `stats`) and points given one by one (`points`).
type Metric struct {
	Namespace  string
	MetricName string
	Dimensions map[string]string
	Unit       string
	Period     int // seconds between points; default 60
	Run        Run
	Points     []Point // oldest first once loaded
	Extra      map[string]any
}

// Run is a compact run: slot i is at Start + i×Period, and each statistic
// is a column of values, one a slot, NaN where the slot has no data.
// Columns are 8 bytes a value where a Point is 64, which keeps a world of
// a thousand services small; a `values` run shares one column among the
// four statistics. Columns are never changed in place once built, so
// copies of a world share them.
type Run struct {
	Start                          time.Time
	Average, Maximum, Minimum, Sum []float64
	SampleCount                    []float64 // nil: one sample in every slot with data
}

// Len is the number of slots, gaps included.
func (r *Run) Len() int { return len(r.Average) }

// At is slot i as a point; false for a gap.
func (r *Run) At(i, period int) (Point, bool) {
	if math.IsNaN(r.Average[i]) {
		return Point{}, false
	}
	p := Point{Timestamp: r.Start.Add(time.Duration(i*period) * time.Second),
		Average: r.Average[i], Maximum: r.Maximum[i], Minimum: r.Minimum[i], Sum: r.Sum[i], SampleCount: 1}
	if r.SampleCount != nil {
		p.SampleCount = r.SampleCount[i]
	}
	return p, true
}

// Between yields the series' points with a timestamp in [from, to), oldest
// first: the run's slots in that range (found by arithmetic, so the cost
// is that of the points asked for) merged with Points (found by binary
// search; they must be sorted, as Load leaves them).
func (m *Metric) Between(from, to time.Time) iter.Seq[Point] {
	return func(yield func(Point) bool) {
		period := max(m.Period, 1)
		step := time.Duration(period) * time.Second
		i, end := 0, m.Run.Len()
		if end > 0 {
			i = clamp(ceilDiv(from.Sub(m.Run.Start), step), 0, end)
			end = clamp(ceilDiv(to.Sub(m.Run.Start), step), 0, end)
		}
		search := func(t time.Time) int {
			k, _ := slices.BinarySearchFunc(m.Points, t, func(p Point, t time.Time) int { return p.Timestamp.Compare(t) })
			return k
		}
		pts := m.Points[search(from):max(search(from), search(to))]
		for i < end || len(pts) > 0 {
			if i < end {
				p, ok := m.Run.At(i, period)
				if !ok {
					i++
					continue
				}
				if len(pts) == 0 || !pts[0].Timestamp.Before(p.Timestamp) {
					i++
					if !yield(p) {
						return
					}
					continue
				}
			}
			if !yield(pts[0]) {
				return
			}
			pts = pts[1:]
		}
	}
}

// All yields every point of the series, oldest first.
func (m *Metric) All() iter.Seq[Point] {
	return m.Between(time.Unix(-1<<40, 0), time.Unix(1<<40, 0))
}

// ceilDiv is ⌈d/step⌉ for a positive step, as an int.
func ceilDiv(d, step time.Duration) int {
	q := d / step
	if d%step > 0 {
		q++
	}
	return int(max(min(q, 1<<40), -1<<40))
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// Point is one stored data point. Load fills every statistic: a statistic
// the file leaves out is derived from the ones it gives (see fillPoint).
type Point struct {
	Timestamp   time.Time
	Average     float64
	Maximum     float64
	Minimum     float64
	Sum         float64
	SampleCount float64
}

// LogStream is one CloudWatch Logs stream with its events, oldest first.
type LogStream struct {
	LogGroupName  string
	LogStreamName string
	Events        []LogEvent
	Extra         map[string]any
}

// LogEvent is one log line.
type LogEvent struct {
	Timestamp     time.Time
	IngestionTime time.Time // zero when the file does not say; then Timestamp is used
	Message       string
}

// Clone returns a deep copy, so a simulator can change its world without
// touching the caller's.
func (w *World) Clone() *World {
	c := *w
	lists := []*[]Object{&c.Clusters, &c.Services, &c.TaskDefinitions, &c.Tasks, &c.ContainerInstances,
		&c.CapacityProviders, &c.AutoScalingGroups, &c.AutoScalingPolicies, &c.ScalableTargets,
		&c.ScalingPolicies, &c.TargetGroups, &c.Alarms}
	for _, l := range lists {
		if *l == nil {
			continue
		}
		out := make([]Object, len(*l))
		for i, o := range *l {
			out[i] = deepCopy(o).(Object)
		}
		*l = out
	}
	c.Extra, _ = deepCopy(w.Extra).(map[string]any)
	c.Metrics = make([]Metric, len(w.Metrics))
	for i, m := range w.Metrics {
		m.Points = append([]Point(nil), m.Points...) // Shift moves them in place; run columns are shared
		m.Dimensions = copyStrings(m.Dimensions)
		m.Extra, _ = deepCopy(m.Extra).(map[string]any)
		c.Metrics[i] = m
	}
	c.Logs = make([]LogStream, len(w.Logs))
	for i, l := range w.Logs {
		l.Events = append([]LogEvent(nil), l.Events...)
		l.Extra, _ = deepCopy(l.Extra).(map[string]any)
		c.Logs[i] = l
	}
	if w.Accounts != nil {
		c.Accounts = make([]*World, len(w.Accounts))
		for i, a := range w.Accounts {
			c.Accounts[i] = a.Clone()
		}
	}
	return &c
}

func copyStrings(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return v
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}

// Shift moves every timestamp in the world by d: ECS objects, events,
// metric points and log events alike.
func (w *World) Shift(d time.Duration) {
	if d == 0 {
		return
	}
	w.Now = w.Now.Add(d)
	for _, l := range [][]Object{w.Clusters, w.Services, w.TaskDefinitions, w.Tasks, w.ContainerInstances,
		w.CapacityProviders, w.AutoScalingGroups, w.AutoScalingPolicies, w.ScalableTargets,
		w.ScalingPolicies, w.TargetGroups, w.Alarms} {
		for _, o := range l {
			shiftValue(o, d)
		}
	}
	for i := range w.Metrics {
		if w.Metrics[i].Run.Len() > 0 {
			w.Metrics[i].Run.Start = w.Metrics[i].Run.Start.Add(d)
		}
		for j := range w.Metrics[i].Points {
			w.Metrics[i].Points[j].Timestamp = w.Metrics[i].Points[j].Timestamp.Add(d)
		}
	}
	for i := range w.Logs {
		for j := range w.Logs[i].Events {
			e := &w.Logs[i].Events[j]
			e.Timestamp = e.Timestamp.Add(d)
			if !e.IngestionTime.IsZero() {
				e.IngestionTime = e.IngestionTime.Add(d)
			}
		}
	}
	for _, a := range w.Accounts {
		a.Shift(d)
	}
}

// shiftValue shifts the time.Time values inside v in place and returns v
// (a time.Time in a slice or map is replaced).
func shiftValue(v any, d time.Duration) any {
	switch v := v.(type) {
	case time.Time:
		return v.Add(d)
	case map[string]any:
		for k, e := range v {
			v[k] = shiftValue(e, d)
		}
	case []any:
		for i, e := range v {
			v[i] = shiftValue(e, d)
		}
	}
	return v
}
