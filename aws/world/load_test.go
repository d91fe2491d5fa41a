package world

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBuiltinWorldsLoad(t *testing.T) {
	t.Parallel()
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			w, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			if w.Now.IsZero() || len(w.Services) == 0 {
				t.Fatalf("world %s: now %v, %d services", name, w.Now, len(w.Services))
			}
		})
	}
	if _, err := Builtin("nope"); err == nil || !strings.Contains(err.Error(), "there are:") {
		t.Fatalf("unknown built-in: %v", err)
	}
}

func TestSpecExampleShapes(t *testing.T) {
	t.Parallel()
	w, err := Builtin("example")
	if err != nil {
		t.Fatal(err)
	}
	task := w.Tasks[0]
	want := time.Date(2024, 4, 17, 13, 34, 3, 0, time.FixedZone("", 9*3600))
	if got, ok := task["stoppedAt"].(time.Time); !ok || !got.Equal(want) {
		t.Errorf("stoppedAt = %#v, want %v", task["stoppedAt"], want)
	}
	// cpu is text to ECS even when a hand-written world leaves it unquoted.
	if task["cpu"] != "512" {
		t.Errorf("cpu = %#v", task["cpu"])
	}
	if got := task["containers"].([]any)[0].(map[string]any)["exitCode"]; got != int64(137) {
		t.Errorf("exitCode = %#v", got)
	}
	m := w.Metrics[0]
	points := slices.Collect(m.All())
	if len(points) != 14 || m.Period != 60 {
		t.Fatalf("points %d period %d", len(points), m.Period)
	}
	if p := points[13]; p.Average != 99 || p.Maximum != 99 || p.SampleCount != 1 || !p.Timestamp.Equal(want.Add(-14*time.Minute-3*time.Second+13*time.Minute)) {
		t.Errorf("last point %+v", p)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	const head = "version: 1\nclusters:\n  - {clusterName: demo, clusterArn: arn:c}\n"
	tests := []struct {
		name string
		in   string
		want []string // substrings of the error, in order: "file:line: path: msg"
	}{
		{"empty", "", []string{"w.yaml: the file is empty"}},
		{"syntax", "version: 1\nservices: [\n", []string{"w.yaml:", "not valid YAML"}},
		{"tab indent", "version: 1\nservices:\n\t- a\n", []string{"w.yaml:3", "not valid YAML"}},
		{"top is a list", "- 1\n", []string{"w.yaml:1:1: the top level must be a mapping"}},
		{"no version", "region: x\n", []string{"w.yaml:1:1: version: missing"}},
		{"unknown version", "version: 2\n", []string{"w.yaml:1:10: version: unknown version 2"}},
		{"version text", "version: one\n", []string{"w.yaml:1:10: version: expected the number 1"}},
		{"services not a list", "version: 1\nservices: {a: 1}\n", []string{"w.yaml:2:11: services: expected a list"}},
		{"wrong type int", head + "services:\n  - {serviceName: a, clusterArn: arn:c, desiredCount: one}\n",
			[]string{"w.yaml:5:55: services[0].desiredCount: expected a whole number, got value \"one\""}},
		{"wrong type list", head + "services:\n  - serviceName: a\n    events: nope\n",
			[]string{"w.yaml:6:13: services[0].events: expected a list"}},
		{"bad timestamp", head + "tasks:\n  - {taskArn: t, clusterArn: arn:c, stoppedAt: yesterday}\n",
			[]string{"w.yaml:5:48: tasks[0].stoppedAt: expected a timestamp"}},
		{"bad bool", head + "targetGroups:\n  - {TargetGroupArn: tg, HealthCheckEnabled: maybe}\n",
			[]string{"targetGroups[0].HealthCheckEnabled: expected true or false"}},
		{"dangling cluster", head + "services:\n  - {serviceName: a, clusterArn: arn:x}\n",
			[]string{"w.yaml:5:34: services[0].clusterArn: cluster \"arn:x\" is not in this world"}},
		{"dangling task definition", head + "taskDefinitions:\n  - {taskDefinitionArn: 'arn:td/api:7', family: api}\nservices:\n  - {serviceName: a, clusterArn: arn:c, taskDefinition: 'arn:td/api:8'}\n",
			[]string{"services[0].taskDefinition: task definition \"arn:td/api:8\" is not in this world", "did you mean \"arn:td/api:7\""}},
		{"dangling target group", head + "targetGroups:\n  - {TargetGroupArn: tg1}\nservices:\n  - serviceName: a\n    clusterArn: arn:c\n    loadBalancers: [{targetGroupArn: tg2}]\n",
			[]string{"services[0].loadBalancers: target group \"tg2\" is not in this world"}},
		{"metric without name", "version: 1\nmetrics:\n  - {namespace: AWS/ECS, start: \"2024-01-01T00:00:00Z\", values: [1]}\n",
			[]string{"w.yaml:3:5: metrics[0].metricName: missing"}},
		{"metric values without start", "version: 1\nmetrics:\n  - {namespace: N, metricName: M, values: [1]}\n",
			[]string{"metrics[0].values: a compact run needs `start`"}},
		{"metric bad value", "version: 1\nmetrics:\n  - {namespace: N, metricName: M, start: \"2024-01-01T00:00:00Z\", values: [1, x]}\n",
			[]string{"metrics[0].values[1]: expected a number"}},
		{"point without stats", "version: 1\nmetrics:\n  - {namespace: N, metricName: M, points: [{timestamp: \"2024-01-01T00:00:00Z\"}]}\n",
			[]string{"metrics[0].points[0]: a point needs at least one of"}},
		{"log without stream", "version: 1\nlogs:\n  - {logGroupName: g}\n",
			[]string{"logs[0]: a log stream needs both"}},
		{"several at once", "version: 1\nservices:\n  - {desiredCount: x}\n  - {runningCount: y}\n",
			[]string{"w.yaml has 2 problems", "services[0].desiredCount", "services[1].runningCount"}},
		{"duplicate key", "version: 1\nregion: a\nregion: b\n",
			[]string{"w.yaml:3:1: \"region\" is set twice; it was first set on line 2", "fix: keep one of the two"}},
		{"duplicate key in an object", head + "services:\n  - serviceName: a\n    clusterArn: arn:c\n    serviceName: b\n",
			[]string{"w.yaml:7:5: \"serviceName\" is set twice; it was first set on line 5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("w.yaml", []byte(tt.in))
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T is not world.Errors: %v", err, err)
			}
			msg := err.Error()
			at := 0
			for _, w := range tt.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("error\n%s\ndoes not contain (after offset %d) %q", msg, at, w)
				}
				at += i + len(w)
			}
		})
	}
}

func TestUnknownKeysKept(t *testing.T) {
	t.Parallel()
	in := `version: 1
clusters: [{clusterName: c, clusterArn: arn:c, brandNewField: {x: 1}}]
services:
  - serviceName: a
    clusterArn: arn:c
    futureFlag: true
    events: [{id: e1, createdAt: "2024-01-01T00:00:00Z", message: m, someNewAt: "2024-01-01T00:00:01Z"}]
myNote: hello
`
	w, err := Parse("w.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if w.Clusters[0]["brandNewField"].(map[string]any)["x"] != int64(1) {
		t.Errorf("unknown nested key lost: %#v", w.Clusters[0])
	}
	if w.Services[0]["futureFlag"] != true || w.Extra["myNote"] != "hello" {
		t.Errorf("unknown keys lost: %#v %#v", w.Services[0], w.Extra)
	}
	// No `now`: the latest timestamp in the file stands in.
	if want := time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC); !w.Now.Equal(want) {
		t.Errorf("now = %v, want %v", w.Now, want)
	}
}

func TestEpochSecondsAndPastedDimensions(t *testing.T) {
	t.Parallel()
	in := `version: 1
now: 1713328800
clusters: [{clusterName: c, clusterArn: arn:c}]
tasks: [{taskArn: t, clusterArn: arn:c, stoppedAt: 1713328443.123}]
metrics:
  - Namespace: AWS/ECS
    MetricName: CPUReservation
    Dimensions: [{Name: ClusterName, Value: c}]
    points: [{timestamp: "2024-04-17T04:00:00Z", maximum: 95}]
logs:
  - {logGroupName: g, logStreamName: s, events: [{timestamp: 1713328443000, message: hi}]}
`
	w, err := Parse("w.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Tasks[0]["stoppedAt"].(time.Time); got.UnixMilli() != 1713328443123 {
		t.Errorf("stoppedAt %v", got)
	}
	m := w.Metrics[0]
	if diff := cmp.Diff(map[string]string{"ClusterName": "c"}, m.Dimensions); diff != "" {
		t.Error(diff)
	}
	if p := m.Points[0]; p.Maximum != 95 || p.Average != 95 || p.SampleCount != 1 {
		t.Errorf("filled point %+v", p)
	}
	if got := w.Logs[0].Events[0].Timestamp.UnixMilli(); got != 1713328443000 {
		t.Errorf("log time %d", got)
	}
}

func TestSaveRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			w, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			data, err := Marshal(w)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse("saved.yaml", data)
			if err != nil {
				t.Fatalf("saved world does not load: %v\n%s", err, data)
			}
			if diff := cmp.Diff(w, again, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("round trip changed the world (-before +after):\n%s", diff)
			}
		})
	}
}

func TestShiftAndClone(t *testing.T) {
	t.Parallel()
	w, err := Builtin("example")
	if err != nil {
		t.Fatal(err)
	}
	c := w.Clone()
	c.Shift(time.Hour)
	if !c.Now.Equal(w.Now.Add(time.Hour)) {
		t.Errorf("now not shifted")
	}
	before := w.Tasks[0]["stoppedAt"].(time.Time)
	after := c.Tasks[0]["stoppedAt"].(time.Time)
	if !after.Equal(before.Add(time.Hour)) {
		t.Errorf("task time not shifted: %v → %v", before, after)
	}
	ev := c.Services[0]["events"].([]any)[0].(map[string]any)["createdAt"].(time.Time)
	if orig := w.Services[0]["events"].([]any)[0].(map[string]any)["createdAt"].(time.Time); !ev.Equal(orig.Add(time.Hour)) {
		t.Errorf("event time not shifted, or the original changed")
	}
	first := func(m *Metric) time.Time {
		for p := range m.All() {
			return p.Timestamp
		}
		return time.Time{}
	}
	if !first(&c.Metrics[0]).Equal(first(&w.Metrics[0]).Add(time.Hour)) {
		t.Errorf("metric not shifted")
	}
}

// maxFuzzInput bounds the fuzzer's inputs. Large inputs are the hostile
// tests' business; here they only slow the fuzzer down (see FuzzParse).
const maxFuzzInput = 1 << 10

// FuzzParse: no input may crash the loader; errors must carry the file.
// The seeds are small on purpose: each new interesting input is minimized,
// and Go's minimizer tries removing every span of it (n² runs), so seeds
// of kilobytes (the built-in worlds, once) stall the fuzzer for the whole
// minimize time of each find. The built-in worlds have their own tests.
func FuzzParse(f *testing.F) {
	f.Add([]byte("version: 1\nclusters: [{clusterName: c, clusterArn: a}]\nservices: [{serviceName: s, clusterArn: a, desiredCount: 1}]\n"))
	f.Add([]byte("version: 1\ntaskDefinitions: [{taskDefinitionArn: 't:1', cpu: 512}]\ntasks: [{taskArn: t, stoppedAt: 1713328443}]\n"))
	f.Add([]byte("version: 1\nnow: 2024-04-17T13:40:00+09:00\ntargetGroups: [{TargetGroupArn: g, HealthCheckEnabled: true}]\n"))
	f.Add([]byte("version: 1\nlogs: [{logGroupName: g, logStreamName: s, events: [{timestamp: 1, message: hi}]}]\n"))
	f.Add([]byte("version: 1\nmetrics: [{namespace: N, metricName: M, start: 0, values: [1, null, 2]}]\n"))
	f.Add([]byte("version: 1\nservices: [&a {serviceName: x}, *a]\n"))
	f.Add([]byte("version: 1\nregion: a\nregion: b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		w, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") && !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if _, err := Marshal(w); err != nil {
			t.Fatalf("a world that loads must save: %v", err)
		}
	})
}
