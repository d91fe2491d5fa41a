package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestTargetQueue: targets.NAME.sqsQueueUrl is checked as
// schedules.watch.sqsQueueUrl is, and must be in the target's region.
func TestTargetQueue(t *testing.T) {
	t.Parallel()
	// The queue is on line 9.
	const head = "discord:\n  guildId: \"1032547195402412062\"\ntargets:\n  prod:\n" +
		"    roleArn: arn:aws:iam::111111111111:role/ecsmedic\n    region: ap-northeast-2\n    clusters: [web]\n    services: {api: {}}\n"
	const seoul = "https://sqs.ap-northeast-2.amazonaws.com/111111111111/ecsmedic-events"
	tests := []struct {
		name      string
		queue     string
		extra     string // more lines under prod:
		want      string // the target's queue when there is no error
		errs      []at
		warns     []at
		describes string
	}{
		{name: "the target's queue", queue: seoul, want: seoul,
			describes: "stops: events from " + seoul + ", polling only as a backstop"},
		{name: "the older host", queue: "https://ap-northeast-2.queue.amazonaws.com/111111111111/ecsmedic-events",
			want: "https://ap-northeast-2.queue.amazonaws.com/111111111111/ecsmedic-events"},
		{name: "a simulator's queue", queue: "http://127.0.0.1:4566/000000000000/ecsmedic-events", extra: "    endpoint: http://127.0.0.1:4566\n",
			want: "http://127.0.0.1:4566/000000000000/ecsmedic-events", warns: []at{{9, "targets.prod.sqsQueueUrl", "the queue is in account 000000000000, but target prod's role is in account 111111111111"}}},
		{name: "another region", queue: "https://sqs.us-east-1.amazonaws.com/111111111111/ecsmedic-events",
			errs: []at{{9, "targets.prod.sqsQueueUrl", "the queue is in us-east-1, but target prod is in ap-northeast-2"}}},
		{name: "another account", queue: "https://sqs.ap-northeast-2.amazonaws.com/222222222222/ecsmedic-events", want: "https://sqs.ap-northeast-2.amazonaws.com/222222222222/ecsmedic-events",
			warns: []at{{9, "targets.prod.sqsQueueUrl", "a queue policy that lets the target's role receive"}}},
		{name: "the queue's ARN", queue: "arn:aws:sqs:ap-northeast-2:111111111111:ecsmedic-events",
			errs: []at{{9, "targets.prod.sqsQueueUrl", "write sqsQueueUrl: " + seoul}}},
		{name: "http without an endpoint", queue: "http://sqs.ap-northeast-2.amazonaws.com/111111111111/ecsmedic-events",
			errs: []at{{9, "targets.prod.sqsQueueUrl", "starting with https://"}}},
		{name: "http to another machine", queue: "http://10.0.0.5:4566/111111111111/ecsmedic-events", extra: "    endpoint: http://127.0.0.1:4566\n",
			errs: []at{{9, "targets.prod.sqsQueueUrl", "plain http to another machine"}}},
		{name: "the console's URL", queue: "https://console.aws.amazon.com/sqs/v2/home",
			errs: []at{{9, "targets.prod.sqsQueueUrl", "/ACCOUNT-ID/QUEUE-NAME"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse("t.yaml", []byte(head+"    sqsQueueUrl: "+tt.queue+"\n"+tt.extra), func(string) string { return "" })
			if tt.errs != nil {
				var es Errors
				if !errors.As(err, &es) {
					t.Fatalf("err = %v, want Errors", err)
				}
				if diff := cmp.Diff(tt.errs, problemsAt(es, tt.errs)); diff != "" {
					t.Errorf("problems (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if p, _ := c.TargetByName("prod"); p.SQSQueueURL != tt.want {
				t.Errorf("prod's queue = %q, want %q", p.SQSQueueURL, tt.want)
			}
			if diff := cmp.Diff(tt.warns, problemsAt(queueWarnings(c), tt.warns), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if d := c.Describe(); tt.describes != "" && !strings.Contains(d, tt.describes) {
				t.Errorf("check-config does not say %q:\n%s", tt.describes, d)
			}
		})
	}
}

// queueWarnings are c's warnings about a queue.
func queueWarnings(c *Config) []Error {
	var out []Error
	for _, w := range c.Warnings() {
		if strings.HasSuffix(w.Path, "sqsQueueUrl") {
			out = append(out, Error(w))
		}
	}
	return out
}

// TestTargetsWarnOfTheSharedQueue: schedules.watch.sqsQueueUrl beside
// targets is read by no target; the warning says where it belongs, naming
// the target when the queue's account and region are one target's, and
// check-config no longer says the shared queue brings the stops.
func TestTargetsWarnOfTheSharedQueue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		queue, fix string
	}{
		{"https://sqs.ap-northeast-2.amazonaws.com/111111111111/ecsmedic-events", "move it to targets.prod.sqsQueueUrl: the queue is in prod's account"},
		{"https://sqs.us-east-1.amazonaws.com/222222222222/ecsmedic-events", "move it to targets.staging.sqsQueueUrl"},
		{"https://sqs.eu-west-1.amazonaws.com/111111111111/ecsmedic-events", "move it under the target whose account and region hold the queue, as targets.NAME.sqsQueueUrl"},
	}
	for _, tt := range tests {
		t.Run(tt.queue, func(t *testing.T) {
			t.Parallel()
			c, err := parse("t.yaml", []byte(twoAccounts+"schedules:\n  watch:\n    sqsQueueUrl: "+tt.queue+"\n"), func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			ws := queueWarnings(c)
			if len(ws) != 1 || ws[0].Path != "schedules.watch.sqsQueueUrl" || ws[0].Line != 22 ||
				!strings.Contains(ws[0].Message, "each target reads its own queue") || !strings.Contains(ws[0].Fix, tt.fix) {
				t.Errorf("warnings = %+v; want one on line 22 saying: %s", ws, tt.fix)
			}
			if d := c.Describe(); strings.Contains(d, "events from") {
				t.Errorf("check-config says the shared queue is read:\n%s", d)
			}
		})
	}
}
