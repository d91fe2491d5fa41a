package world

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Marshal writes w as a world file: the same shapes Load reads, timestamps
// as RFC 3339 in the zone they carry, so that a saved or captured world
// loads unchanged and reads well.
func Marshal(w *World) ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v any) error {
		n, err := toNode(v)
		if err != nil {
			return fmt.Errorf("writing %s of the world file: %w", key, err)
		}
		root.Content = append(root.Content, strNode(key), n)
		return nil
	}
	if err := add("version", Version); err != nil {
		return nil, err
	}
	if !w.Now.IsZero() {
		_ = add("now", w.Now)
	}
	if w.Region != "" {
		_ = add("region", w.Region)
	}
	if w.AccountID != "" {
		_ = add("accountId", w.AccountID)
	}
	for _, k := range objectKindOrder {
		list := *objectKinds[k].field(w)
		if len(list) == 0 {
			continue
		}
		l := make([]any, len(list))
		for i, o := range list {
			l[i] = o
		}
		if err := add(k, l); err != nil {
			return nil, err
		}
	}
	if len(w.Metrics) > 0 {
		if err := add("metrics", metricsYAML(w.Metrics)); err != nil {
			return nil, err
		}
	}
	if len(w.Logs) > 0 {
		if err := add("logs", logsYAML(w.Logs)); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(w.Extra) {
		if err := add(k, w.Extra[k]); err != nil {
			return nil, err
		}
	}
	out, err := yaml.Marshal(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}})
	if err != nil {
		return nil, fmt.Errorf("writing the world file: %w", err)
	}
	return out, nil
}

// Save writes w to path (0600: a capture can hold account ids and log lines).
func Save(path string, w *World) error {
	data, err := Marshal(w)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("saving the world file: %w", err)
	}
	return nil
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

func metricsYAML(ms []Metric) []any {
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		o := map[string]any{}
		for k, v := range m.Extra {
			o[k] = v
		}
		o["namespace"] = m.Namespace
		o["metricName"] = m.MetricName
		if len(m.Dimensions) > 0 {
			d := map[string]any{}
			for k, v := range m.Dimensions {
				d[k] = v
			}
			o["dimensions"] = d
		}
		if m.Unit != "" {
			o["unit"] = m.Unit
		}
		o["period"] = m.Period
		pts := make([]any, len(m.Points))
		for i, p := range m.Points {
			pts[i] = map[string]any{"timestamp": formatTime(p.Timestamp), "average": p.Average, "maximum": p.Maximum,
				"minimum": p.Minimum, "sum": p.Sum, "sampleCount": p.SampleCount}
		}
		o["points"] = pts
		out = append(out, o)
	}
	return out
}

func logsYAML(ls []LogStream) []any {
	out := make([]any, 0, len(ls))
	for _, l := range ls {
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
		out = append(out, o)
	}
	return out
}
