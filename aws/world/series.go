package world

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// metrics reads the `metrics` list (docs/world-format.md, "metrics"). Keys are
// matched without regard to case, so CloudWatch's PascalCase works too.
func (p *parser) metrics(n *yaml.Node) []Metric {
	var out []Metric
	p.eachMapping(n, "metrics", true, "a list of metric series",
		"a metric series (namespace, metricName, dimensions, points or start with values or stats)", func(e *yaml.Node, path string) {
			if m, ok := p.metric(e, path); ok {
				out = append(out, m)
			}
		})
	return out
}

func (p *parser) metric(e *yaml.Node, path string) (Metric, bool) {
	m := Metric{Period: 60}
	var start time.Time
	var startNode, valuesNode, statsNode, pointsNode *yaml.Node
	errs := len(p.errs)
	for i := 0; i+1 < len(e.Content); i += 2 {
		k, v := e.Content[i].Value, resolve(e.Content[i+1])
		sub := path + "." + k
		switch strings.ToLower(k) {
		case "namespace":
			m.Namespace = p.text(v, sub)
		case "metricname":
			m.MetricName = p.text(v, sub)
		case "unit":
			m.Unit = p.text(v, sub)
		case "period":
			var n int
			if v.Kind != yaml.ScalarNode || v.Decode(&n) != nil || n <= 0 {
				p.errorf(v, sub, "expected a positive number of seconds such as 60, got %s", kindName(v))
			} else {
				m.Period = n
			}
		case "dimensions":
			m.Dimensions = p.dimensions(v, sub)
		case "start":
			startNode = v
			start, _ = p.timestamp(v, sub)
		case "values":
			valuesNode = v
		case "stats":
			statsNode = v
		case "points":
			pointsNode = v
		default:
			if m.Extra == nil {
				m.Extra = map[string]any{}
			}
			m.Extra[k] = p.anyValue(v, sub)
		}
	}
	if m.Namespace == "" {
		p.errorf(e, path+".namespace", "missing: every metric series needs a namespace such as AWS/ECS")
	}
	if m.MetricName == "" {
		p.errorf(e, path+".metricName", "missing: every metric series needs a metricName such as CPUUtilization")
	}
	if pointsNode != nil {
		m.Points = append(m.Points, p.points(pointsNode, path+".points")...)
	}
	switch {
	case valuesNode != nil && statsNode != nil:
		p.errorf(statsNode, path+".stats", "a series has either `values` (every statistic the same) or `stats` (one list a statistic), not both")
	case valuesNode != nil && startNode == nil:
		p.errorf(valuesNode, path+".values", "a compact run needs `start`, the time of its first value")
	case statsNode != nil && startNode == nil:
		p.errorf(statsNode, path+".stats", "a compact run needs `start`, the time of its first value")
	case valuesNode != nil:
		m.Run = p.run(valuesNode, path+".values", start)
	case statsNode != nil:
		m.Run = p.stats(statsNode, path+".stats", start)
	case startNode != nil:
		p.errorf(startNode, path+".start", "`start` goes with `values` or `stats`, the compact run it starts")
	}
	sort.SliceStable(m.Points, func(i, j int) bool { return m.Points[i].Timestamp.Before(m.Points[j].Timestamp) })
	return m, len(p.errs) == errs
}

// dimensions accepts the spec's mapping {ClusterName: x} and, for pasted
// CloudWatch output, a list of {Name, Value}.
func (p *parser) dimensions(v *yaml.Node, path string) map[string]string {
	d := map[string]string{}
	switch v.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			d[v.Content[i].Value] = p.text(v.Content[i+1], path+"."+v.Content[i].Value)
		}
	case yaml.SequenceNode:
		for i, e := range v.Content {
			e = resolve(e)
			var name, value string
			for j := 0; e.Kind == yaml.MappingNode && j+1 < len(e.Content); j += 2 {
				switch strings.ToLower(e.Content[j].Value) {
				case "name":
					name = resolve(e.Content[j+1]).Value
				case "value":
					value = resolve(e.Content[j+1]).Value
				}
			}
			if name == "" {
				p.errorf(e, fmt.Sprintf("%s[%d]", path, i), "expected {Name: …, Value: …}")
				continue
			}
			d[name] = value
		}
	default:
		p.errorf(v, path, "expected a mapping such as {ClusterName: demo, ServiceName: api}, got a %s", kindName(v))
	}
	return d
}

func (p *parser) points(v *yaml.Node, path string) []Point {
	var out []Point
	p.eachMapping(v, path, false, "a list of points", "a point such as {timestamp: …, average: 97.8}", func(e *yaml.Node, sub string) {
		var pt Point
		var have [5]bool // average, maximum, minimum, sum, sampleCount
		var haveTime bool
		for j := 0; j+1 < len(e.Content); j += 2 {
			k, val := e.Content[j].Value, resolve(e.Content[j+1])
			key := strings.ToLower(k)
			if key == "timestamp" {
				pt.Timestamp, haveTime = p.timestamp(val, sub+"."+k)
				continue
			}
			idx, known := statIndex[key]
			if !known {
				continue // unknown keys on a point carry nothing we serve
			}
			f, ok := p.number(val, sub+"."+k)
			if !ok {
				continue
			}
			have[idx] = true
			switch idx {
			case 0:
				pt.Average = f
			case 1:
				pt.Maximum = f
			case 2:
				pt.Minimum = f
			case 3:
				pt.Sum = f
			case 4:
				pt.SampleCount = f
			}
		}
		if !haveTime {
			if !hasKey(e, "timestamp") {
				p.errorf(e, sub+".timestamp", "missing: every point needs a timestamp")
			}
			return
		}
		if !(have[0] || have[1] || have[2] || have[3]) {
			p.errorf(e, sub, "a point needs at least one of average, maximum, minimum or sum")
			return
		}
		fillPoint(&pt, have)
		out = append(out, pt)
	})
	return out
}

var statIndex = map[string]int{"average": 0, "maximum": 1, "minimum": 2, "sum": 3, "samplecount": 4}

func hasKey(m *yaml.Node, key string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			return true
		}
	}
	return false
}

// fillPoint derives the statistics a point leaves out from those it gives,
// so every request can be answered. The spec is silent here; this is the
// least surprising reading: one sample unless told otherwise, and the
// average standing in for a missing maximum or minimum.
func fillPoint(pt *Point, have [5]bool) {
	if !have[4] {
		pt.SampleCount = 1
		if have[0] && have[3] && pt.Average != 0 {
			pt.SampleCount = math.Max(1, math.Round(pt.Sum/pt.Average))
		}
	}
	if !have[0] {
		switch {
		case have[3]:
			pt.Average = pt.Sum / pt.SampleCount
		case have[1] && have[2]:
			pt.Average = (pt.Maximum + pt.Minimum) / 2
		case have[1]:
			pt.Average = pt.Maximum
		default:
			pt.Average = pt.Minimum
		}
	}
	if !have[1] {
		pt.Maximum = pt.Average
	}
	if !have[2] {
		pt.Minimum = pt.Average
	}
	if !have[3] {
		pt.Sum = pt.Average * pt.SampleCount
	}
}

// run reads a `values` run: one value per period from start, standing for
// every statistic of its point; a null is a gap (no data that minute). The
// four statistics share the column.
func (p *parser) run(v *yaml.Node, path string, start time.Time) Run {
	col := p.column(v, path)
	return Run{Start: start, Average: col, Maximum: col, Minimum: col, Sum: col}
}

// column reads a list of numbers and nulls; a null is NaN.
func (p *parser) column(v *yaml.Node, path string) []float64 {
	if v.Kind != yaml.SequenceNode {
		p.errorf(v, path, "expected a list of numbers, got a %s", kindName(v))
		return nil
	}
	out := make([]float64, len(v.Content))
	for i, e := range v.Content {
		e = resolve(e)
		out[i] = math.NaN()
		if e.Kind == yaml.ScalarNode && e.Tag == "!!null" {
			continue
		}
		// The path is spelt out only for a value that is wrong: a
		// string a value would cost more than the value.
		if f, ok := parseNumber(e); ok {
			out[i] = f
		} else {
			p.number(e, fmt.Sprintf("%s[%d]", path, i))
		}
	}
	return out
}

// statNames are the statistics a `stats` run may list, as CloudWatch
// names them, in the order of statIndex.
var statNames = [5]string{"Average", "Maximum", "Minimum", "Sum", "SampleCount"}

// stats reads a `stats` run: a list a statistic, all of one length. A slot
// null in every list is a gap; the statistics a slot leaves out are worked
// out as for a point (fillPoint).
func (p *parser) stats(v *yaml.Node, path string, start time.Time) Run {
	if v.Kind != yaml.MappingNode {
		p.errorf(v, path, "expected a mapping of statistics such as {Average: [41, 43], Maximum: [60, 71]}, got a %s", kindName(v))
		return Run{}
	}
	var cols [5][]float64
	var nodes [5]*yaml.Node
	n, errs := -1, len(p.errs)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i].Value, resolve(v.Content[i+1])
		idx, ok := statIndex[strings.ToLower(k)]
		if !ok {
			p.errorf(v.Content[i], path+"."+k, "unknown statistic %q; use Average, Maximum, Minimum, Sum or SampleCount", k)
			continue
		}
		cols[idx], nodes[idx] = p.column(val, path+"."+k), val
		if n >= 0 && len(cols[idx]) != n {
			p.errorf(val, path+"."+k, "this list has %d values and the one before it %d; every statistic needs one value (or null) a slot", len(cols[idx]), n)
		}
		n = len(cols[idx])
	}
	if n < 0 {
		p.errorf(v, path, "no statistic: give at least Average, Maximum, Minimum or Sum")
	}
	if len(p.errs) > errs {
		return Run{}
	}
	for k := range cols {
		if cols[k] == nil {
			cols[k] = make([]float64, n)
		}
	}
	for k := range cols {
		if nodes[k] == nil { // not given: worked out in every slot
			for i := range cols[k] {
				cols[k][i] = math.NaN()
			}
		}
	}
	for i := range n {
		if math.IsNaN(cols[0][i]) && math.IsNaN(cols[1][i]) && math.IsNaN(cols[2][i]) && math.IsNaN(cols[3][i]) && !math.IsNaN(cols[4][i]) {
			p.errorf(nodes[4], fmt.Sprintf("%s.SampleCount[%d]", path, i), "a slot needs at least one of Average, Maximum, Minimum or Sum besides its SampleCount")
		}
	}
	r := Run{Start: start, Average: cols[0], Maximum: cols[1], Minimum: cols[2], Sum: cols[3], SampleCount: cols[4]}
	r.Fill()
	return r
}

// Fill works out, in every slot of r with data, the statistics that are
// NaN from those that are not, as Load does for a point (fillPoint); a
// slot with none of Average, Maximum, Minimum and Sum becomes a gap. The
// run needs its SampleCount column.
func (r *Run) Fill() {
	cols := [5][]float64{r.Average, r.Maximum, r.Minimum, r.Sum, r.SampleCount}
	for i := range r.Average {
		var have [5]bool
		for k := range cols {
			have[k] = !math.IsNaN(cols[k][i])
		}
		if !(have[0] || have[1] || have[2] || have[3]) {
			for k := range cols {
				cols[k][i] = math.NaN()
			}
			continue
		}
		pt := Point{Average: r.Average[i], Maximum: r.Maximum[i], Minimum: r.Minimum[i], Sum: r.Sum[i], SampleCount: r.SampleCount[i]}
		fillPoint(&pt, have)
		r.Average[i], r.Maximum[i], r.Minimum[i], r.Sum[i], r.SampleCount[i] = pt.Average, pt.Maximum, pt.Minimum, pt.Sum, pt.SampleCount
	}
}

func (p *parser) number(v *yaml.Node, path string) (float64, bool) {
	if f, ok := parseNumber(v); ok {
		return f, true
	}
	p.errorf(v, path, "expected a number, got %s", kindName(v))
	return 0, false
}

// parseNumber reads a finite number.
func parseNumber(v *yaml.Node) (float64, bool) {
	if v.Kind == yaml.ScalarNode {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v.Value), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, true
		}
	}
	return 0, false
}

// logs reads the `logs` list (docs/world-format.md, "logs").
func (p *parser) logs(n *yaml.Node) []LogStream {
	var out []LogStream
	p.eachMapping(n, "logs", true, "a list of log streams", "a log stream (logGroupName, logStreamName, events)", func(e *yaml.Node, path string) {
		var s LogStream
		for j := 0; j+1 < len(e.Content); j += 2 {
			k, v := e.Content[j].Value, resolve(e.Content[j+1])
			sub := path + "." + k
			switch strings.ToLower(k) {
			case "loggroupname":
				s.LogGroupName = p.text(v, sub)
			case "logstreamname":
				s.LogStreamName = p.text(v, sub)
			case "events":
				s.Events = p.logEvents(v, sub)
			default:
				if s.Extra == nil {
					s.Extra = map[string]any{}
				}
				s.Extra[k] = p.anyValue(v, sub)
			}
		}
		if s.LogGroupName == "" || s.LogStreamName == "" {
			p.errorf(e, path, "a log stream needs both logGroupName and logStreamName")
			return
		}
		sort.SliceStable(s.Events, func(a, b int) bool { return s.Events[a].Timestamp.Before(s.Events[b].Timestamp) })
		out = append(out, s)
	})
	return out
}

func (p *parser) logEvents(v *yaml.Node, path string) []LogEvent {
	var out []LogEvent
	p.eachMapping(v, path, false, "a list of events", "{timestamp: …, message: …}", func(e *yaml.Node, sub string) {
		var ev LogEvent
		ok := false
		for j := 0; j+1 < len(e.Content); j += 2 {
			k, val := e.Content[j].Value, resolve(e.Content[j+1])
			switch strings.ToLower(k) {
			case "timestamp":
				ev.Timestamp, ok = p.logTime(val, sub+"."+k)
			case "ingestiontime":
				ev.IngestionTime, _ = p.logTime(val, sub+"."+k)
			case "message":
				ev.Message = p.text(val, sub+"."+k)
			}
		}
		if !ok {
			if !hasKey(e, "timestamp") {
				p.errorf(e, sub+".timestamp", "missing: every log event needs a timestamp")
			}
			return
		}
		out = append(out, ev)
	})
	return out
}

// logTime accepts RFC 3339 and, as CloudWatch Logs sends them, epoch
// milliseconds (a number larger than any plausible epoch-seconds value).
func (p *parser) logTime(v *yaml.Node, path string) (time.Time, bool) {
	if v.Kind == yaml.ScalarNode && isNumber(v.Value) {
		if ms, err := strconv.ParseInt(v.Value, 10, 64); err == nil && ms > 1e11 {
			return time.UnixMilli(ms).UTC(), true
		}
	}
	return p.timestamp(v, path)
}
