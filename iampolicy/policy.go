// Package iampolicy writes the least-privilege IAM policy ecsmedic needs for
// one config: what it reads, in one statement, and each kind of change it
// can make, in statements of their own scoped to the configured cluster,
// services and the resources behind them.
//
// Which action allows which resource follows the AWS Service Authorization
// Reference: reads that accept no resource ARN (ecs:ListClusters,
// ecs:DescribeTaskDefinition, cloudwatch:GetMetricData, the Describe* of
// Elastic Load Balancing, EC2 Auto Scaling and Application Auto Scaling,
// sts:GetCallerIdentity) need "Resource": "*", so the read statement uses it
// for all of them; the bot only reads with them.
package iampolicy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/ecsmedic/ecsmedic/svcref"
)

// Input is what the policy is scoped to. Empty account or region mean any
// ("*"); empty lists of families, target groups, Auto Scaling groups,
// capacity providers and roles mean any in the account and region, and
// Result.Notes says so.
type Input struct {
	Region  string
	Account string

	// Services are the ECS services the bot may change, each in its cluster.
	Services []svcref.Ref

	Families          []string // task definition families the bot may register revisions of
	TargetGroups      []string // target group names whose health checks it may change
	AutoScalingGroups []string // EC2 Auto Scaling groups whose policies it may change
	CapacityProviders []string // capacity providers whose managed scaling it may change
	PassRoles         []string // task and execution role ARNs (or names) of the task definitions

	// SQSQueueURL is the watcher's queue (schedules.watch.sqsQueueUrl), if any.
	SQSQueueURL string
	// AssumesRole is aws.roleArn: the policy belongs on that role.
	AssumesRole string
	// StoreTable is the DynamoDB table of storage.engine: dynamodb, with
	// its Region ("" = Region), if any.
	StoreTable, StoreRegion string
}

// StoreActions are what the DynamoDB store calls at run time
// (store/dynamo); DescribeTable is for the table's TTL check. Making the
// table (`ecsmedic store create-table`: dynamodb:CreateTable and
// dynamodb:UpdateTimeToLive) is an administrator's, once.
var StoreActions = []string{
	"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
	"dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
}

// Policy is an IAM policy document.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy; ecsmedic's only allow.
type Statement struct {
	Sid       string                    `json:"Sid"`
	Effect    string                    `json:"Effect"`
	Principal map[string]any            `json:"Principal,omitempty"` // trust policies only (trust.go)
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"` // every permissions statement has one
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// ReadSid is the Sid of the statement that holds every read action.
const ReadSid = "Read"

// ReadActions are the read-only actions ecsmedic uses: diagnosis, status,
// logs, summary, capture and the change plans all read with these.
var ReadActions = []string{
	"application-autoscaling:DescribeScalableTargets",
	"application-autoscaling:DescribeScalingPolicies",
	"autoscaling:DescribeAutoScalingGroups",
	"autoscaling:DescribePolicies",
	"cloudwatch:GetMetricData",
	"ecs:DescribeCapacityProviders",
	"ecs:DescribeClusters",
	"ecs:DescribeContainerInstances",
	"ecs:DescribeServices",
	"ecs:DescribeTaskDefinition",
	"ecs:DescribeTasks",
	"ecs:ListClusters",
	"ecs:ListContainerInstances",
	"ecs:ListServices",
	"ecs:ListTaskDefinitions",
	"ecs:ListTasks",
	"elasticloadbalancing:DescribeTargetGroups",
	"elasticloadbalancing:DescribeTargetHealth",
	"logs:GetLogEvents",
	"sts:GetCallerIdentity",
}

// sdkPrefix maps an aws-sdk-go-v2 service package to its IAM service prefix.
var sdkPrefix = map[string]string{
	"applicationautoscaling": "application-autoscaling",
	"autoscaling":            "autoscaling",
	"cloudwatch":             "cloudwatch",
	"cloudwatchlogs":         "logs",
	"dynamodb":               "dynamodb",
	"ecs":                    "ecs",
	"elasticloadbalancingv2": "elasticloadbalancing",
	"sqs":                    "sqs",
	"sts":                    "sts",
}

// batchAction maps the operations whose IAM action has another name.
var batchAction = map[string]string{
	"sqs:DeleteMessageBatch":           "sqs:DeleteMessage",
	"sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
	"sqs:SendMessageBatch":             "sqs:SendMessage",
}

// Action is the IAM action that allows the operation of an SDK service
// package (the last element of its import path, e.g. "cloudwatchlogs",
// "GetLogEvents" → "logs:GetLogEvents"); "" for a package it does not know.
func Action(sdkPackage, operation string) string {
	prefix, ok := sdkPrefix[sdkPackage]
	if !ok {
		return ""
	}
	a := prefix + ":" + operation
	if b, ok := batchAction[a]; ok {
		return b
	}
	return a
}

// Result is the policy and what a person should know about it.
type Result struct {
	Policy Policy
	// Notes say which parts are wider than they need be, and how to narrow
	// them; they go to stderr, not into the JSON.
	Notes []string
}

// JSON is the policy, indented, ready for `aws iam put-role-policy
// --policy-document file://…`.
func (r Result) JSON() []byte {
	b, err := json.MarshalIndent(r.Policy, "", "  ")
	if err != nil {
		panic(err) // only strings, slices and maps
	}
	return append(b, '\n')
}

// Actions is every action the policy allows, sorted.
func (p Policy) Actions() []string {
	var out []string
	for _, s := range p.Statement {
		out = append(out, s.Action...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Build writes the policy for in.
func Build(in Input) Result {
	b := builder{in: in, partition: partition(in.Region), region: orAny(in.Region), account: orAny(in.Account)}
	return b.build()
}

type builder struct {
	in                         Input
	partition, region, account string
	notes                      []string
}

func (b *builder) arn(service, resource string) string {
	region := b.region
	if service == "iam" {
		region = ""
	}
	account := b.account
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", b.partition, service, region, account, resource)
}

func (b *builder) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

func (b *builder) build() Result {
	in := b.in
	if in.Account == "" {
		b.note("The account id is \"*\": give --account 123456789012 (or aws.roleArn / an SQS queue URL in the config) to pin every ARN to your account.")
	}
	if in.Region == "" {
		b.note("The region is \"*\": set aws.region in the config or give --region.")
	}
	var serviceARNs []string
	for _, s := range in.Services {
		serviceARNs = append(serviceARNs, b.arn("ecs", "service/"+s.Cluster+"/"+s.Service))
	}
	serviceARNs = uniq(serviceARNs)
	if len(serviceARNs) == 0 {
		b.note("The config names no services, so the bot may change none: the service statements are left out.")
	}

	families := b.each(in.Families, "task definition families", "--family", func(f string) string {
		return b.arn("ecs", "task-definition/"+f+":*")
	}, b.arn("ecs", "task-definition/*:*"))

	p := Policy{Version: "2012-10-17"}
	add := func(s Statement) {
		s.Effect = "Allow"
		p.Statement = append(p.Statement, s)
	}
	add(Statement{Sid: ReadSid, Action: ReadActions, Resource: []string{"*"}})

	if len(serviceARNs) > 0 {
		// scale, rollback, healthcheck grace: a new revision and the
		// service pointed at it. ecs:task-definition is in the request
		// only when the revision changes, hence IfExists.
		add(Statement{Sid: "ChangeServices", Action: []string{"ecs:UpdateService"}, Resource: serviceARNs,
			Condition: map[string]map[string]any{"ArnLikeIfExists": {"ecs:task-definition": families}}})
	}
	// RegisterTaskDefinition accepts no resource ARN; its copies keep the
	// task definition's tags, which needs ecs:TagResource on the new
	// revision at creation.
	add(Statement{Sid: "RegisterTaskDefinitionRevisions", Action: []string{"ecs:RegisterTaskDefinition"}, Resource: []string{"*"}})
	add(Statement{Sid: "TagNewRevisions", Action: []string{"ecs:TagResource"}, Resource: families,
		Condition: map[string]map[string]any{"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}})

	roles := b.each(in.PassRoles, "task and execution roles", "--pass-role", func(r string) string {
		if strings.HasPrefix(r, "arn:") {
			return r
		}
		return b.arn("iam", "role/"+r)
	}, b.arn("iam", "role/*"))
	add(Statement{Sid: "PassTaskRoles", Action: []string{"iam:PassRole"}, Resource: roles,
		Condition: map[string]map[string]any{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}})

	// reservation on|off: capacity-provider managed scaling, else the
	// EC2 Auto Scaling policy on the cluster's CPUReservation.
	add(Statement{Sid: "ChangeCapacityProviders", Action: []string{"ecs:UpdateCapacityProvider"},
		Resource: b.each(in.CapacityProviders, "capacity providers", "--capacity-provider", func(n string) string {
			return b.arn("ecs", "capacity-provider/"+n)
		}, b.arn("ecs", "capacity-provider/*"))})
	add(Statement{Sid: "ChangeAutoScalingGroupPolicies", Action: []string{"autoscaling:DeletePolicy", "autoscaling:PutScalingPolicy"},
		Resource: b.each(in.AutoScalingGroups, "EC2 Auto Scaling groups", "--asg", func(n string) string {
			return b.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/"+n)
		}, b.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*"))})

	// healthcheck SERVICE timeout|interval|unhealthy: the target group.
	add(Statement{Sid: "ChangeTargetGroupHealthChecks", Action: []string{"elasticloadbalancing:ModifyTargetGroup"},
		Resource: b.each(in.TargetGroups, "target groups", "--target-group", func(n string) string {
			return b.arn("elasticloadbalancing", "targetgroup/"+n+"/*")
		}, b.arn("elasticloadbalancing", "targetgroup/*/*"))})

	// autoscale SERVICE on|off: Application Auto Scaling's scalable
	// targets have generated ids, so the account and region bound them.
	add(Statement{Sid: "ChangeServiceAutoScaling", Action: []string{
		"application-autoscaling:DeleteScalingPolicy",
		"application-autoscaling:DeregisterScalableTarget",
		"application-autoscaling:PutScalingPolicy",
		"application-autoscaling:RegisterScalableTarget",
	}, Resource: []string{b.arn("application-autoscaling", "scalable-target/*")}})
	// The first scalable target of an ECS service creates this role.
	add(Statement{Sid: "CreateECSAutoScalingServiceLinkedRole", Action: []string{"iam:CreateServiceLinkedRole"},
		Resource:  []string{b.arn("iam", "role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService")},
		Condition: map[string]map[string]any{"StringLike": {"iam:AWSServiceName": "ecs.application-autoscaling.amazonaws.com"}}})

	if in.SQSQueueURL != "" {
		add(Statement{Sid: "WatchQueue", Action: []string{"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
			Resource: []string{b.queueARN(in.SQSQueueURL)}})
	}
	if in.StoreTable != "" {
		region := cmp.Or(in.StoreRegion, in.Region)
		arn := "arn:" + partition(region) + ":dynamodb:" + orAny(region) + ":" + orAny(in.Account) + ":table/" + in.StoreTable
		add(Statement{Sid: "KeepStateInDynamoDB", Action: slices.Clone(StoreActions), Resource: []string{arn}})
		b.note("The store is the DynamoDB table %s: the KeepStateInDynamoDB statement belongs on the bot's own task role (the table is the bot's, not the watched account's). "+
			"Creating the table (`ecsmedic store create-table`) also needs dynamodb:CreateTable and dynamodb:UpdateTimeToLive; deploy/dynamodb-table.json is the other way.", in.StoreTable)
	}
	if in.AssumesRole != "" {
		b.note("aws.roleArn is %s: attach this policy to that role; the identity the bot starts with (the task role) needs only sts:AssumeRole on it.", in.AssumesRole)
	}
	for i := range p.Statement {
		sort.Strings(p.Statement[i].Action)
	}
	return Result{Policy: p, Notes: b.notes}
}

// each scopes to the named resources, or to all of a kind with a note.
func (b *builder) each(names []string, what, flag string, arn func(string) string, all string) []string {
	names = uniq(names)
	if len(names) == 0 {
		b.note("Any of the account's %s may be changed: name yours with %s to narrow it.", what, flag)
		return []string{all}
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, arn(n))
	}
	return out
}

// queueARN turns https://sqs.REGION.amazonaws.com/ACCOUNT/NAME into the
// queue's ARN.
func (b *builder) queueARN(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return b.arn("sqs", "*")
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 {
		return b.arn("sqs", "*")
	}
	region := b.region
	if host := strings.Split(u.Hostname(), "."); len(host) >= 3 && host[0] == "sqs" {
		region = host[1]
	}
	return fmt.Sprintf("arn:%s:sqs:%s:%s:%s", partition(region), region, parts[0], parts[1])
}

// AccountFromQueueURL is the account id in an SQS queue URL, or "".
func AccountFromQueueURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) == 2 && isAccount(parts[0]) {
		return parts[0]
	}
	return ""
}

// AccountFromARN is the account id of an ARN, or "".
func AccountFromARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && isAccount(parts[4]) {
		return parts[4]
	}
	return ""
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func orAny(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

func uniq(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
