package aws

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// awslogs is where a container's awslogs driver writes.
type awslogs struct {
	Container string
	Group     string
	Prefix    string // awslogs-stream-prefix; without it the stream name is not knowable
	Region    string // awslogs-region
}

// logTarget picks whose logs to read in a task: the named container, else
// an essential one that exited non-zero (it stopped the task), else the
// first essential one, else the first with awslogs.
func logTarget(td ecstypes.TaskDefinition, t *ecstypes.Task, want string) (awslogs, bool) {
	var all []awslogs
	essential := map[string]bool{}
	for _, cd := range td.ContainerDefinitions {
		lc := cd.LogConfiguration
		if lc == nil || lc.LogDriver != ecstypes.LogDriverAwslogs || lc.Options["awslogs-group"] == "" {
			continue
		}
		name := aws.ToString(cd.Name)
		all = append(all, awslogs{Container: name, Group: lc.Options["awslogs-group"], Prefix: lc.Options["awslogs-stream-prefix"], Region: lc.Options["awslogs-region"]})
		// An unset essential flag means essential.
		essential[name] = cd.Essential == nil || *cd.Essential
	}
	if len(all) == 0 {
		return awslogs{}, false
	}
	for _, a := range all {
		if a.Container == want {
			return a, true
		}
	}
	if t != nil {
		for _, c := range t.Containers {
			if c.ExitCode != nil && *c.ExitCode != 0 {
				for _, a := range all {
					if a.Container == aws.ToString(c.Name) && essential[a.Container] {
						return a, true
					}
				}
			}
		}
	}
	for _, a := range all {
		if essential[a.Container] {
			return a, true
		}
	}
	return all[0], true
}

// logGroup is the log group of the service's main container, or "".
func logGroup(td ecstypes.TaskDefinition, want string) string {
	a, _ := logTarget(td, nil, want)
	return a.Group
}

// taskLogs reads the last lines of a task's awslogs stream.
func (sg *serviceGather) taskLogs(ctx context.Context, t ecstypes.Task, td ecstypes.TaskDefinition) {
	id := taskID(aws.ToString(t.TaskArn))
	what := "logs of task " + id
	a, ok := logTarget(td, &t, sg.opt.Container)
	switch {
	case !ok:
		sg.g.note(Missing{Code: MissingNoLogStream, Source: what, Detail: "no container of " + lastPart(aws.ToString(td.TaskDefinitionArn)) + " uses the awslogs driver"})
		return
	case a.Prefix == "":
		sg.g.note(Missing{Code: MissingNoLogStream, Source: what, Detail: "container " + a.Container + " has no awslogs-stream-prefix, so its stream name cannot be known; add one to the task definition"})
		return
	case a.Region != "" && sg.c.Region != "" && a.Region != sg.c.Region:
		sg.g.note(Missing{Code: MissingNoLogStream, Source: what, Detail: "the logs are in " + a.Region + ", not in " + sg.c.Region})
		return
	}
	lines, err := sg.c.streamTail(ctx, a.Group, logStreamName(a.Prefix, a.Container, aws.ToString(t.TaskArn)), sg.opt.LogLines)
	if err != nil {
		sg.g.soft(what, err)
		return
	}
	sg.mu.Lock()
	sg.snap.Logs[aws.ToString(t.TaskArn)] = lines
	sg.mu.Unlock()
}

// streamTail returns the last n lines of a stream, oldest first.
func (c *Clients) streamTail(ctx context.Context, group, stream string, n int) ([]LogLine, error) {
	out, err := c.Logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName:  aws.String(group),
		LogStreamName: aws.String(stream),
		Limit:         aws.Int32(int32(min(n, 10000))),
		StartFromHead: aws.Bool(false),
	})
	if err != nil {
		return nil, err
	}
	lines := make([]LogLine, 0, len(out.Events))
	for _, e := range out.Events {
		lines = append(lines, LogLine{T: time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(), Message: aws.ToString(e.Message)})
	}
	return lines, nil
}

// LogStreamOf names the awslogs group and stream that hold the log of t's
// main container (the one a gather reads); ok is false when the task
// definition gives no stream prefix, so the name is not knowable.
func LogStreamOf(td ecstypes.TaskDefinition, t *ecstypes.Task) (group, stream string, ok bool) {
	target, ok := logTarget(td, t, "")
	if !ok || target.Prefix == "" {
		return "", "", false
	}
	return target.Group, logStreamName(target.Prefix, target.Container, aws.ToString(t.TaskArn)), true
}
