package sim

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		body    string
		want    map[string]any
		wantErr string
	}{
		{"", map[string]any{}, ""},
		{`{"n":3,"f":1.5,"big":1e300,"l":[1,"a"],"o":{"b":true}}`,
			map[string]any{"n": int64(3), "f": 1.5, "big": 1e300, "l": []any{int64(1), "a"}, "o": map[string]any{"b": true}}, ""},
		{`[1]`, nil, "must be a JSON object"},
		{`{} {}`, nil, "data after"},
		{`{"a":`, nil, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			got, err := decodeJSON(strings.NewReader(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodeJSON(t *testing.T) {
	ts := time.Date(2026, 3, 14, 19, 42, 7, 250_000_000, time.UTC)
	tests := []struct {
		name string
		out  map[string]any
		want string
	}{
		{"nil", nil, `{}`},
		{"timestamps", map[string]any{"a": ts, "b": ts.Truncate(time.Second), "c": time.Unix(-1, 500_000_000)},
			`{"a":1773517327.250,"b":1773517327,"c":-0.500}`},
		{"nan and nil", map[string]any{"x": math.NaN(), "y": math.Inf(-1), "z": nil, "l": []string{"a"}},
			`{"l":["a"],"x":"NaN","y":"-Infinity"}`},
		{"xmlMap is a map", map[string]any{"m": xmlMap{"k": "v"}}, `{"m":{"k":"v"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeJSON(tt.out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(b)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONErrorHeaders(t *testing.T) {
	_, base := start(t, Options{Freeze: true, Faults: []Fault{mustFault(t, "DescribeAlarms=throttle")}})
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801.DescribeAlarms")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := []string{resp.Header.Get("Content-Type"), resp.Header.Get("X-Amzn-ErrorType"), resp.Header.Get("X-Amzn-Query-Error")}
	want := []string{"application/x-amz-json-1.0", "Throttling", "Throttling;Sender"}
	if diff := cmp.Diff(want, got); diff != "" || resp.StatusCode != 400 {
		t.Errorf("status %d, headers (-want +got):\n%s", resp.StatusCode, diff)
	}
}
