package world

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Marshal writes w as a world file: the same shapes Load reads, timestamps
// as RFC 3339 in the zone they carry, so that a saved or captured world
// loads unchanged and reads well.
func Marshal(w *World) ([]byte, error) {
	// Each top-level key is written on its own and the texts joined, which
	// keeps the keys in the format's order. (yaml.Node.Encode would too,
	// but it writes and re-reads each part: most of the fuzzer's time.)
	var out bytes.Buffer
	add := func(key string, v any) error {
		b, err := yaml.Marshal(map[string]any{key: toYAML(v)})
		if err != nil {
			return fmt.Errorf("writing %s of the world file: %w", key, err)
		}
		out.Write(b)
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
	return out.Bytes(), nil
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

// toYAML replaces times with their RFC 3339 text; yaml.v3 would otherwise
// write them in its own layout.
func toYAML(v any) any {
	switch v := v.(type) {
	case time.Time:
		return formatTime(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = toYAML(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = toYAML(e)
		}
		return out
	}
	return v
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
