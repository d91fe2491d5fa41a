package fleetmetrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
	"github.com/ecsmedic/ecsmedic/internal/testlog"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// TestMain keeps the package's slog output out of the test output.
func TestMain(m *testing.M) { testlog.Main(m) }

// incidentTime is when the backend task of the built-in incident stopped,
// at 99 % of its CPU reservation.
var incidentTime = time.Date(2024, 4, 17, 13, 34, 0, 0, time.FixedZone("KST", 9*3600))

// simFleet serves w frozen on loopback and returns the simulator and
// clients whose present is at.
func simFleet(t *testing.T, w *world.World, at time.Time) (*sim.Server, *aws.Clients) {
	t.Helper()
	s := sim.New(w, sim.Options{Freeze: true})
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	c := aws.NewClientsForEndpoint(url, w.Region)
	c.Now = func() time.Time { return at }
	t.Cleanup(func() {
		c.CloseIdleConnections()
		_ = s.Close()
	})
	return s, c
}

// refsOf configures every service of w under its own name, except those
// given an alias.
func refsOf(w *world.World, aliases map[string]string) []svcref.Ref {
	var refs []svcref.Ref
	for _, svc := range w.Services {
		name, _ := svc["serviceName"].(string)
		arn, _ := svc["clusterArn"].(string)
		refs = append(refs, svcref.Ref{Alias: aliases[name], Cluster: arn[strings.LastIndex(arn, "/")+1:], Service: name})
	}
	return refs
}

// serve serves /metrics as the bot does: the bot's registry with the
// fleet's collector added, over HTTP on loopback.
func serve(t *testing.T, f *Fleet) string {
	t.Helper()
	m := bot.NewMetrics()
	if err := m.Register(f); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

// scrape reads /metrics and parses it.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("scrape: HTTP %d", res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value finds the sample of family name whose labels include want.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// labelValues lists the values of one label in a family, sorted.
func labelValues(fams map[string]*dto.MetricFamily, name, label string) []string {
	var out []string
	if f := fams[name]; f != nil {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if l.GetName() == label {
					out = append(out, l.GetValue())
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// openStore opens a fresh store in the test's directory.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "ecsmedic.db"), store.Options{Now: func() time.Time { return fleet.Now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}
