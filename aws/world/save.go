package world

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Marshal is Encode into memory.
func Marshal(w *World) ([]byte, error) {
	var b bytes.Buffer
	if err := Encode(&b, w); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Save writes w to path (0600: a capture can hold account ids and log
// lines), streaming it to the file.
func Save(path string, w *World) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("saving the world file: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("saving the world file %s: %w", path, cerr)
		}
	}()
	if err := Encode(f, w); err != nil {
		return fmt.Errorf("saving the world file %s: %w", path, err)
	}
	return nil
}

// Encode writes w as a world file: the same shapes Load reads, timestamps
// as RFC 3339 in the zone they carry, so that a saved or captured world
// loads unchanged and reads well. Metric series are written as compact
// runs where their points allow. It streams: each object is turned into
// YAML and written on its own, so the memory it needs is that of the
// largest object, not of the whole document.
func Encode(out io.Writer, w *World) error {
	e := &encoder{w: bufio.NewWriterSize(out, 64<<10)}
	e.pair("version", Version)
	if !w.Now.IsZero() {
		e.pair("now", w.Now)
	}
	if w.Region != "" {
		e.pair("region", w.Region)
	}
	if w.AccountID != "" {
		e.pair("accountId", w.AccountID)
	}
	if w.ExternalID != "" {
		e.pair("externalId", w.ExternalID)
	}
	for _, k := range objectKindOrder {
		list := *objectKinds[k].field(w)
		if len(list) == 0 {
			continue
		}
		e.text(k + ":\n")
		for _, o := range list {
			e.item(o)
		}
	}
	if len(w.Metrics) > 0 {
		e.text("metrics:\n")
		for i := range w.Metrics {
			e.metric(&w.Metrics[i])
		}
	}
	if len(w.Logs) > 0 {
		e.text("logs:\n")
		for _, l := range w.Logs {
			e.item(logYAML(l))
		}
	}
	for _, k := range sortedKeys(w.Extra) {
		e.pair(k, w.Extra[k])
	}
	if len(w.Accounts) > 0 {
		// Each account is a world file of its own, indented as an item:
		// one account at a time in memory.
		e.text("accounts:\n")
		for _, a := range w.Accounts {
			if e.err != nil {
				break
			}
			var b bytes.Buffer
			sub := *a
			sub.Now = time.Time{} // the world's Now
			if err := Encode(&b, &sub); err != nil {
				e.err = err
				break
			}
			e.indented(b.Bytes(), "  - ", "    ")
		}
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	if e.err != nil {
		return fmt.Errorf("writing the world file: %w", e.err)
	}
	return nil
}

// encoder writes a world file piece by piece; the first error sticks.
type encoder struct {
	w   *bufio.Writer
	err error
}

func (e *encoder) text(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

// yaml is the YAML text of one value.
func (e *encoder) yaml(v any) []byte {
	if e.err != nil {
		return nil
	}
	n, err := toNode(v)
	if err != nil {
		e.err = err
		return nil
	}
	b, err := yaml.Marshal(n)
	if err != nil {
		e.err = err
	}
	return b
}

// pair writes one top-level key and its value.
func (e *encoder) pair(key string, v any) {
	e.indented(e.yaml(map[string]any{key: v}), "", "")
}

// item writes one element of a top-level list.
func (e *encoder) item(v any) { e.indented(e.yaml(v), "  - ", "    ") }

// indented writes text with first before its first line and rest before
// the others (empty lines stay empty, so block scalars keep their text).
func (e *encoder) indented(text []byte, first, rest string) {
	prefix := first
	for len(text) > 0 && e.err == nil {
		line, tail, _ := bytes.Cut(text, []byte("\n"))
		if len(line) > 0 {
			e.text(prefix)
		}
		if e.err == nil {
			_, e.err = e.w.Write(line)
		}
		e.text("\n")
		text, prefix = tail, rest
	}
}

// metric writes one series: its keys, then its compact run as flow lists
// of numbers written directly (a yaml.Node a value would cost more than
// the rest of the file), then the points that fit no run.
func (e *encoder) metric(m *Metric) {
	run, points := compact(m)
	head := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v any) {
		n, err := toNode(v)
		if err != nil && e.err == nil {
			e.err = err
		}
		head.Content = append(head.Content, strNode(k), n)
	}
	add("namespace", m.Namespace)
	add("metricName", m.MetricName)
	if len(m.Dimensions) > 0 {
		d := map[string]any{}
		for k, v := range m.Dimensions {
			d[k] = v
		}
		add("dimensions", d)
		head.Content[len(head.Content)-1].Style = yaml.FlowStyle
	}
	if m.Unit != "" {
		add("unit", m.Unit)
	}
	add("period", m.Period)
	for _, k := range sortedKeys(m.Extra) {
		add(k, m.Extra[k])
	}
	if e.err != nil {
		return
	}
	text, err := yaml.Marshal(head)
	if err != nil {
		e.err = err
		return
	}
	var b bytes.Buffer
	b.Write(text)
	if run.Len() > 0 {
		fmt.Fprintf(&b, "start: %q\n", formatTime(run.Start))
		if cols := runColumns(&run); cols == nil {
			b.WriteString("values: ")
			writeColumn(&b, run.Average)
			b.WriteByte('\n')
		} else {
			b.WriteString("stats:\n")
			for k, col := range cols {
				if col != nil {
					b.WriteString("  " + statNames[k] + ": ")
					writeColumn(&b, col)
					b.WriteByte('\n')
				}
			}
		}
	}
	if len(points) > 0 {
		pts := make([]any, len(points))
		for i, p := range points {
			pts[i] = map[string]any{"timestamp": formatTime(p.Timestamp), "average": p.Average, "maximum": p.Maximum,
				"minimum": p.Minimum, "sum": p.Sum, "sampleCount": p.SampleCount}
		}
		b.Write(e.yaml(map[string]any{"points": pts}))
	}
	e.indented(b.Bytes(), "  - ", "    ")
}

// writeColumn writes a flow list of numbers, null for a gap.
func writeColumn(b *bytes.Buffer, col []float64) {
	b.WriteByte('[')
	var num [32]byte
	for i, v := range col {
		if i > 0 {
			b.WriteString(", ")
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.WriteString("null")
			continue
		}
		b.Write(strconv.AppendFloat(num[:0], v, 'g', -1, 64))
	}
	b.WriteByte(']')
}

// runColumns is nil when the run can be written as `values` (every
// statistic of a slot equal, one sample); else the columns to write under
// `stats`: Average always, and each other one only when Load would not
// work it out to the same values from those written (fillPoint).
func runColumns(r *Run) [][]float64 {
	all := [][]float64{r.Average, r.Maximum, r.Minimum, r.Sum, r.SampleCount}
	flat := true
	for i, a := range r.Average {
		if math.IsNaN(a) {
			continue
		}
		if r.Maximum[i] != a || r.Minimum[i] != a || r.Sum[i] != a || (r.SampleCount != nil && r.SampleCount[i] != 1) {
			flat = false
			break
		}
	}
	if flat {
		return nil
	}
	if all[4] == nil {
		ones := make([]float64, r.Len())
		for i := range ones {
			ones[i] = 1
		}
		all[4] = ones
	}
	keep := [5]bool{true, true, true, true, true}
	for _, k := range []int{1, 2, 3, 4} { // Maximum, Minimum, Sum, SampleCount
		keep[k] = false
		if !derives(all, keep) {
			keep[k] = true
		}
	}
	for k := range all {
		if !keep[k] {
			all[k] = nil
		}
	}
	return all
}

// derives says whether Load, given only the columns keep marks, works out
// every column exactly.
func derives(cols [][]float64, keep [5]bool) bool {
	for i, a := range cols[0] {
		if math.IsNaN(a) {
			continue
		}
		pt := Point{Average: a, Maximum: cols[1][i], Minimum: cols[2][i], Sum: cols[3][i], SampleCount: cols[4][i]}
		want := pt
		if !keep[1] {
			pt.Maximum = 0
		}
		if !keep[2] {
			pt.Minimum = 0
		}
		if !keep[3] {
			pt.Sum = 0
		}
		if !keep[4] {
			pt.SampleCount = 0
		}
		fillPoint(&pt, keep)
		if pt != want {
			return false
		}
	}
	return true
}

// compact is m's points as one run on m's period and the points that fit
// it not: a series loaded from `points` is written as a run when they lie
// on its grid.
func compact(m *Metric) (Run, []Point) {
	if m.Run.Len() > 0 || len(m.Points) == 0 || m.Period <= 0 {
		return m.Run, m.Points
	}
	step := time.Duration(m.Period) * time.Second
	start := m.Points[0].Timestamp
	last := m.Points[len(m.Points)-1].Timestamp
	n := int(last.Sub(start)/step) + 1
	if n > 4*len(m.Points)+16 { // mostly gaps: points are smaller
		return m.Run, m.Points
	}
	cols := make([]float64, 5*n)
	for i := range cols {
		cols[i] = math.NaN()
	}
	r := Run{Start: start, Average: cols[:n:n], Maximum: cols[n : 2*n : 2*n], Minimum: cols[2*n : 3*n : 3*n], Sum: cols[3*n : 4*n : 4*n], SampleCount: cols[4*n:]}
	for _, p := range m.Points {
		d := p.Timestamp.Sub(start)
		i := int(d / step)
		if d%step != 0 || i >= n || !math.IsNaN(r.Average[i]) || math.IsNaN(p.Average) {
			return m.Run, m.Points // off the grid, or two points in a slot
		}
		r.Average[i], r.Maximum[i], r.Minimum[i], r.Sum[i], r.SampleCount[i] = p.Average, p.Maximum, p.Minimum, p.Sum, p.SampleCount
	}
	return r, nil
}

func formatTime(t time.Time) string {
	if t.Nanosecond() == 0 {
		return t.Format(time.RFC3339)
	}
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

// toNode builds the YAML of a world value, times as RFC 3339 text. It
// builds the nodes itself rather than hand Go maps to yaml.v3: yaml.v3
// sorts a map's keys from reflect's random order, so the work (and the
// fuzzer's coverage) differed from one run to the next, and it re-read what
// it wrote. Keys are in byte order, compared pairwise so that the work does
// not depend on the map's order either.
func toNode(v any) (*yaml.Node, error) {
	switch v := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	case time.Time:
		return strNode(formatTime(v)), nil
	case string:
		return strNode(v), nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}, nil
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}, nil
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10)}, nil
	case float64:
		return floatNode(v), nil
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range orderedKeys(v) {
			e, err := toNode(v[k])
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, strNode(k), e)
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range v {
			c, err := toNode(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	}
	// Anything else (an SDK value a hand-built world holds) the way
	// yaml.v3 writes it.
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	return &n, nil
}

// strNode is text; yaml.v3 quotes it when it would read as another type,
// and YAML 1.1's yes/no/on/off are quoted too for older readers.
func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func floatNode(f float64) *yaml.Node {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	switch s {
	case "+Inf":
		s = ".inf"
	case "-Inf":
		s = "-.inf"
	case "NaN":
		s = ".nan"
	}
	// No tag: a whole number is written as one (38, not !!float 38), as
	// yaml.v3 writes a float64; the loader reads it back as a number.
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s}
}

// orderedKeys are m's keys in byte order. Small maps (every object of a
// world) are ranked by comparing every pair, which costs the same whatever
// order the map yields; large ones are sorted.
func orderedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) > 64 {
		sort.Strings(keys)
		return keys
	}
	out := make([]string, len(keys))
	for _, k := range keys {
		rank := 0
		for _, o := range keys {
			rank += boolInt(o < k)
		}
		out[rank] = k
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func logYAML(l LogStream) map[string]any {
	o := map[string]any{}
	for k, v := range l.Extra {
		o[k] = v
	}
	o["logGroupName"] = l.LogGroupName
	o["logStreamName"] = l.LogStreamName
	evs := make([]any, len(l.Events))
	for i, e := range l.Events {
		ev := map[string]any{"timestamp": formatTime(e.Timestamp), "message": e.Message}
		if !e.IngestionTime.IsZero() {
			ev["ingestionTime"] = formatTime(e.IngestionTime)
		}
		evs[i] = ev
	}
	o["events"] = evs
	return o
}
