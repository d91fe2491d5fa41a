package sim

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// CloudWatch Logs: log groups are the distinct group names of the world's
// streams. Logs sends every timestamp as epoch milliseconds (a long), not
// as a timestamp type, so the handlers answer with int64s.

func init() {
	register(SvcLogs, "DescribeLogGroups", false, describeLogGroups)
	register(SvcLogs, "DescribeLogStreams", false, describeLogStreams)
	register(SvcLogs, "GetLogEvents", false, getLogEvents)
	register(SvcLogs, "FilterLogEvents", false, filterLogEvents)
}

const (
	logsDescribeLimit = 50
	logsEventLimit    = 10000
	logGroupNotFound  = "The specified log group does not exist."
	logStreamNotFound = "The specified log stream does not exist."
)

func epochMs(t time.Time) int64 { return t.UnixMilli() }

func fromEpochMs(v int64) time.Time { return time.UnixMilli(v) }

// logGroupArg resolves logGroupName or logGroupIdentifier (a name or an
// ARN) and checks that the group exists.
func logGroupArg(s *Server, in map[string]any) (string, error) {
	name, id := str(in, "logGroupName"), str(in, "logGroupIdentifier")
	if name != "" && id != "" {
		return "", errorf("InvalidParameterException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	}
	if id != "" {
		name = logGroupFromARN(id)
	}
	if name == "" {
		return "", errorf("InvalidParameterException", "Either logGroupName or logGroupIdentifier is required.")
	}
	for _, l := range s.w.Logs {
		if l.LogGroupName == name {
			return name, nil
		}
	}
	return "", errorf("ResourceNotFoundException", logGroupNotFound)
}

// logGroupFromARN takes the name out of arn:aws:logs:R:A:log-group:NAME[:*];
// anything else is taken as a name.
func logGroupFromARN(id string) string {
	if !strings.HasPrefix(id, "arn:") {
		return id
	}
	_, rest, ok := strings.Cut(id, ":log-group:")
	if !ok {
		return id
	}
	return strings.TrimSuffix(rest, ":*")
}

// logsLimit reads an optional limit within [1, hi], def when absent.
func logsLimit(in map[string]any, key string, def, hi int64, code string) (int, error) {
	n, ok, err := intOf(in, key)
	if err != nil || (ok && (n < 1 || n > hi)) {
		return 0, errorf(code, "%s must be between 1 and %d.", key, hi)
	}
	if !ok {
		n = def
	}
	return int(n), nil
}

// extraMs reads a time the world file kept in a stream's extra keys, as
// epoch milliseconds (what the CLI prints) or a timestamp.
func extraMs(extra map[string]any, key string) (int64, bool) {
	switch v := extra[key].(type) {
	case time.Time:
		return epochMs(v), true
	case int64:
		return v, true
	case float64:
		return int64(v), true
	}
	return 0, false
}

func streamCreation(l *world.LogStream, now time.Time) int64 {
	if v, ok := extraMs(l.Extra, "creationTime"); ok {
		return v
	}
	if len(l.Events) > 0 {
		return epochMs(l.Events[0].Timestamp)
	}
	return epochMs(now)
}

func ingestedAt(e world.LogEvent) time.Time {
	if e.IngestionTime.IsZero() {
		return e.Timestamp
	}
	return e.IngestionTime
}

func streamBytes(l *world.LogStream) int64 {
	var n int64
	for _, e := range l.Events {
		n += int64(len(e.Message))
	}
	return n
}

func describeLogGroups(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	prefix, pattern := str(in, "logGroupNamePrefix"), str(in, "logGroupNamePattern")
	ids := strs(in, "logGroupIdentifiers")
	if (prefix != "" && pattern != "") || (len(ids) > 0 && (prefix != "" || pattern != "")) {
		return nil, errorf("InvalidParameterException", "logGroupNamePrefix, logGroupNamePattern and logGroupIdentifiers are mutually exclusive.")
	}
	limit, err := logsLimit(in, "limit", logsDescribeLimit, logsDescribeLimit, "InvalidParameterException")
	if err != nil {
		return nil, err
	}
	offset, err := offsetToken(str(in, "nextToken"), "InvalidParameterException")
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[logGroupFromARN(id)] = true
	}
	type group struct {
		created, bytes int64
	}
	groups := map[string]*group{}
	var names []string
	for i := range s.w.Logs {
		l := &s.w.Logs[i]
		g := groups[l.LogGroupName]
		if g == nil {
			g = &group{created: streamCreation(l, r.Now)}
			groups[l.LogGroupName] = g
			names = append(names, l.LogGroupName)
		}
		g.created = min(g.created, streamCreation(l, r.Now))
		g.bytes += streamBytes(l)
	}
	slices.Sort(names) // AWS lists groups in name order
	var found []any
	for _, n := range names {
		if !strings.HasPrefix(n, prefix) || (pattern != "" && !strings.Contains(strings.ToLower(n), strings.ToLower(pattern))) {
			continue
		}
		if len(ids) > 0 && !want[n] {
			continue
		}
		arn := s.arn("logs", "log-group:"+n)
		found = append(found, map[string]any{
			"logGroupName":      n,
			"creationTime":      groups[n].created,
			"metricFilterCount": int64(0),
			"arn":               arn + ":*",
			"logGroupArn":       arn,
			"storedBytes":       groups[n].bytes,
			"logGroupClass":     "STANDARD",
		})
	}
	page, next := pageAt(found, offset, limit)
	out := map[string]any{"logGroups": page}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func describeLogStreams(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	group, err := logGroupArg(s, in)
	if err != nil {
		return nil, err
	}
	prefix, order := str(in, "logStreamNamePrefix"), str(in, "orderBy")
	switch order {
	case "", "LogStreamName":
		order = "LogStreamName"
	case "LastEventTime":
		if prefix != "" {
			return nil, errorf("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return nil, errorf("InvalidParameterException", "orderBy must be LogStreamName or LastEventTime, got %q.", order)
	}
	desc, _ := boolean(in, "descending")
	limit, err := logsLimit(in, "limit", logsDescribeLimit, logsDescribeLimit, "InvalidParameterException")
	if err != nil {
		return nil, err
	}
	offset, err := offsetToken(str(in, "nextToken"), "InvalidParameterException")
	if err != nil {
		return nil, err
	}
	var streams []*world.LogStream
	for i := range s.w.Logs {
		l := &s.w.Logs[i]
		if l.LogGroupName == group && strings.HasPrefix(l.LogStreamName, prefix) {
			streams = append(streams, l)
		}
	}
	slices.SortStableFunc(streams, func(a, b *world.LogStream) int {
		c := strings.Compare(a.LogStreamName, b.LogStreamName)
		if order == "LastEventTime" {
			c = compareLastEvent(a, b)
		}
		if desc {
			c = -c
		}
		return c
	})
	found := make([]any, 0, len(streams))
	for _, l := range streams {
		o := map[string]any{
			"logStreamName": l.LogStreamName,
			"creationTime":  streamCreation(l, r.Now),
			"arn":           s.arn("logs", "log-group:"+l.LogGroupName+":log-stream:"+l.LogStreamName),
			"storedBytes":   streamBytes(l),
		}
		if n := len(l.Events); n > 0 {
			last := l.Events[n-1]
			o["firstEventTimestamp"] = epochMs(l.Events[0].Timestamp)
			o["lastEventTimestamp"] = epochMs(last.Timestamp)
			o["lastIngestionTime"] = epochMs(ingestedAt(last))
		}
		found = append(found, o)
	}
	page, next := pageAt(found, offset, limit)
	out := map[string]any{"logStreams": page}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// compareLastEvent orders streams by their last event; empty streams first.
func compareLastEvent(a, b *world.LogStream) int {
	last := func(l *world.LogStream) time.Time {
		if len(l.Events) == 0 {
			return time.Time{}
		}
		return l.Events[len(l.Events)-1].Timestamp
	}
	return last(a).Compare(last(b))
}

// logsTimeRange reads startTime and endTime (epoch ms; start inclusive, end
// exclusive, as Logs documents).
func logsTimeRange(in map[string]any) (time.Time, time.Time, error) {
	start, end := time.Time{}, time.Unix(1<<40, 0)
	if v, ok, err := intOf(in, "startTime"); err != nil || (ok && v < 0) {
		return start, end, errorf("InvalidParameterException", "startTime must be epoch milliseconds, not negative.")
	} else if ok {
		start = fromEpochMs(v)
	}
	if v, ok, err := intOf(in, "endTime"); err != nil || (ok && v < 0) {
		return start, end, errorf("InvalidParameterException", "endTime must be epoch milliseconds, not negative.")
	} else if ok {
		end = fromEpochMs(v)
	}
	return start, end, nil
}

func findStream(s *Server, group, name string) *world.LogStream {
	for i := range s.w.Logs {
		if l := &s.w.Logs[i]; l.LogGroupName == group && l.LogStreamName == name {
			return l
		}
	}
	return nil
}

// GetLogEvents tokens are "f/N" (the next page starts at event N of the
// stream) and "b/N" (the previous page ends before event N). At either end
// the same token comes back, which is how AWS tells callers to stop.
func getLogEvents(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	group, err := logGroupArg(s, in)
	if err != nil {
		return nil, err
	}
	name := str(in, "logStreamName")
	if name == "" {
		return nil, errorf("InvalidParameterException", "logStreamName is required.")
	}
	l := findStream(s, group, name)
	if l == nil {
		return nil, errorf("ResourceNotFoundException", logStreamNotFound)
	}
	start, end, err := logsTimeRange(in)
	if err != nil {
		return nil, err
	}
	limit, err := logsLimit(in, "limit", logsEventLimit, logsEventLimit, "InvalidParameterException")
	if err != nil {
		return nil, err
	}
	// The window as a range of event positions; events are oldest first.
	lo, hi := len(l.Events), 0
	for i, e := range l.Events {
		if !e.Timestamp.Before(start) && e.Timestamp.Before(end) {
			lo, hi = min(lo, i), i+1
		}
	}
	if lo > hi {
		lo, hi = 0, 0
	}
	head, _ := boolean(in, "startFromHead")
	var from, to int
	switch tok := str(in, "nextToken"); {
	case tok == "" && head:
		from, to = lo, min(lo+limit, hi)
	case tok == "":
		from, to = max(lo, hi-limit), hi
	default:
		dir, n, ok := logToken(tok)
		if !ok {
			return nil, errorf("InvalidParameterException", "The specified nextToken is invalid.")
		}
		if dir == 'f' {
			from = clampInt(n, lo, hi)
			to = min(from+limit, hi)
		} else {
			to = clampInt(n, lo, hi)
			from = max(lo, to-limit)
		}
	}
	events := make([]any, 0, to-from)
	for _, e := range l.Events[from:to] {
		if e.Timestamp.Before(start) || !e.Timestamp.Before(end) {
			continue // out-of-order events inside the position range
		}
		events = append(events, map[string]any{
			"timestamp":     epochMs(e.Timestamp),
			"message":       e.Message,
			"ingestionTime": epochMs(ingestedAt(e)),
		})
	}
	return map[string]any{
		"events":            events,
		"nextForwardToken":  fmt.Sprintf("f/%056d", to),
		"nextBackwardToken": fmt.Sprintf("b/%056d", from),
	}, nil
}

func logToken(tok string) (byte, int, bool) {
	if len(tok) < 3 || (tok[0] != 'f' && tok[0] != 'b') || tok[1] != '/' {
		return 0, 0, false
	}
	n, err := strconv.Atoi(tok[2:])
	if err != nil || n < 0 {
		return 0, 0, false
	}
	return tok[0], n, true
}

func filterLogEvents(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	group, err := logGroupArg(s, in)
	if err != nil {
		return nil, err
	}
	names, prefix := strs(in, "logStreamNames"), str(in, "logStreamNamePrefix")
	if len(names) > 0 && prefix != "" {
		return nil, errorf("InvalidParameterException", "logStreamNames and logStreamNamePrefix are mutually exclusive.")
	}
	if len(names) > 100 {
		return nil, errorf("InvalidParameterException", "logStreamNames may name at most 100 streams.")
	}
	match, err := parseFilterPattern(str(in, "filterPattern"))
	if err != nil {
		return nil, err
	}
	start, end, err := logsTimeRange(in)
	if err != nil {
		return nil, err
	}
	limit, err := logsLimit(in, "limit", logsEventLimit, logsEventLimit, "InvalidParameterException")
	if err != nil {
		return nil, err
	}
	offset, err := offsetToken(str(in, "nextToken"), "InvalidParameterException")
	if err != nil {
		return nil, err
	}
	type hit struct {
		at     time.Time
		stream int
		event  int
	}
	var hits []hit
	for si := range s.w.Logs {
		l := &s.w.Logs[si]
		if l.LogGroupName != group || !strings.HasPrefix(l.LogStreamName, prefix) {
			continue
		}
		if len(names) > 0 && !slices.Contains(names, l.LogStreamName) {
			continue
		}
		for ei, e := range l.Events {
			if !e.Timestamp.Before(start) && e.Timestamp.Before(end) && match(e.Message) {
				hits = append(hits, hit{e.Timestamp, si, ei})
			}
		}
	}
	// Interleaved across streams by time, as FilterLogEvents returns them.
	slices.SortStableFunc(hits, func(a, b hit) int { return a.at.Compare(b.at) })
	found := make([]any, 0, len(hits))
	for _, h := range hits {
		l := &s.w.Logs[h.stream]
		e := l.Events[h.event]
		found = append(found, map[string]any{
			"logStreamName": l.LogStreamName,
			"timestamp":     epochMs(e.Timestamp),
			"message":       e.Message,
			"ingestionTime": epochMs(ingestedAt(e)),
			// Digits like AWS's event ids, stable for a given world.
			"eventId": fmt.Sprintf("%d%06d%08d", epochMs(e.Timestamp), h.stream, h.event),
		})
	}
	page, next := pageAt(found, offset, limit)
	out := map[string]any{"events": page, "searchedLogStreams": []any{}}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// parseFilterPattern understands the term syntax of CloudWatch Logs
// filter patterns: plain terms and "quoted phrases" (all must appear,
// case-sensitive), ?term (at least one of them), -term (none of them), and
// %regex%. JSON ({ $.x = … }) and space-delimited ([a, b]) patterns are
// refused rather than half-simulated.
func parseFilterPattern(p string) (func(string) bool, error) {
	p = strings.TrimSpace(p)
	bad := func(why string) error {
		return errorf("InvalidParameterException", "Invalid filter pattern %q: %s.", p, why)
	}
	switch {
	case p == "":
		return func(string) bool { return true }, nil
	case len(p) >= 2 && p[0] == '%' && p[len(p)-1] == '%':
		re, err := regexp.Compile(p[1 : len(p)-1])
		if err != nil {
			return nil, bad("the regular expression does not compile")
		}
		return re.MatchString, nil
	case p[0] == '{' || p[0] == '[':
		return nil, bad("JSON and space-delimited patterns are not supported by the simulator; use terms and quoted phrases")
	}
	var all, some, none []string
	for rest := p; ; {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			break
		}
		kind := byte(0)
		if rest[0] == '?' || rest[0] == '-' {
			kind, rest = rest[0], rest[1:]
		}
		var term string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, bad("a quoted phrase is not closed")
			}
			term, rest = rest[1:end+1], rest[end+2:]
		} else {
			end := strings.IndexAny(rest, " \t")
			if end < 0 {
				end = len(rest)
			}
			term, rest = rest[:end], rest[end:]
		}
		if term == "" {
			return nil, bad("an empty term")
		}
		switch kind {
		case '?':
			some = append(some, term)
		case '-':
			none = append(none, term)
		default:
			all = append(all, term)
		}
	}
	return func(msg string) bool {
		for _, t := range all {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		for _, t := range none {
			if strings.Contains(msg, t) {
				return false
			}
		}
		if len(some) == 0 {
			return true
		}
		for _, t := range some {
			if strings.Contains(msg, t) {
				return true
			}
		}
		return false
	}, nil
}
