package watch

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// taskEvent is the EventBridge envelope of an ECS Task State Change.
type taskEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// taskDetail is the part of the event's detail (the Task shape) a stop
// needs.
type taskDetail struct {
	TaskArn           string     `json:"taskArn"`
	ClusterArn        string     `json:"clusterArn"`
	Group             string     `json:"group"`
	LastStatus        string     `json:"lastStatus"`
	DesiredStatus     string     `json:"desiredStatus"`
	StopCode          string     `json:"stopCode"`
	StoppedReason     string     `json:"stoppedReason"`
	TaskDefinitionArn string     `json:"taskDefinitionArn"`
	LaunchType        string     `json:"launchType"`
	CreatedAt         *time.Time `json:"createdAt"`
	StartedAt         *time.Time `json:"startedAt"`
	StoppingAt        *time.Time `json:"stoppingAt"`
	StoppedAt         *time.Time `json:"stoppedAt"`
	Containers        []struct {
		Name       string `json:"name"`
		ExitCode   *int32 `json:"exitCode"`
		Reason     string `json:"reason"`
		LastStatus string `json:"lastStatus"`
	} `json:"containers"`
}

// snsEnvelope is an event that reached the queue through SNS.
type snsEnvelope struct {
	Type    string `json:"Type"`
	Message string `json:"Message"`
}

// errNotTaskEvent is a message that is not an ECS Task State Change: it is
// deleted, since no retry can make it one.
var errNotTaskEvent = errors.New("not an ECS Task State Change event")

// parseTaskEvent reads one queue message body: an EventBridge event, or
// one wrapped by SNS.
func parseTaskEvent(body string) (ecstypes.Task, error) {
	var sns snsEnvelope
	if json.Unmarshal([]byte(body), &sns) == nil && sns.Type == "Notification" && sns.Message != "" {
		body = sns.Message
	}
	var ev taskEvent
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		return ecstypes.Task{}, fmt.Errorf("%w: %v", errNotTaskEvent, err)
	}
	if ev.Source != "aws.ecs" || ev.DetailType != "ECS Task State Change" || len(ev.Detail) == 0 {
		return ecstypes.Task{}, fmt.Errorf("%w: source %q, detail-type %q", errNotTaskEvent, ev.Source, ev.DetailType)
	}
	var d taskDetail
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		return ecstypes.Task{}, fmt.Errorf("%w: its detail: %v", errNotTaskEvent, err)
	}
	if d.TaskArn == "" {
		return ecstypes.Task{}, fmt.Errorf("%w: no taskArn", errNotTaskEvent)
	}
	t := ecstypes.Task{
		TaskArn: &d.TaskArn, ClusterArn: &d.ClusterArn, Group: &d.Group,
		LastStatus: &d.LastStatus, DesiredStatus: &d.DesiredStatus,
		StopCode: ecstypes.TaskStopCode(d.StopCode), StoppedReason: &d.StoppedReason,
		TaskDefinitionArn: &d.TaskDefinitionArn, LaunchType: ecstypes.LaunchType(d.LaunchType),
		CreatedAt: d.CreatedAt, StartedAt: d.StartedAt, StoppingAt: d.StoppingAt, StoppedAt: d.StoppedAt,
	}
	for _, c := range d.Containers {
		t.Containers = append(t.Containers, ecstypes.Container{
			Name: strPtr(c.Name), ExitCode: c.ExitCode, Reason: strPtr(c.Reason), LastStatus: strPtr(c.LastStatus),
			TaskArn: &d.TaskArn,
		})
	}
	return t, nil
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
