package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSClient is the part of *sqs.Client the source uses.
type SQSClient interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// StopHandler handles stopped tasks; *Watcher is one. The result has one
// error per task, nil when the task is done with.
type StopHandler interface {
	HandleStops(ctx context.Context, tasks []ecstypes.Task) []error
}

// SQSSource reads ECS Task State Change events from an SQS queue that an
// EventBridge rule feeds:
//
//	{"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"],
//	 "detail": {"lastStatus": ["STOPPED"], "clusterArn": ["arn:…:cluster/NAME"]}}
//
// A message is deleted only once its stop was recorded and announced;
// one whose handling failed comes back after the queue's visibility
// timeout, and the store keeps its alert single.
type SQSSource struct {
	client SQSClient
	url    string
	h      StopHandler
	// Wait is the long poll of each ReceiveMessage (at most 20 s; default 20 s).
	Wait time.Duration
	// Visibility, when set, overrides the queue's visibility timeout for
	// received messages: how long a failed message stays away.
	Visibility *time.Duration
}

// NewSQSSource reads queueURL and hands its stops to h (the watcher).
func NewSQSSource(client SQSClient, queueURL string, h StopHandler) *SQSSource {
	return &SQSSource{client: client, url: queueURL, h: h, Wait: 20 * time.Second}
}

// Run receives batches until ctx ends; it returns nil then.
func (s *SQSSource) Run(ctx context.Context) error {
	failures := 0
	for ctx.Err() == nil {
		if err := s.Receive(ctx); err != nil && ctx.Err() == nil {
			failures++
			slog.Warn("watch: reading the SQS queue failed", "queue", s.url, "err", err)
			// Back off a little on a broken queue rather than spin.
			select {
			case <-ctx.Done():
			case <-time.After(min(time.Duration(failures)*time.Second, 30*time.Second)):
			}
			continue
		}
		failures = 0
	}
	return nil
}

// Receive takes one batch (up to 10 messages, long-polled), hands the
// stops to the handler and deletes the messages it is done with: handled
// stops, and messages no retry can help (other events, not JSON).
func (s *SQSSource) Receive(ctx context.Context) error {
	in := &sqs.ReceiveMessageInput{QueueUrl: &s.url, MaxNumberOfMessages: 10, WaitTimeSeconds: int32(min(s.Wait, 20*time.Second) / time.Second)}
	if s.Visibility != nil {
		in.VisibilityTimeout = int32(*s.Visibility / time.Second)
	}
	out, err := s.client.ReceiveMessage(ctx, in)
	if err != nil {
		return fmt.Errorf("receiving from %s: %w", s.url, err)
	}
	var (
		done  []sqstypes.Message
		tasks []ecstypes.Task
		owner []sqstypes.Message
	)
	for _, m := range out.Messages {
		t, err := parseTaskEvent(deref(m.Body))
		if err != nil {
			slog.Warn("watch: dropping a queue message that is not an ECS task state change", "id", deref(m.MessageId), "err", err)
			done = append(done, m)
			continue
		}
		if deref(t.LastStatus) != "STOPPED" {
			done = append(done, m) // only stops matter
			continue
		}
		tasks, owner = append(tasks, t), append(owner, m)
	}
	var failed []error
	if len(tasks) > 0 {
		for i, err := range s.h.HandleStops(ctx, tasks) {
			if err != nil {
				failed = append(failed, err)
				continue
			}
			done = append(done, owner[i])
		}
	}
	if err := s.delete(ctx, done); err != nil {
		failed = append(failed, err)
	}
	return errors.Join(failed...)
}

func (s *SQSSource) delete(ctx context.Context, ms []sqstypes.Message) error {
	if len(ms) == 0 {
		return nil
	}
	entries := make([]sqstypes.DeleteMessageBatchRequestEntry, len(ms))
	for i, m := range ms {
		entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: strPtr(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	out, err := s.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &s.url, Entries: entries})
	if err != nil {
		return fmt.Errorf("deleting %d handled messages from %s (they will come back and be skipped): %w", len(ms), s.url, err)
	}
	if len(out.Failed) > 0 {
		return fmt.Errorf("deleting %d of %d handled messages from %s failed (they will come back and be skipped): %s",
			len(out.Failed), len(ms), s.url, deref(out.Failed[0].Message))
	}
	return nil
}
