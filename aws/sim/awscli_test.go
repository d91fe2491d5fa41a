package sim_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

// debianAWS is Debian's awscli package: AWS CLI v2, which speaks awsQuery
// to CloudWatch. It is what the README tells users to point at the
// simulator; a pip-installed v1 earlier on PATH would test something else.
const debianAWS = "/usr/bin/aws"

// TestAWSCLIAgainstSim drives the real aws CLI against the simulator: the
// main read of each service, and writes that later reads must see. It calls
// the CLI as the README's simulator recipe does (readme_test.go runs that
// recipe itself): --endpoint-url on every call, since Debian's aws 2.9
// ignores AWS_ENDPOINT_URL (2.13+) and would ask AWS itself, and the
// Region and the dummy keys from the environment.
func TestAWSCLIAgainstSim(t *testing.T) {
	if _, err := os.Stat(debianAWS); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: .ci/run installs Debian's awscli package first", debianAWS)
		}
		t.Skipf("%s not installed (apt-get install awscli); CI runs this test", debianAWS)
	}
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	srv := sim.New(w, sim.Options{Freeze: true})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	var stoppedArn, tgArn, group, stream string
	for _, task := range w.Tasks {
		if task["lastStatus"] == "STOPPED" {
			stoppedArn = task["taskArn"].(string)
		}
	}
	tgArn = w.TargetGroups[0]["TargetGroupArn"].(string)
	group, stream = w.Logs[0].LogGroupName, w.Logs[0].LogStreamName
	metricQuery := `[{"Id":"cpu","MetricStat":{"Metric":{"Namespace":"AWS/ECS","MetricName":"CPUUtilization","Dimensions":[{"Name":"ClusterName","Value":"codedang"},{"Name":"ServiceName","Value":"backend"}]},"Period":60,"Stat":"Maximum"}}]`

	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, out map[string]any)
	}{
		{"ecs describe-services", []string{"ecs", "describe-services", "--cluster", "codedang", "--services", "backend"},
			func(t *testing.T, out map[string]any) {
				s := first(t, out, "services")
				if s["serviceName"] != "backend" || len(s["events"].([]any)) == 0 {
					t.Errorf("service: %v", s["serviceName"])
				}
			}},
		{"ecs describe-tasks", []string{"ecs", "describe-tasks", "--cluster", "codedang", "--tasks", stoppedArn},
			func(t *testing.T, out map[string]any) {
				task := first(t, out, "tasks")
				if task["stoppedReason"] == nil || task["stoppedAt"] == nil {
					t.Errorf("stopped task without its stop: %v", task)
				}
			}},
		{"cloudwatch get-metric-data (awsQuery)", []string{"cloudwatch", "get-metric-data", "--metric-data-queries", metricQuery,
			"--start-time", "2024-04-17T03:30:00Z", "--end-time", "2024-04-17T04:40:00Z"},
			func(t *testing.T, out map[string]any) {
				r := first(t, out, "MetricDataResults")
				vals, _ := r["Values"].([]any)
				if len(vals) == 0 {
					t.Fatalf("no values: %v", r)
				}
				max := 0.0
				for _, v := range vals {
					if f := v.(float64); f > max {
						max = f
					}
				}
				if max < 95 {
					t.Errorf("backend CPU peaked at %v; the incident has it at 99 %%", max)
				}
			}},
		{"elbv2 describe-target-health", []string{"elbv2", "describe-target-health", "--target-group-arn", tgArn},
			func(t *testing.T, out map[string]any) { first(t, out, "TargetHealthDescriptions") }},
		{"logs get-log-events", []string{"logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream, "--start-from-head"},
			func(t *testing.T, out map[string]any) {
				if e := first(t, out, "events"); !strings.Contains(e["message"].(string), "") {
					t.Error("no message")
				}
			}},
		{"sts get-caller-identity", []string{"sts", "get-caller-identity"},
			func(t *testing.T, out map[string]any) {
				if out["Account"] != w.AccountID {
					t.Errorf("account %v, want %v", out["Account"], w.AccountID)
				}
			}},
		{"write: ecs update-service", []string{"ecs", "update-service", "--cluster", "codedang", "--service", "backend", "--desired-count", "2"},
			func(t *testing.T, out map[string]any) {
				if s := out["service"].(map[string]any); s["desiredCount"].(float64) != 2 {
					t.Errorf("desiredCount %v", s["desiredCount"])
				}
			}},
		{"the write is seen by a later read", []string{"ecs", "describe-services", "--cluster", "codedang", "--services", "backend"},
			func(t *testing.T, out map[string]any) {
				if s := first(t, out, "services"); s["desiredCount"].(float64) != 2 {
					t.Errorf("desiredCount after update %v", s["desiredCount"])
				}
			}},
		{"write: elbv2 modify-target-group", []string{"elbv2", "modify-target-group", "--target-group-arn", tgArn, "--health-check-timeout-seconds", "10"},
			func(t *testing.T, out map[string]any) {
				if tg := first(t, out, "TargetGroups"); tg["HealthCheckTimeoutSeconds"].(float64) != 10 {
					t.Errorf("timeout %v", tg["HealthCheckTimeoutSeconds"])
				}
			}},
	}
	home := t.TempDir()
	for _, tt := range tests { // in order: the writes come after the reads they change
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--endpoint-url", url, "--output", "json", "--no-cli-pager"}, tt.args...)
			cmd := exec.Command(debianAWS, args...)
			cmd.Env = []string{
				"HOME=" + home, "PATH=/usr/bin:/bin",
				"AWS_DEFAULT_REGION=" + w.Region, "AWS_ACCESS_KEY_ID=sim", "AWS_SECRET_ACCESS_KEY=sim",
				"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
				"AWS_EC2_METADATA_DISABLED=true",
			}
			outb, err := cmd.Output()
			if err != nil {
				var stderr string
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("aws %s: %v\n%s", strings.Join(tt.args, " "), err, stderr)
			}
			var out map[string]any
			if err := json.Unmarshal(outb, &out); err != nil {
				t.Fatalf("aws printed no JSON: %v\n%s", err, outb)
			}
			tt.check(t, out)
		})
	}
}

func first(t *testing.T, out map[string]any, key string) map[string]any {
	t.Helper()
	l, _ := out[key].([]any)
	if len(l) == 0 {
		t.Fatalf("%s is empty in %v", key, out)
	}
	m, _ := l[0].(map[string]any)
	return m
}
