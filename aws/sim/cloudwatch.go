package sim

import (
	"fmt"
	"iter"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// CloudWatch: GetMetricData, GetMetricStatistics, ListMetrics and
// DescribeAlarms over the world's metric series and alarms.

func init() {
	register(SvcCloudWatch, "GetMetricData", false, getMetricData)
	register(SvcCloudWatch, "GetMetricStatistics", false, getMetricStatistics)
	register(SvcCloudWatch, "ListMetrics", false, listMetrics)
	register(SvcCloudWatch, "DescribeAlarms", false, describeAlarms)
}

const (
	maxMetricDataQueries  = 500
	defaultMaxDatapoints  = 100800
	maxStatisticsPoints   = 1440 // GetMetricStatistics' limit per call
	listMetricsPageSize   = 500
	describeAlarmsMaxPage = 100
)

var metricQueryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// metricKey identifies a series: namespace, name and the exact dimension
// set, so that a query for {ClusterName} does not match {ClusterName,
// ServiceName}.
func metricKey(namespace, name string, dims map[string]string) string {
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(namespace)
	b.WriteByte(0)
	b.WriteString(name)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(dims[k])
	}
	return b.String()
}

// metricIndex maps metricKey to the world's series. No call changes the
// metrics, so it is built once, on first use, and read without the world's
// lock. A series whose points a hand-built world left out of order is
// indexed with a sorted copy of them, so that a window is always found by
// binary search (world.Metric.Between).
func (s *Server) metricIndex() map[string]*world.Metric {
	s.metricsOnce.Do(func() {
		s.metrics = make(map[string]*world.Metric, len(s.w.Metrics))
		for i := range s.w.Metrics {
			m := &s.w.Metrics[i]
			byTime := func(a, b world.Point) int { return a.Timestamp.Compare(b.Timestamp) }
			if !slices.IsSortedFunc(m.Points, byTime) {
				sorted := *m
				sorted.Points = slices.SortedStableFunc(slices.Values(m.Points), byTime)
				m = &sorted
			}
			s.metrics[metricKey(m.Namespace, m.MetricName, m.Dimensions)] = m
		}
	})
	return s.metrics
}

// window is the part of m that can fall in buckets of period from start
// to end, and how many points that is at most: a call costs in proportion
// to the points it asks for, not to the series.
func window(m *world.Metric, start, end time.Time, period time.Duration) (iter.Seq[world.Point], int) {
	origin := windowStart(start, period)
	most := len(m.Points)
	if m.Period > 0 {
		most += int(end.Sub(origin)/(time.Duration(m.Period)*time.Second)) + 1
	}
	return m.Between(origin, end), most
}

// dimensionsArg reads a [{Name, Value}] list into a map.
func dimensionsArg(in map[string]any, key, where string) (map[string]string, error) {
	dims := map[string]string{}
	for i, d := range objs(in, key) {
		name := str(d, "Name")
		if name == "" {
			return nil, errorf("MissingParameter", "The parameter %s.%s.member.%d.Name is required.", where, key, i+1)
		}
		if _, dup := dims[name]; dup {
			return nil, errorf("InvalidParameterValue", "The dimension %s is given twice in %s.", name, where)
		}
		dims[name] = str(d, "Value")
	}
	return dims, nil
}

// dimensionList renders dimensions the way CloudWatch returns them, sorted
// by name so answers are stable.
func dimensionList(dims map[string]string) []any {
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]any{"Name": k, "Value": dims[k]})
	}
	return out
}

// unitMatches: a series stored without a unit matches any requested unit,
// because captures pasted from the CLI often leave it out.
func unitMatches(m *world.Metric, unit string) bool {
	return unit == "" || m.Unit == "" || m.Unit == unit
}

// cwTime reads a timestamp argument: CBOR and JSON bring time.Time or epoch
// seconds, awsQuery an ISO 8601 string.
func cwTime(in map[string]any, key string) (time.Time, bool, error) {
	switch v := in[key].(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return v, true, nil
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true, nil
			}
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return cwEpoch(f), true, nil
		}
	default:
		if f, ok := num(in, key); ok {
			return cwEpoch(f), true, nil
		}
	}
	return time.Time{}, true, errorf("InvalidParameterValue", "The parameter %s must be a timestamp, got %v.", key, in[key])
}

func cwEpoch(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// metricWindow reads and checks StartTime and EndTime.
func metricWindow(in map[string]any) (time.Time, time.Time, error) {
	start, ok, err := cwTime(in, "StartTime")
	if err != nil {
		return start, start, err
	}
	if !ok {
		return start, start, errorf("MissingParameter", "The parameter StartTime is required.")
	}
	end, ok, err := cwTime(in, "EndTime")
	if err != nil {
		return start, end, err
	}
	if !ok {
		return start, end, errorf("MissingParameter", "The parameter EndTime is required.")
	}
	if !start.Before(end) {
		return start, end, errorf("InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
	}
	return start, end, nil
}

func getMetricStatistics(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	ns, name := str(in, "Namespace"), str(in, "MetricName")
	if ns == "" {
		return nil, errorf("MissingParameter", "The parameter Namespace is required.")
	}
	if name == "" {
		return nil, errorf("MissingParameter", "The parameter MetricName is required.")
	}
	start, end, err := metricWindow(in)
	if err != nil {
		return nil, err
	}
	period, ok, perr := intOf(in, "Period")
	if perr != nil || !ok {
		return nil, errorf("MissingParameter", "The parameter Period is required and must be a whole number of seconds.")
	}
	if !validPeriod(period) {
		return nil, errorf("InvalidParameterValue", "The parameter Period must be 1, 5, 10, 20, 30 or a multiple of 60.")
	}
	basic, extended := strs(in, "Statistics"), strs(in, "ExtendedStatistics")
	if len(basic) == 0 && len(extended) == 0 {
		return nil, errorf("MissingParameter", "Must specify either Statistics or ExtendedStatistics.")
	}
	for _, st := range basic {
		if isPercentile(st) {
			return nil, errorf("InvalidParameterValue", "The parameter Statistics contains %q; percentiles go in ExtendedStatistics.", st)
		}
		if _, err := parseStat(st); err != nil {
			return nil, errorf("InvalidParameterValue", "%s", err)
		}
	}
	exFuncs := make([]statistic, len(extended))
	for i, st := range extended {
		f, err := parseStat(st)
		if err != nil || !isPercentile(st) {
			return nil, errorf("InvalidParameterValue", "The extended statistic %q is not supported; use a percentile such as p99.", st)
		}
		exFuncs[i] = f
	}
	p := time.Duration(period) * time.Second
	if n := int64(math.Ceil(float64(end.Sub(windowStart(start, p))) / float64(p))); n > maxStatisticsPoints {
		return nil, errorf("InvalidParameterCombination", "You have requested up to %d datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n, maxStatisticsPoints)
	}
	dims, err := dimensionsArg(in, "Dimensions", "GetMetricStatistics")
	if err != nil {
		return nil, err
	}
	unit := str(in, "Unit")
	points := []any{}
	m := s.metricIndex()[metricKey(ns, name, dims)]
	if m != nil && unitMatches(m, unit) {
		u := m.Unit
		if u == "" {
			u = "None"
		}
		if unit != "" {
			u = unit
		}
		pts, most := window(m, start, end, p)
		pts, most = s.withLive(metricKey(ns, name, dims), pts, most, start, end)
		for _, b := range aggregate(pts, most, start, end, p, len(extended) > 0) {
			dp := map[string]any{"Timestamp": b.Timestamp, "Unit": u}
			for _, st := range basic {
				f, _ := parseStat(st)
				dp[st] = f(&b)
			}
			if len(extended) > 0 {
				ex := xmlMap{} // a map in the API, so awsQuery needs entry/key/value
				for i, st := range extended {
					ex[st] = exFuncs[i](&b)
				}
				dp["ExtendedStatistics"] = ex
			}
			points = append(points, dp)
		}
	}
	return map[string]any{"Label": name, "Datapoints": points}, nil
}

func listMetrics(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	ns, name := str(in, "Namespace"), str(in, "MetricName")
	type filter struct {
		name, value string
		hasValue    bool
	}
	var filters []filter
	for i, d := range objs(in, "Dimensions") {
		f := filter{name: str(d, "Name")}
		if f.name == "" {
			return nil, errorf("MissingParameter", "The parameter Dimensions.member.%d.Name is required.", i+1)
		}
		_, f.hasValue = d["Value"]
		f.value = str(d, "Value")
		filters = append(filters, f)
	}
	recent := str(in, "RecentlyActive")
	if recent != "" && recent != "PT3H" {
		return nil, errorf("InvalidParameterValue", "The parameter RecentlyActive must be PT3H.")
	}
	offset, err := offsetToken(str(in, "NextToken"), "InvalidNextToken")
	if err != nil {
		return nil, err
	}
	var found []any
	for i := range s.w.Metrics {
		m := &s.w.Metrics[i]
		if (ns != "" && m.Namespace != ns) || (name != "" && m.MetricName != name) {
			continue
		}
		ok := true
		for _, f := range filters {
			v, has := m.Dimensions[f.name]
			if !has || (f.hasValue && v != f.value) {
				ok = false
				break
			}
		}
		if !ok || (recent != "" && !activeSince(m, r.Now.Add(-3*time.Hour))) {
			continue
		}
		found = append(found, map[string]any{
			"Namespace":  m.Namespace,
			"MetricName": m.MetricName,
			"Dimensions": dimensionList(m.Dimensions),
		})
	}
	page, next := pageAt(found, offset, listMetricsPageSize)
	out := map[string]any{"Metrics": page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func activeSince(m *world.Metric, since time.Time) bool {
	for range m.Between(since, time.Unix(1<<40, 0)) {
		return true
	}
	return false
}

func describeAlarms(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	names, prefix := strs(in, "AlarmNames"), str(in, "AlarmNamePrefix")
	if len(names) > 0 && prefix != "" {
		return nil, errorf("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix cannot be specified together.")
	}
	if len(names) > 100 {
		return nil, errorf("InvalidParameterValue", "The parameter AlarmNames must not contain more than 100 names.")
	}
	state := str(in, "StateValue")
	switch state {
	case "", "OK", "ALARM", "INSUFFICIENT_DATA":
	default:
		return nil, errorf("InvalidParameterValue", "The parameter StateValue must be OK, ALARM or INSUFFICIENT_DATA, got %q.", state)
	}
	wantMetric := true
	if types := strs(in, "AlarmTypes"); len(types) > 0 {
		wantMetric = slices.Contains(types, "MetricAlarm")
	}
	limit := int64(describeAlarmsMaxPage)
	if n, ok, err := intOf(in, "MaxRecords"); err != nil || (ok && (n < 1 || n > describeAlarmsMaxPage)) {
		return nil, errorf("InvalidParameterValue", "The parameter MaxRecords must be between 1 and 100.")
	} else if ok {
		limit = n
	}
	offset, err := offsetToken(str(in, "NextToken"), "InvalidNextToken")
	if err != nil {
		return nil, err
	}
	actionPrefix := str(in, "ActionPrefix")
	var found []any
	for _, a := range s.w.Alarms {
		if !wantMetric {
			break
		}
		n := str(a, "AlarmName")
		if len(names) > 0 && !slices.Contains(names, n) {
			continue
		}
		if !strings.HasPrefix(n, prefix) || (state != "" && str(a, "StateValue") != state) {
			continue
		}
		if actionPrefix != "" && !hasActionPrefix(a, actionPrefix) {
			continue
		}
		found = append(found, a)
	}
	page, next := pageAt(found, offset, int(limit))
	out := map[string]any{"MetricAlarms": page, "CompositeAlarms": []any{}}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func hasActionPrefix(a map[string]any, prefix string) bool {
	for _, key := range []string{"AlarmActions", "OKActions", "InsufficientDataActions"} {
		for _, act := range strs(a, key) {
			if strings.HasPrefix(act, prefix) {
				return true
			}
		}
	}
	return false
}

// offsetToken reads the simulator's page tokens: "o" and an offset. An
// empty token is the first page; errCode names the service's error for a
// token it did not hand out.
func offsetToken(tok, errCode string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(tok, "o"))
	if err != nil || n < 0 || !strings.HasPrefix(tok, "o") {
		return 0, errorf(errCode, "The next token %q is not valid; pass the token from the previous answer unchanged.", tok)
	}
	return n, nil
}

// pageAt returns one page of items from offset and the token for the
// next page ("" after the last). The page is never nil, so that an empty
// result is sent as an empty list. It holds deep copies: the answer is
// encoded after the lock is released, while later calls may change the
// world.
func pageAt(items []any, offset, size int) ([]any, string) {
	if offset > len(items) {
		offset = len(items)
	}
	end := min(offset+size, len(items))
	page := deepCopyList(items[offset:end])
	if end < len(items) {
		return page, fmt.Sprintf("o%d", end)
	}
	return page, ""
}

// metricQuery is one checked MetricDataQuery with a MetricStat.
type metricQuery struct {
	id, label  string
	returnData bool
	key        string
	unit       string
	period     time.Duration
	stat       statistic
	percentile bool
}

// metricSeries is one query's answer, already in ScanBy order.
type metricSeries struct {
	q      *metricQuery
	times  []any
	values []any
}

func getMetricData(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	raw := objs(in, "MetricDataQueries")
	if len(raw) == 0 {
		return nil, errorf("MissingParameter", "The parameter MetricDataQueries is required.")
	}
	if len(raw) > maxMetricDataQueries {
		return nil, errorf("ValidationError", "1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to %d (got %d queries).", maxMetricDataQueries, len(raw))
	}
	start, end, err := metricWindow(in)
	if err != nil {
		return nil, err
	}
	scan := str(in, "ScanBy")
	switch scan {
	case "":
		scan = "TimestampDescending"
	case "TimestampDescending", "TimestampAscending":
	default:
		return nil, errorf("InvalidParameterValue", "The parameter ScanBy must be TimestampDescending or TimestampAscending, got %q.", scan)
	}
	maxPoints := int64(defaultMaxDatapoints)
	if n, ok, err := intOf(in, "MaxDatapoints"); err != nil || (ok && n < 1) {
		return nil, errorf("InvalidParameterValue", "The parameter MaxDatapoints must be a positive whole number.")
	} else if ok {
		maxPoints = n
	}
	offset, err := offsetToken(str(in, "NextToken"), "InvalidNextToken")
	if err != nil {
		return nil, err
	}
	queries, err := metricQueries(raw)
	if err != nil {
		return nil, err
	}

	idx := s.metricIndex()
	var series []metricSeries
	total := 0
	for i := range queries {
		q := &queries[i]
		if !q.returnData {
			continue
		}
		ms := metricSeries{q: q, times: []any{}, values: []any{}}
		if m := idx[q.key]; m != nil && unitMatches(m, q.unit) {
			points, most := window(m, start, end, q.period)
			points, most = s.withLive(q.key, points, most, start, end)
			buckets := aggregate(points, most, start, end, q.period, q.percentile)
			ms.times, ms.values = make([]any, 0, len(buckets)), make([]any, 0, len(buckets))
			if scan == "TimestampDescending" {
				slices.Reverse(buckets)
			}
			for j := range buckets {
				ms.times = append(ms.times, buckets[j].Timestamp)
				ms.values = append(ms.values, q.stat(&buckets[j]))
			}
		}
		total += len(ms.times)
		series = append(series, ms)
	}

	// One page holds up to MaxDatapoints values across all results, in
	// query order; the token is the number of values already sent.
	results := make([]any, 0, len(series))
	seen, pageEnd := 0, offset+int(min(maxPoints, int64(total)+1))
	for _, ms := range series {
		n := len(ms.times)
		from := clampInt(offset-seen, 0, n)
		to := clampInt(pageEnd-seen, 0, n)
		status := "Complete"
		if to < n {
			status = "PartialData"
		}
		results = append(results, map[string]any{
			"Id":         ms.q.id,
			"Label":      ms.q.label,
			"Timestamps": ms.times[from:to:to], // each series is used once: no copy
			"Values":     ms.values[from:to:to],
			"StatusCode": status,
			"Messages":   []any{},
		})
		seen += n
	}
	out := map[string]any{"MetricDataResults": results, "Messages": []any{}}
	if pageEnd < total {
		out["NextToken"] = fmt.Sprintf("o%d", pageEnd)
	}
	return out, nil
}

func clampInt(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

// metricQueries checks the queries as CloudWatch does: ids unique and
// starting with a lower-case letter, exactly one of MetricStat and
// Expression. Metric math and Metrics Insights are not simulated.
func metricQueries(raw []map[string]any) ([]metricQuery, error) {
	out := make([]metricQuery, 0, len(raw))
	ids := make(map[string]bool, len(raw))
	for i, q := range raw {
		where := fmt.Sprintf("MetricDataQueries.member.%d", i+1)
		id := str(q, "Id")
		if id == "" {
			return nil, errorf("MissingParameter", "The parameter %s.Id is required.", where)
		}
		if !metricQueryID.MatchString(id) {
			return nil, errorf("InvalidParameterValue", "The value %s for parameter %s.Id is not valid: an id must start with a lower-case letter and contain only letters, digits and underscores.", id, where)
		}
		if ids[id] {
			return nil, errorf("InvalidParameterValue", "The value %s for parameter %s.Id is used by more than one query; ids must be unique.", id, where)
		}
		ids[id] = true
		stat, expr := obj(q, "MetricStat"), str(q, "Expression")
		if (stat == nil) == (expr == "") {
			return nil, errorf("InvalidParameterCombination", "Exactly one element of MetricStat or Expression must be set for parameter %s.", where)
		}
		if expr != "" {
			return nil, errorf("InvalidParameterValue", "%s.Expression: metric math and Metrics Insights queries are not supported by the simulator; use MetricStat.", where)
		}
		mq := metricQuery{id: id, label: str(q, "Label"), returnData: true}
		if rd, ok := boolean(q, "ReturnData"); ok {
			mq.returnData = rd
		}
		m := obj(stat, "Metric")
		ns, name := str(m, "Namespace"), str(m, "MetricName")
		if ns == "" || name == "" {
			return nil, errorf("MissingParameter", "The parameters %s.MetricStat.Metric.Namespace and MetricName are required.", where)
		}
		dims, err := dimensionsArg(m, "Dimensions", where+".MetricStat.Metric")
		if err != nil {
			return nil, err
		}
		mq.key = metricKey(ns, name, dims)
		if mq.label == "" {
			mq.label = name
		}
		p, ok, err := intOf(stat, "Period")
		if err != nil || !ok {
			return nil, errorf("MissingParameter", "The parameter %s.MetricStat.Period is required and must be a whole number of seconds.", where)
		}
		if !validPeriod(p) {
			return nil, errorf("InvalidParameterValue", "The parameter %s.MetricStat.Period must be 1, 5, 10, 20, 30 or a multiple of 60, got %d.", where, p)
		}
		mq.period = time.Duration(p) * time.Second
		st := str(stat, "Stat")
		if st == "" {
			return nil, errorf("MissingParameter", "The parameter %s.MetricStat.Stat is required.", where)
		}
		if mq.stat, err = parseStat(st); err != nil {
			return nil, errorf("InvalidParameterValue", "%s.MetricStat.Stat: %s", where, err)
		}
		mq.percentile = isPercentile(st)
		mq.unit = str(stat, "Unit")
		out = append(out, mq)
	}
	return out, nil
}
