package config

import (
	"cmp"
	"fmt"
	"net/url"
	"strings"

	"github.com/ecsmedic/ecsmedic/internal/loopback"
)

// targetQueue reads targets.NAME.sqsQueueUrl: the queue of the target's
// own EventBridge rule, read with the target's clients. It is checked as
// schedules.watch.sqsQueueUrl is, and its region must be the target's,
// since the target's SQS client asks that region's endpoint.
func (b *builder) targetQueue(t *Target, v value, path string, c *Config) string {
	s, n := b.str(v, path, "")
	if n == nil || s == "" {
		return ""
	}
	q := b.queueURL(n, path, s, t.Endpoint != "" || c.AWS.Endpoint != "")
	if q == "" {
		return ""
	}
	if strings.HasPrefix(strings.ToLower(q), "http://") && !loopback.URL(q) {
		b.errAt(n, path, fmt.Sprintf("%q is plain http to another machine: the stop events would cross the network unencrypted", q),
			"use the queue's https:// URL, or a queue on this machine (http://127.0.0.1:4566/ACCOUNT-ID/QUEUE-NAME)")
		return ""
	}
	region := cmp.Or(t.Region, c.AWS.Region, b.getenv("AWS_REGION"))
	if qr := queueRegion(q); qr != "" && region != "" && qr != region {
		b.errAt(n, path, fmt.Sprintf("the queue is in %s, but target %s is in %s: the target reads queues of its own region only", qr, t.Name, region),
			fmt.Sprintf("use a queue in %s fed by the EventBridge rule of %s's account (README: Faster stop alerts), or correct the target's region", region, t.Name))
		return ""
	}
	if qa, ra := queueAccount(q), roleAccount(t.RoleARN); qa != "" && ra != "" && qa != ra {
		b.warnAt(n, path, fmt.Sprintf("the queue is in account %s, but target %s's role is in account %s", qa, t.Name, ra),
			"use the queue in the target's own account; a queue in another account must have a queue policy that lets the target's role receive and delete messages")
	}
	return q
}

// sharedQueue warns of schedules.watch.sqsQueueUrl beside targets: each
// target reads its own queue, and the shared one is read by none. The
// fix names the target whose account the queue is in, when one is.
func (b *builder) sharedQueue(c *Config) {
	const path = "schedules.watch.sqsQueueUrl"
	n := b.ix.values[path]
	if n == nil || n.Value == "" {
		return
	}
	fix := "move it under the target whose account and region hold the queue, as targets.NAME.sqsQueueUrl"
	var owners []string
	for _, t := range c.Targets {
		region := cmp.Or(t.Region, c.AWS.Region)
		if queueAccount(n.Value) == roleAccount(t.RoleARN) && (queueRegion(n.Value) == "" || region == "" || queueRegion(n.Value) == region) {
			owners = append(owners, t.Name)
		}
	}
	if len(owners) == 1 && queueAccount(n.Value) != "" {
		fix = fmt.Sprintf("move it to targets.%s.sqsQueueUrl: the queue is in %s's account", owners[0], owners[0])
	}
	b.warnAt(n, path, "with targets: each target reads its own queue (targets.NAME.sqsQueueUrl), and this one is not read", fix)
}

// queueRegion is the region in an SQS queue URL's host
// (sqs.REGION.amazonaws.com, the older REGION.queue.amazonaws.com, or a
// VPC endpoint's …sqs.REGION.vpce.amazonaws.com); "" for other hosts,
// such as a simulator's.
func queueRegion(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if !strings.HasSuffix(host, ".amazonaws.com") && !strings.HasSuffix(host, ".amazonaws.com.cn") {
		return ""
	}
	labels := strings.Split(host, ".")
	for i, l := range labels {
		switch {
		case l == "sqs" && i+1 < len(labels) && regionRE.MatchString(labels[i+1]):
			return labels[i+1]
		case l == "queue" && i > 0 && regionRE.MatchString(labels[i-1]):
			return labels[i-1]
		}
	}
	return ""
}

// queueAccount is the account id in an SQS queue URL's path, or "".
func queueAccount(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if queuePathRE().MatchString(u.Path) {
		return strings.Split(u.Path, "/")[1]
	}
	return ""
}

// roleAccount is the account id of a role ARN, or "".
func roleAccount(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 && len(parts[4]) == 12 {
		return parts[4]
	}
	return ""
}
