package sim

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// Shared pieces of the ECS handlers: lookups by name or ARN, number
// reading from stored objects, paging and output copies.

// ecsInt reads a stored or decoded number of any of the shapes a world or
// a wire protocol gives (int64, float64, json.Number, numeric string).
func ecsInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case float64:
		if v != math.Trunc(v) || math.IsInf(v, 0) {
			return 0, false
		}
		return int64(v), true
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// ecsS returns o[key] when it is a string.
func ecsS(o map[string]any, key string) string {
	s, _ := o[key].(string)
	return s
}

// ecsList returns the maps in the list o[key] (which may be []any or
// []map[string]any, depending on who built it).
func ecsList(o map[string]any, key string) []map[string]any {
	switch l := o[key].(type) {
	case []any:
		out := make([]map[string]any, 0, len(l))
		for _, e := range l {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	case []map[string]any:
		return l
	}
	return nil
}

// ecsAnyList turns maps back into the []any a world stores.
func ecsAnyList(l []map[string]any) []any {
	out := make([]any, len(l))
	for i, m := range l {
		out[i] = m
	}
	return out
}

// ecsLast returns what follows the last "/" of an ARN (or the whole
// string when there is none): the name or id.
func ecsLast(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func ecsIsARN(s string) bool { return strings.HasPrefix(s, "arn:") }

// ecsCopy deep-copies a value of a world object, so that output can be
// trimmed without touching the world.
func ecsCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = ecsCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = ecsCopy(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = ecsCopy(e)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = e
		}
		return out
	}
	return v
}

func ecsCopyObj(o world.Object) map[string]any {
	return ecsCopy(o).(map[string]any)
}

// ecsNormalise turns decoded input into the value types a loaded world
// holds (whole numbers as int64), so stored input reads like stored
// world data.
func ecsNormalise(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = ecsNormalise(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = ecsNormalise(e)
		}
		return out
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
		return v
	case int:
		return int64(v)
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	}
	return v
}

func (s *Server) ecsAccount() string {
	if s.w != nil && s.w.AccountID != "" {
		return s.w.AccountID
	}
	return "000000000000"
}

// ecsIncludes reports whether the include list of the input names what.
func ecsIncludes(in map[string]any, what string) bool {
	for _, v := range strs(in, "include") {
		if v == what {
			return true
		}
	}
	return false
}

func ecsMissing(arn string) map[string]any {
	return map[string]any{"arn": arn, "reason": "MISSING"}
}

// ecsOut returns the output copy of o, with its tags only when the
// caller asked for them (as AWS does).
func ecsOut(o world.Object, keepTags bool) map[string]any {
	c := ecsCopyObj(o)
	if !keepTags {
		delete(c, "tags")
	} else if _, ok := c["tags"]; !ok {
		c["tags"] = []any{}
	}
	return c
}

// ecsPage cuts one page out of items. The token is the offset, opaque
// to callers as on AWS.
func ecsPage(items []string, in map[string]any, def int64) ([]string, string, error) {
	start, end, next, err := ecsPageRange(len(items), in, def)
	if err != nil {
		return nil, "", err
	}
	return items[start:end], next, nil
}

// ecsPageRange is ecsPage on positions: the page is [start, end).
func ecsPageRange(n int, in map[string]any, def int64) (start, end int, next string, err error) {
	limit := def
	if m, ok, err := intOf(in, "maxResults"); err != nil {
		return 0, 0, "", errorf("InvalidParameterException", "maxResults must be a whole number between 1 and 100.")
	} else if ok {
		if m < 1 || m > 100 {
			return 0, 0, "", errorf("InvalidParameterException", "maxResults must be between 1 and 100, but was %d.", m)
		}
		limit = m
	}
	if tok := str(in, "nextToken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		rest, found := strings.CutPrefix(string(raw), "ecsmedic-sim:")
		v, err2 := strconv.Atoi(rest)
		if err != nil || err2 != nil || !found || v < 0 || v > n {
			return 0, 0, "", errorf("InvalidParameterException", "Invalid nextToken: it was not returned by an earlier call.")
		}
		start = v
	}
	end = start + int(limit)
	if end >= n {
		return start, n, "", nil
	}
	return start, end, base64.RawURLEncoding.EncodeToString([]byte("ecsmedic-sim:" + strconv.Itoa(end))), nil
}

// ecsListOut builds a List* answer: the page under key, and nextToken when
// there is more.
func ecsListOut(key string, items []string, next string) map[string]any {
	out := map[string]any{key: ecsCopy(append([]string{}, items...))}
	if next != "" {
		out["nextToken"] = next
	}
	return out
}

// ecsEventID makes an id in the UUID shape ECS uses for service events.
func (s *Server) ecsEventID() string {
	h := s.newID("")
	h = h[len(h)-32:]
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ecsAddEvent puts a service event first, keeping the 100 newest as
// DescribeServices does.
func (s *Server) ecsAddEvent(svc world.Object, now time.Time, msg string) {
	ev := map[string]any{"id": s.ecsEventID(), "createdAt": now, "message": msg}
	old, _ := svc["events"].([]any)
	events := make([]any, 0, len(old)+1)
	events = append(events, ev)
	events = append(events, old...)
	if len(events) > 100 {
		events = events[:100]
	}
	svc["events"] = events
}
