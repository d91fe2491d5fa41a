package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/bot/discordtest"
	"github.com/ecsmedic/ecsmedic/iampolicy"
	"github.com/ecsmedic/ecsmedic/internal/mototest"
)

// sqsAccount is one target's account for a test: the simulator serves
// ECS and STS, and the SQS calls go on to moto, as they would to the
// account's SQS endpoint. It keeps the access keys STS handed out and the
// SQS calls made with them.
type sqsAccount struct {
	sim  http.Handler
	moto *httputil.ReverseProxy

	mu      sync.Mutex
	issued  []string // AccessKeyIds of AssumeRole's answers
	calls   []string // "OPERATION KEY" of each SQS call, once answered
	changed chan struct{}
}

var (
	accessKeyRE  = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`)
	credentialRE = regexp.MustCompile(`Credential=([^/]+)/`)
)

// newSQSAccount serves sim, and moto's SQS, on a loopback URL.
func newSQSAccount(t *testing.T, sim http.Handler, moto string) (*sqsAccount, string) {
	t.Helper()
	u, err := url.Parse(moto)
	if err != nil {
		t.Fatal(err)
	}
	a := &sqsAccount{sim: sim, moto: httputil.NewSingleHostReverseProxy(u), changed: make(chan struct{}, 1)}
	hs := httptest.NewServer(a)
	t.Cleanup(hs.Close)
	return a, hs.URL
}

func (a *sqsAccount) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS."); ok {
		a.moto.ServeHTTP(rw, r)
		key := "unsigned"
		if m := credentialRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			key = m[1]
		}
		a.note(func() { a.calls = append(a.calls, op+" "+key) })
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !bytes.Contains(body, []byte("Action=AssumeRole")) {
		a.sim.ServeHTTP(rw, r)
		return
	}
	rec := httptest.NewRecorder()
	a.sim.ServeHTTP(rec, r)
	if m := accessKeyRE.FindSubmatch(rec.Body.Bytes()); m != nil {
		a.note(func() { a.issued = append(a.issued, string(m[1])) })
	}
	for k, v := range rec.Header() {
		rw.Header()[k] = v
	}
	rw.WriteHeader(rec.Code)
	_, _ = rw.Write(rec.Body.Bytes())
}

func (a *sqsAccount) note(f func()) {
	a.mu.Lock()
	f()
	a.mu.Unlock()
	select {
	case a.changed <- struct{}{}:
	default:
	}
}

// waitFor waits, up to patience, until cond holds of what the account saw.
func (a *sqsAccount) waitFor(t *testing.T, what string, cond func(issued, calls []string) bool) {
	t.Helper()
	deadline := time.After(patience)
	for {
		a.mu.Lock()
		ok := cond(a.issued, a.calls)
		issued, calls := a.issued, a.calls
		a.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-a.changed:
		case <-deadline:
			t.Fatalf("%s: not within %s (keys issued %q, SQS calls %q)", what, patience, issued, calls)
		}
	}
}

// stopEvent is the EventBridge event of a stopped frontend task of
// cluster codedang, which no poll can find: ECS no longer lists it.
func stopEvent(taskID string, at time.Time) string {
	arn := "arn:aws:ecs:ap-northeast-2:111122223333:"
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": "7bd0b1fa-5f9e-4c1e-9a4f-0d3c4a6f2b11", "detail-type": "ECS Task State Change",
		"source": "aws.ecs", "account": "111122223333", "time": at.UTC().Format(time.RFC3339), "region": "ap-northeast-2",
		"resources": []string{arn + "task/codedang/" + taskID},
		"detail": map[string]any{
			"taskArn": arn + "task/codedang/" + taskID, "clusterArn": arn + "cluster/codedang", "group": "service:frontend",
			"lastStatus": "STOPPED", "desiredStatus": "STOPPED", "stopCode": "ServiceSchedulerInitiated",
			"stoppedReason":     "Task failed ELB health checks in (target-group " + strings.Replace(arn, ":ecs:", ":elasticloadbalancing:", 1) + "targetgroup/codedang-frontend-tg/8065acd1b0815916)",
			"taskDefinitionArn": arn + "task-definition/frontend:17", "version": 5,
			"startedAt": at.Add(-time.Hour).UTC().Format(time.RFC3339Nano), "stoppingAt": at.UTC().Format(time.RFC3339Nano), "stoppedAt": at.UTC().Format(time.RFC3339Nano),
			"containers": []map[string]any{{"name": "frontend", "exitCode": 137}},
		},
	})
	return string(b)
}

// TestTargetQueueBringsItsStops: staging has an SQS queue, prod none. A
// stop put on staging's queue, of a task no poll can find, is read with
// staging's assumed role, announced in #alerts as staging/frontend and
// deleted from the queue; prod's watcher only polls, and says so.
func TestTargetQueueBringsItsStops(t *testing.T) {
	moto := mototest.URL(t)
	ctx := context.Background()
	mc := aws.NewClientsForEndpoint(moto, "ap-northeast-2")
	t.Cleanup(mc.CloseIdleConnections)
	q, err := mc.SQS.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  awssdk.String(fmt.Sprintf("ecsmedic-staging-events-%d", time.Now().UnixNano())),
		Attributes: map[string]string{"VisibilityTimeout": "0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	queue := *q.QueueUrl // on moto, which serves staging's SQS below
	const taskID = "5f1e0a9c2b7d4e3f8a6b0c1d2e3f4a5b"
	body := stopEvent(taskID, time.Now().Add(-time.Minute))
	if _, err := mc.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &queue, MessageBody: &body}); err != nil {
		t.Fatal(err)
	}

	fake, err := discordtest.New(discordtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	staging, stagingURL := newSQSAccount(t, newAccount(t).sim, moto)
	cfg := botTargetsConfig(t, newAccount(t), &account{url: stagingURL}, fake, func(yml []byte) []byte {
		return bytes.Replace(yml, []byte("    clusters: [codedang]\n"), []byte("    clusters: [codedang]\n    sqsQueueUrl: "+queue+"\n"), 1)
	})

	c := start(t, t.TempDir(), []string{"TARGETS_TEST_TOKEN=" + fake.Token()}, "--config", cfg, "run")
	c.waitFor(`"msg":"watching stops from the SQS queue, polling as a backstop","target":"staging","queue":"` + queue + `","poll":300000000000`)
	c.waitFor(`"msg":"watching stops by polling (no sqsQueueUrl)","target":"prod"`)

	wctx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	if err := fake.WaitFor(wctx, func() bool { return strings.Contains(alertTitles(fake), "staging/frontend") }); err != nil {
		t.Fatalf("the stop on staging's queue was not announced as staging/frontend: %v\n%s\n%s", err, alertTitles(fake), c.stderr())
	}
	// The message is deleted once announced, with the key of staging's
	// assumed role: the queue is read with the target's own clients.
	staging.waitFor(t, "the stop's message deleted with staging's assumed role", func(issued, calls []string) bool {
		for _, call := range calls {
			op, key, _ := strings.Cut(call, " ")
			for _, k := range issued {
				if op == "DeleteMessageBatch" && key == k {
					return true
				}
			}
		}
		return false
	})
	attrs, err := mc.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &queue,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	if n, hidden := attrs.Attributes["ApproximateNumberOfMessages"], attrs.Attributes["ApproximateNumberOfMessagesNotVisible"]; n != "0" || hidden != "0" {
		t.Errorf("staging's queue still holds %s messages (%s in flight)", n, hidden)
	}
}

// iam-policy gives each target's role the SQS statement of its own queue,
// and none to a target without one.
func TestIAMPolicyPerTargetQueue(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	cfg, _ := twoAccountsConfig(t, &account{url: "http://127.0.0.1:1"}, &account{url: "http://127.0.0.1:2"})
	yml, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const queue = "https://sqs.ap-northeast-2.amazonaws.com/111111111111/ecsmedic-events"
	yml = bytes.Replace(yml, []byte("    clusters: [codedang, batch]\n"), []byte("    clusters: [codedang, batch]\n    sqsQueueUrl: "+queue+"\n"), 1)
	if err := os.WriteFile(cfg, yml, 0o600); err != nil {
		t.Fatal(err)
	}
	queueStatement := func(p iampolicy.Policy) []string {
		for _, s := range p.Statement {
			if s.Sid == "WatchQueue" {
				return append(s.Action, s.Resource...)
			}
		}
		return nil
	}
	const want = "sqs:DeleteMessage sqs:GetQueueAttributes sqs:ReceiveMessage arn:aws:sqs:ap-northeast-2:111111111111:ecsmedic-events"

	out, _, err := runSplit(t, "iam-policy", "--config", cfg, "--bot-role", "arn:aws:iam::999999999999:role/ecsmedic-task")
	if err != nil {
		t.Fatal(err)
	}
	var all targetPolicies
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		t.Fatalf("not the policies' JSON: %v\n%s", err, out)
	}
	if got := strings.Join(queueStatement(all.Targets["prod"].Policy), " "); got != want {
		t.Errorf("prod's queue statement = %q, want %q", got, want)
	}
	if got := queueStatement(all.Targets["staging"].Policy); got != nil {
		t.Errorf("staging, which has no queue, may read %v", got)
	}

	out, _, err = runSplit(t, "iam-policy", "--config", cfg, "--target", "prod")
	if err != nil {
		t.Fatal(err)
	}
	var p iampolicy.Policy
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("--target prod: %v\n%s", err, out)
	}
	if got := strings.Join(queueStatement(p), " "); got != want {
		t.Errorf("--target prod's queue statement = %q, want %q", got, want)
	}
}
