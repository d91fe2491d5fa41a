package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Input helpers. Request.Input holds whatever the wire protocol decoded:
// JSON numbers as float64 or int64, CBOR as int64/float64, awsQuery scalars
// as strings. The helpers hide that difference from handler authors and
// never panic on a value of an unexpected type.

// str returns in[key] as a string, or "" when absent or not a scalar.
func str(in map[string]any, key string) string {
	switch v := in[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// strs returns in[key] as a list of strings. Non-string members are
// skipped; a single string counts as a one-element list.
func strs(in map[string]any, key string) []string {
	switch v := in[key].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			switch e.(type) {
			case string, json.Number, int64, float64, bool:
				out = append(out, str(map[string]any{key: e}, key))
			}
		}
		return out
	case []string:
		return append([]string(nil), v...)
	case string:
		return []string{v}
	}
	return nil
}

// num returns in[key] as a number; ok is false when absent or not numeric.
func num(in map[string]any, key string) (float64, bool) {
	switch v := in[key].(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	case uint64:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// intOf returns in[key] as an integer. ok is false when the key is absent
// (or null); err says why a present value is not a whole number, worded
// for the API caller, so handlers can return it as a validation error.
func intOf(in map[string]any, key string) (int64, bool, error) {
	v, present := in[key]
	if !present || v == nil {
		return 0, false, nil
	}
	bad := fmt.Errorf("%s must be a whole number, got %v", key, v)
	switch v := v.(type) {
	case int64:
		return v, true, nil
	case int:
		return int64(v), true, nil
	case uint64:
		if v > math.MaxInt64 {
			return 0, true, bad
		}
		return int64(v), true, nil
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return 0, true, bad
		}
		return int64(v), true, nil
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return 0, true, bad
		}
		return n, true, nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, true, bad
		}
		return n, true, nil
	}
	return 0, true, bad
}

// boolean returns in[key] as a bool; ok is false when absent or not a
// boolean (awsQuery sends "true"/"false").
func boolean(in map[string]any, key string) (bool, bool) {
	switch v := in[key].(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// obj returns in[key] as a map, or nil.
func obj(in map[string]any, key string) map[string]any {
	m, _ := in[key].(map[string]any)
	return m
}

// objs returns the maps in the list in[key], skipping other members.
func objs(in map[string]any, key string) []map[string]any {
	l, _ := in[key].([]any)
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// newID makes up an id for an object the simulator creates, e.g. a task or
// deployment id: the prefix then 32 hex digits from a counter, so that runs
// are reproducible. Call it with s.wmu held for writing.
func (s *Server) newID(prefix string) string {
	s.ids++
	return fmt.Sprintf("%s%032x", prefix, s.ids)
}

// arn builds an ARN in the world's Region and account, e.g.
// arn("ecs", "task/club/abc").
func (s *Server) arn(service, resource string) string {
	region, account := "us-east-1", "000000000000"
	if s.w != nil {
		if s.w.Region != "" {
			region = s.w.Region
		}
		if s.w.AccountID != "" {
			account = s.w.AccountID
		}
	}
	return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
}
