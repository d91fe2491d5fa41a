package fleetmetrics

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/store"
)

const dashboardFile = "../deploy/grafana-dashboard.json"

// dashboard is the part of Grafana's dashboard model the test checks.
type dashboard struct {
	Title         string  `json:"title"`
	UID           string  `json:"uid"`
	SchemaVersion float64 `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Datasource *datasourceRef  `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID          int            `json:"id"`
	Type        string         `json:"type"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Datasource  *datasourceRef `json:"datasource"`
	GridPos     struct {
		H, W, X, Y int
	} `json:"gridPos"`
	FieldConfig struct {
		Defaults struct {
			Unit   string `json:"unit"`
			Custom struct {
				ThresholdsStyle struct {
					Mode string `json:"mode"`
				} `json:"thresholdsStyle"`
			} `json:"custom"`
			Thresholds struct {
				Steps []struct {
					Value *float64 `json:"value"`
				} `json:"steps"`
			} `json:"thresholds"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []struct {
		RefID      string         `json:"refId"`
		Expr       string         `json:"expr"`
		Datasource *datasourceRef `json:"datasource"`
	} `json:"targets"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardFile, err)
	}
	return d
}

// The dashboard is one Grafana imports: a schema version, a Prometheus
// data source variable every query uses, panels with queries, and first
// the club's number with its 90 % line.
func TestDashboardIsGrafanaDashboard(t *testing.T) {
	d := readDashboard(t)
	if d.Title == "" || d.UID == "" || d.SchemaVersion < 36 {
		t.Errorf("title %q, uid %q, schemaVersion %v: want all set, schemaVersion >= 36 (Grafana 9+)", d.Title, d.UID, d.SchemaVersion)
	}
	var dsVar string
	for _, v := range d.Templating.List {
		if v.Type == "datasource" && string(v.Query) == `"prometheus"` {
			dsVar = "${" + v.Name + "}"
		}
	}
	if dsVar == "" {
		t.Fatal("no Prometheus data source variable (templating type datasource, query prometheus): the import could not pick the data source")
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" && (v.Datasource == nil || v.Datasource.UID != dsVar) {
			t.Errorf("variable %s does not query %s", v.Name, dsVar)
		}
	}
	if len(d.Panels) < 7 {
		t.Fatalf("%d panels, want CPU and memory share, tasks, targets, stops, reservation and can-grow", len(d.Panels))
	}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if p.ID == 0 || ids[p.ID] || p.Type == "" || p.Title == "" || p.GridPos.W == 0 || p.GridPos.H == 0 {
			t.Errorf("panel %d %q: want a unique id, a type, a title and a size", p.ID, p.Title)
		}
		ids[p.ID] = true
		if p.Datasource == nil || p.Datasource.UID != dsVar || len(p.Targets) == 0 {
			t.Errorf("panel %q: want data source %s and at least one query", p.Title, dsVar)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refs[tg.RefID] || strings.TrimSpace(tg.Expr) == "" || tg.Datasource == nil || tg.Datasource.UID != dsVar {
				t.Errorf("panel %q: query %q needs a unique refId, an expression and data source %s", p.Title, tg.RefID, dsVar)
			}
			refs[tg.RefID] = true
		}
	}
	first := d.Panels[0]
	if first.GridPos.X != 0 || first.GridPos.Y != 0 || first.Type != "timeseries" ||
		!slices.Contains(metricNames(first.Targets[0].Expr), "ecsmedic_service_cpu_reservation_ratio") {
		t.Errorf("the first panel, at the top left, must chart ecsmedic_service_cpu_reservation_ratio; it is %q at %+v", first.Title, first.GridPos)
	}
	dflt := first.FieldConfig.Defaults
	line := false
	for _, s := range dflt.Thresholds.Steps {
		line = line || (s.Value != nil && *s.Value == 0.9)
	}
	if dflt.Unit != "percentunit" || dflt.Custom.ThresholdsStyle.Mode != "line" || !line {
		t.Errorf("the first panel: unit %q, threshold style %q, 90 %% step %v; want percentunit and a line at 0.9", dflt.Unit, dflt.Custom.ThresholdsStyle.Mode, line)
	}
}

// Every metric the dashboard's queries name is one /metrics serves: the
// names come from the queries themselves, the served ones from scrapes of
// the bot's registry with the fleet's gauges, read from the simulator
// (the incident, a stop counted, and a cluster with Container Insights).
func TestDashboardQueriesNameServedMetrics(t *testing.T) {
	d := readDashboard(t)
	var exprs []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			var s string
			if err := json.Unmarshal(v.Query, &s); err != nil {
				t.Fatalf("variable %s: query %s", v.Name, v.Query)
			}
			q.Query = s
		}
		exprs = append(exprs, q.Query)
	}

	served := servedNames(t)
	for _, e := range exprs {
		names := metricNames(e)
		if len(names) == 0 {
			t.Errorf("query %q names no metric", e)
		}
		for _, n := range names {
			if !served[n] {
				t.Errorf("query %q names %s, which /metrics does not serve", e, n)
			}
		}
	}
}

// servedNames scrapes /metrics after refreshes against the simulator and
// lists every sample name it served.
func servedNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	add := func(fams map[string]*dto.MetricFamily) {
		for name, f := range fams {
			names[name] = true
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM:
				names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
			case dto.MetricType_SUMMARY:
				names[name+"_sum"], names[name+"_count"] = true, true
			}
		}
	}
	incident, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	insights, err := world.Load("testdata/insights.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []*world.World{incident, insights} {
		_, c := simFleet(t, w, w.Now)
		f := New(Config{Services: refsOf(w, nil)}, c)
		if err := f.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		refs := refsOf(w, nil)
		if _, err := f.CountStops(openStore(t)).RecordStop(store.StopRecord{TaskArn: "t1", Cluster: refs[0].Cluster, Service: refs[0].Service, Cause: "elb-health-check"}); err != nil {
			t.Fatal(err)
		}
		add(scrape(t, serve(t, f)))
	}
	return names
}

// PromQL words that are not metric names: operators, modifiers and the
// aggregations, which may be followed by "by (…)" rather than "(".
var promKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true,
	"on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true,
	"sum": true, "avg": true, "min": true, "max": true, "count": true, "group": true, "stddev": true, "stdvar": true,
	"topk": true, "bottomk": true, "quantile": true, "count_values": true, "limitk": true, "limit_ratio": true,
}

// promGrouping are the keywords followed by a list of label names.
var promGrouping = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// labelValuesQuery is Grafana's label_values(EXPR, LABEL) variable query.
var labelValuesQuery = regexp.MustCompile(`^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$`)

// metricNames lists the metric names a PromQL expression (or a Grafana
// label_values query) reads: identifiers that are not functions,
// keywords, label names in {…} or grouping lists, durations, strings or
// Grafana variables.
func metricNames(expr string) []string {
	if m := labelValuesQuery.FindStringSubmatch(expr); m != nil {
		expr = m[1]
	}
	var out []string
	identStart := func(c byte) bool { return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	ident := func(c byte) bool { return identStart(c) || c >= '0' && c <= '9' }
	// skip returns the index after the bracket that closes the one at
	// i, stepping over quoted strings.
	skip := func(i int, open, closing byte) int {
		depth := 0
		for ; i < len(expr); i++ {
			switch c := expr[i]; c {
			case '"', '\'', '`':
				for i++; i < len(expr) && expr[i] != c; i++ {
					if expr[i] == '\\' {
						i++
					}
				}
			case open:
				depth++
			case closing:
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for ; j < len(expr) && expr[j] != c; j++ {
				if expr[j] == '\\' {
					j++
				}
			}
			i = j + 1
		case c == '{':
			i = skip(i, '{', '}')
		case c == '[':
			i = skip(i, '[', ']')
		case c == '$': // a Grafana variable: $name or ${name}
			i++
			if i < len(expr) && expr[i] == '{' {
				i = skip(i, '{', '}')
			}
			for i < len(expr) && ident(expr[i]) {
				i++
			}
		case c >= '0' && c <= '9' || c == '.': // a number or a duration (5m)
			for i < len(expr) && (ident(expr[i]) || expr[i] == '.') {
				i++
			}
		case identStart(c):
			j := i
			for j < len(expr) && ident(expr[j]) {
				j++
			}
			word := expr[i:j]
			k := j
			for k < len(expr) && expr[k] == ' ' {
				k++
			}
			next := byte(0)
			if k < len(expr) {
				next = expr[k]
			}
			switch {
			case promGrouping[strings.ToLower(word)] && next == '(':
				j = skip(k, '(', ')') // a grouping list of label names
			case next == '(' || promKeywords[strings.ToLower(word)]:
				// a function or an operator
			default:
				if !slices.Contains(out, word) {
					out = append(out, word)
				}
			}
			i = j
		default:
			i++
		}
	}
	sort.Strings(out)
	return out
}

func TestMetricNames(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`ecsmedic_service_cpu_reservation_ratio{cluster=~"$cluster", service=~"$service"}`, []string{"ecsmedic_service_cpu_reservation_ratio"}},
		{`sum by (service, cause) (increase(ecsmedic_service_stops_total{service=~"a|b"}[$__rate_interval]))`, []string{"ecsmedic_service_stops_total"}},
		{`sum(rate(a_total[5m])) by (job) / on(job) group_left(x) b offset 1h > bool 0.9`, []string{"a_total", "b"}},
		{`time() - ecsmedic_fleet_last_refresh_timestamp_seconds{cluster=~"$cluster"}`, []string{"ecsmedic_fleet_last_refresh_timestamp_seconds"}},
		{`label_values(ecsmedic_service_desired_tasks{cluster=~"$cluster"}, service)`, []string{"ecsmedic_service_desired_tasks"}},
		{`{__name__="x"} or y{l="}"}`, []string{"y"}},
	} {
		if got := metricNames(tc.expr); !slices.Equal(got, tc.want) {
			t.Errorf("metricNames(%q) = %v, want %v", tc.expr, got, tc.want)
		}
	}
}
