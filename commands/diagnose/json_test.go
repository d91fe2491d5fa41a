package diagnose

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
)

// TestMissingJSON: the one typed list is written as the two lists of the
// JSON ("missing" and "missingCodes", index for index) and read back.
func TestMissingJSON(t *testing.T) {
	d := Diagnosis{Service: "backend", Missing: []aws.Missing{
		{Code: MissingNoCPUMetrics, Detail: missingText[MissingNoCPUMetrics]},
		{Code: aws.MissingAccessDenied, Source: "CloudWatch metrics", Detail: "access denied for cloudwatch:GetMetricData"},
	}}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"missing":["no CPU metrics for the minutes before the stop","CloudWatch metrics: access denied for cloudwatch:GetMetricData"]`,
		`"missingCodes":["no-cpu-metrics","access-denied"]`,
		`"service":"backend"`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	var back Diagnosis
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	want := []aws.Missing{d.Missing[0], {Code: aws.MissingAccessDenied, Detail: d.Missing[1].String()}}
	if diff := cmp.Diff(want, back.Missing); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if back.Service != "backend" {
		t.Errorf("service %q", back.Service)
	}
}
