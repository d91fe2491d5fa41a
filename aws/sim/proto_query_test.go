package sim

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeQuery(t *testing.T) {
	tests := []struct {
		name, form string
		want       map[string]any
	}{
		{"scalars", "Action=DescribeTargetGroups&Version=2015-12-01&PageSize=10&LoadBalancerArn=arn",
			map[string]any{"PageSize": "10", "LoadBalancerArn": "arn"}},
		{"list in index order", "Names.member.2=b&Names.member.10=c&Names.member.1=a",
			map[string]any{"Names": []any{"a", "b", "c"}}},
		{"empty list", "TargetGroupArns=", map[string]any{"TargetGroupArns": []any{}}},
		{"nested lists of structures",
			"MetricDataQueries.member.1.Id=cpu&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value=club&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Name=ClusterName&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=ServiceName&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=backend&MetricDataQueries.member.1.MetricStat.Period=60",
			map[string]any{"MetricDataQueries": []any{map[string]any{
				"Id": "cpu",
				"MetricStat": map[string]any{
					"Period": "60",
					"Metric": map[string]any{"Dimensions": []any{
						map[string]any{"Name": "ServiceName", "Value": "backend"},
						map[string]any{"Name": "ClusterName", "Value": "club"},
					}},
				},
			}}}},
		{"map entries", "Tags.entry.1.key=team&Tags.entry.1.value=club&Tags.entry.2.key=env&Tags.entry.2.value=prod",
			map[string]any{"Tags": map[string]any{"team": "club", "env": "prod"}}},
		{"odd indices stay a map", "X.member.0=a&X.member.01=b",
			map[string]any{"X": map[string]any{"member": map[string]any{"0": "a", "01": "b"}}}},
		{"scalar and structure at one key", "A=1&A.B=2", map[string]any{"A": map[string]any{"B": "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, err := url.ParseQuery(tt.form)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, decodeQuery(form)); diff != "" {
				t.Errorf("decodeQuery (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzDecodeQuery(f *testing.F) {
	for _, s := range []string{
		"Names.member.1=a&Names.member.2=b",
		"A.entry.1.key=k&A.entry.1.value=v",
		"X=&X.member.1=a",
		"a..b=1&.=2&a.member.99999999999=3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		form, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		in := decodeQuery(form)
		// Whatever came in must be encodable in every protocol.
		if _, err := encodeJSON(in); err != nil {
			t.Fatal(err)
		}
		_, _ = encodeCBOR(in)
		_, _ = encodeQuery(SvcELBv2, "Op", in, "id")
	})
}

func TestEncodeQuery(t *testing.T) {
	ts := time.Date(2026, 3, 14, 19, 42, 7, 5_000_000, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		out  map[string]any
		want string
	}{
		{"nil output", nil, `<OpResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></OpResponse>`},
		{"values", map[string]any{
			"B":     []string{"x<y", "z"},
			"A":     ts,
			"N":     3,
			"F":     0.5,
			"T":     true,
			"Nil":   nil,
			"M":     xmlMap{"k2": "v2", "k1": "v1"},
			"S":     []map[string]any{{"Port": "80"}},
			"Empty": []any{},
		}, `<OpResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><OpResult>` +
			`<A>2026-03-14T18:42:07.005Z</A><B><member>x&lt;y</member><member>z</member></B><Empty></Empty><F>0.5</F>` +
			`<M><entry><key>k1</key><value>v1</value></entry><entry><key>k2</key><value>v2</value></entry></M>` +
			`<N>3</N><S><member><Port>80</Port></member></S><T>true</T>` +
			`</OpResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></OpResponse>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeQuery(SvcELBv2, "Op", tt.out, "rid")
			if err != nil {
				t.Fatal(err)
			}
			got := string(b[strings.IndexByte(string(b), '\n')+1:])
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("encodeQuery (-want +got):\n%s", diff)
			}
		})
	}
}

// TestQueryCloudWatch covers the old AWS CLI, which sends CloudWatch calls
// as awsQuery forms.
func TestQueryCloudWatch(t *testing.T) {
	var input map[string]any
	override(t, SvcCloudWatch, "GetMetricStatistics", false, func(s *Server, r *Request) (map[string]any, error) {
		input = r.Input
		return map[string]any{"Label": "CPUUtilization", "Datapoints": []any{map[string]any{"Timestamp": capture, "Maximum": 99.0}}}, nil
	})
	_, base := start(t, Options{Freeze: true})
	form := url.Values{"Action": {"GetMetricStatistics"}, "Version": {"2010-08-01"}, "Statistics.member.1": {"Maximum"}, "Period": {"60"}}
	resp, err := http.PostForm(base+"/", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if diff := cmp.Diff(map[string]any{"Statistics": []any{"Maximum"}, "Period": "60"}, input); diff != "" {
		t.Errorf("input (-want +got):\n%s", diff)
	}
	want := `<GetMetricStatisticsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricStatisticsResult><Datapoints><member><Maximum>99</Maximum><Timestamp>2026-03-14T19:42:07.250Z</Timestamp></member></Datapoints><Label>CPUUtilization</Label></GetMetricStatisticsResult>`
	if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
		t.Errorf("got %d %s\nwant it to contain %s", resp.StatusCode, b, want)
	}
}

func TestQueryScopeFallback(t *testing.T) {
	_, base := start(t, Options{Freeze: true})
	tests := []struct {
		name, auth string
		status     int
		want       string
	}{
		{"signed for sts", "AWS4-HMAC-SHA256 Credential=AKID/20260314/eu-west-1/sts/aws4_request, SignedHeaders=host, Signature=x", 200, "<Account>123456789012</Account>"},
		{"unsigned", "", 400, "cannot tell which service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+"/?Action=GetCallerIdentity", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
				t.Errorf("got %d %s; want %d containing %q", resp.StatusCode, b, tt.status, tt.want)
			}
		})
	}
}
