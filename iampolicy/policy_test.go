package iampolicy

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// club is a config like the club's, with the SQS watcher on.
var club = Input{
	Region:      "ap-northeast-2",
	Account:     "123456789012",
	Services:    []svcref.Ref{{Cluster: "codedang", Service: "backend"}, {Cluster: "codedang", Service: "frontend"}},
	SQSQueueURL: "https://sqs.ap-northeast-2.amazonaws.com/123456789012/ecsmedic-events",
	StoreTable:  "ecsmedic",
}

// setupOnly are operations the code calls that the bot's policy leaves
// out on purpose: a person runs them once, with more rights.
var setupOnly = map[string]string{
	"dynamodb:CreateTable":      "ecsmedic store create-table",
	"dynamodb:UpdateTimeToLive": "ecsmedic store create-table",
}

// extras are the actions the policy allows that are not operations the
// code calls: AWS checks them on behalf of one that is.
var extras = map[string]string{
	"ecs:TagResource":             "RegisterTaskDefinition with the copied tags",
	"iam:PassRole":                "RegisterTaskDefinition with task and execution roles",
	"iam:CreateServiceLinkedRole": "RegisterScalableTarget, the first time in an account",
	"sqs:GetQueueAttributes":      "the watcher's queue",
}

// TestPolicyCoversEveryAWSCall finds every AWS operation in the code and
// checks that the policy allows it: adding an AWS call without adding its
// action to the policy fails here.
func TestPolicyCoversEveryAWSCall(t *testing.T) {
	t.Parallel()
	calls := codeCalls(t)
	if len(calls) < 20 {
		t.Fatalf("found only %d AWS calls in the code; the scanner is broken", len(calls))
	}
	pol := Build(club).Policy
	allowed := pol.Actions()
	called := map[string]bool{}
	for _, c := range calls {
		a := Action(c.Package, c.Operation)
		if a == "" {
			t.Errorf("%s: %s.%s: the SDK package %q has no IAM prefix in iampolicy.sdkPrefix; add it", c.Pos, c.Package, c.Operation, c.Package)
			continue
		}
		called[a] = true
		if !slices.Contains(allowed, a) && setupOnly[a] == "" {
			t.Errorf("%s: the code calls %s.%s, but the IAM policy does not allow %s: add it to iampolicy (ReadActions or a write statement)", c.Pos, c.Package, c.Operation, a)
		}
	}
	// Least privilege the other way: nothing the code no longer calls.
	for _, a := range allowed {
		if !called[a] && extras[a] == "" {
			t.Errorf("the policy allows %s, which no code calls any more: remove it from iampolicy", a)
		}
	}
}

// TestPolicyAllowsEveryWrite reads aws's catalogue of writes: each is
// allowed by a write statement, scoped as the changes need.
func TestPolicyAllowsEveryWrite(t *testing.T) {
	writes := aws.Writes()
	if len(writes) == 0 {
		t.Fatal("aws.Writes is empty")
	}
	for _, w := range writes {
		found := false
		for _, s := range Build(club).Policy.Statement {
			if s.Sid != ReadSid && slices.Contains(s.Action, w.Action()) {
				found = true
			}
		}
		if !found {
			t.Errorf("aws writes %s, but no write statement of the policy allows it: add it to iampolicy", w.Action())
		}
	}
}

func isReadAction(a string) bool {
	_, op, _ := strings.Cut(a, ":")
	for _, verb := range []string{"Describe", "List", "Get"} {
		if strings.HasPrefix(op, verb) {
			return true
		}
	}
	return false
}

func TestReadStatementHoldsOnlyReads(t *testing.T) {
	t.Parallel()
	for _, s := range Build(club).Policy.Statement {
		for _, a := range s.Action {
			if s.Sid == ReadSid && !isReadAction(a) {
				t.Errorf("%s is in the read statement (Resource \"*\") but is not a read", a)
			}
			// The queue's and the store table's reads are scoped to them:
			// the read statement's "*" would open every queue and table.
			if s.Sid != ReadSid && isReadAction(a) && a != "sqs:GetQueueAttributes" && s.Sid != "KeepStateInDynamoDB" {
				t.Errorf("%s is a read but sits in statement %s", a, s.Sid)
			}
		}
		if s.Sid != ReadSid && slices.Contains(s.Resource, "*") && !slices.Equal(s.Action, []string{"ecs:RegisterTaskDefinition"}) {
			t.Errorf("write statement %s has Resource \"*\"", s.Sid)
		}
	}
}

// TestScannerFinds proves the scanner sees each way code reaches AWS, and
// that an operation the policy lacks would be reported.
func TestScannerFinds(t *testing.T) {
	t.Parallel()
	const src = `package fixture

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

type queue interface {
	DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

type clients struct{ ECS *ecs.Client }

func f(ctx context.Context, c *clients, q queue) {
	_, _ = c.ECS.StopTask(ctx, &ecs.StopTaskInput{})
	_ = ecs.NewListServicesPaginator(c.ECS, &ecs.ListServicesInput{})
	del := c.ECS.DeleteService
	_ = del
	_, _ = q.DeleteMessageBatch(ctx, nil)
	_ = ecs.NewServicesStableWaiter(c.ECS).Wait(ctx, nil, 0)
	_ = ecs.NewFromConfig
}
`
	tc, _ := newTypeChecker(t)
	f, err := parser.ParseFile(tc.fset, "fixture.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range tc.calls(t, "example.com/fixture", []*ast.File{f}) {
		got = append(got, Action(c.Package, c.Operation))
	}
	want := []string{"ecs:StopTask", "ecs:ListServices", "ecs:DeleteService", "sqs:DeleteMessage", "ecs:DescribeServices"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("found (-want +got):\n%s", diff)
	}
	allowed := Build(club).Policy.Actions()
	for _, tc := range []struct {
		action  string
		allowed bool
	}{
		{"ecs:StopTask", false}, // a new call: the coverage test would fail
		{"ecs:DeleteService", false},
		{"ecs:ListServices", true},
		{"sqs:DeleteMessage", true},
	} {
		if slices.Contains(allowed, tc.action) != tc.allowed {
			t.Errorf("%s allowed = %v, want %v", tc.action, !tc.allowed, tc.allowed)
		}
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	type check struct {
		sid      string
		resource []string
	}
	tests := []struct {
		name      string
		in        Input
		want      []check
		absentSid []string
		noteHas   []string
	}{
		{
			name: "club, scoped",
			in: Input{Region: "ap-northeast-2", Account: "123456789012",
				Services:          []svcref.Ref{{Cluster: "codedang", Service: "backend"}, {Cluster: "other", Service: "api"}},
				Families:          []string{"backend"},
				TargetGroups:      []string{"backend-tg"},
				AutoScalingGroups: []string{"codedang-asg"},
				CapacityProviders: []string{"codedang-cp"},
				PassRoles:         []string{"backend-task", "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"},
				SQSQueueURL:       "https://sqs.ap-northeast-2.amazonaws.com/123456789012/ecsmedic-events"},
			want: []check{
				{"Read", []string{"*"}},
				{"ChangeServices", []string{"arn:aws:ecs:ap-northeast-2:123456789012:service/codedang/backend", "arn:aws:ecs:ap-northeast-2:123456789012:service/other/api"}},
				{"TagNewRevisions", []string{"arn:aws:ecs:ap-northeast-2:123456789012:task-definition/backend:*"}},
				{"PassTaskRoles", []string{"arn:aws:iam::123456789012:role/backend-task", "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"}},
				{"ChangeCapacityProviders", []string{"arn:aws:ecs:ap-northeast-2:123456789012:capacity-provider/codedang-cp"}},
				{"ChangeAutoScalingGroupPolicies", []string{"arn:aws:autoscaling:ap-northeast-2:123456789012:autoScalingGroup:*:autoScalingGroupName/codedang-asg"}},
				{"ChangeTargetGroupHealthChecks", []string{"arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/backend-tg/*"}},
				{"WatchQueue", []string{"arn:aws:sqs:ap-northeast-2:123456789012:ecsmedic-events"}},
			},
		},
		{
			name:      "nothing known: placeholders and notes",
			in:        Input{Services: []svcref.Ref{{Cluster: "c", Service: "s"}}},
			want:      []check{{"ChangeServices", []string{"arn:aws:ecs:*:*:service/c/s"}}, {"PassTaskRoles", []string{"arn:aws:iam::*:role/*"}}},
			absentSid: []string{"WatchQueue"},
			noteHas:   []string{"--account", "--region", "--family", "--pass-role", "--target-group", "--asg", "--capacity-provider"},
		},
		{
			name:    "China partition",
			in:      Input{Region: "cn-north-1", Account: "123456789012", Services: []svcref.Ref{{Cluster: "c", Service: "s"}}},
			want:    []check{{"ChangeServices", []string{"arn:aws-cn:ecs:cn-north-1:123456789012:service/c/s"}}},
			noteHas: []string{"--family"},
		},
		{
			name:      "no services: no service statement",
			in:        Input{Region: "us-east-1", Account: "123456789012"},
			absentSid: []string{"ChangeServices"},
			noteHas:   []string{"names no services"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Build(tt.in)
			var doc Policy
			if err := json.Unmarshal(res.JSON(), &doc); err != nil {
				t.Fatalf("the policy is not JSON: %v", err)
			}
			bySid := map[string]Statement{}
			for _, s := range doc.Statement {
				if _, dup := bySid[s.Sid]; dup {
					t.Errorf("Sid %s twice", s.Sid)
				}
				if s.Effect != "Allow" || len(s.Action) == 0 || len(s.Resource) == 0 {
					t.Errorf("statement %s: %+v", s.Sid, s)
				}
				bySid[s.Sid] = s
			}
			for _, c := range tt.want {
				if diff := cmp.Diff(c.resource, bySid[c.sid].Resource); diff != "" {
					t.Errorf("%s resources (-want +got):\n%s", c.sid, diff)
				}
			}
			for _, sid := range tt.absentSid {
				if _, ok := bySid[sid]; ok {
					t.Errorf("statement %s should be absent", sid)
				}
			}
			notes := strings.Join(res.Notes, "\n")
			for _, n := range tt.noteHas {
				if !strings.Contains(notes, n) {
					t.Errorf("notes lack %q:\n%s", n, notes)
				}
			}
		})
	}
}

func TestAccountFrom(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, queue, arn string }{
		{"https://sqs.ap-northeast-2.amazonaws.com/123456789012/q", "123456789012", ""},
		{"arn:aws:iam::123456789012:role/ecsmedic", "", "123456789012"},
		{"https://example.org/q", "", ""},
		{"arn:aws:iam::aws:policy/x", "", ""},
	}
	for _, tt := range tests {
		if got := AccountFromQueueURL(tt.in); got != tt.queue {
			t.Errorf("AccountFromQueueURL(%q) = %q, want %q", tt.in, got, tt.queue)
		}
		if got := AccountFromARN(tt.in); got != tt.arn {
			t.Errorf("AccountFromARN(%q) = %q, want %q", tt.in, got, tt.arn)
		}
	}
}
