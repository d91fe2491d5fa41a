package world

import (
	"reflect"

	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// objectKind ties a top-level key of a world file to the SDK type whose
// shape its objects have. The SDK's Go types are the type information: a
// *time.Time field is a timestamp, a slice a list, an int32 a number, so a
// world file is checked against the same model the clients decode with.
type objectKind struct {
	typ   reflect.Type
	field func(*World) *[]Object
	// extra are keys the world format adds to the AWS shape.
	extra map[string]reflect.Type
	// id is the key that names an object, for messages and references.
	id string
}

var objectKinds = map[string]objectKind{
	"clusters":            {typ: reflect.TypeOf(ecstypes.Cluster{}), field: func(w *World) *[]Object { return &w.Clusters }, id: "clusterArn"},
	"services":            {typ: reflect.TypeOf(ecstypes.Service{}), field: func(w *World) *[]Object { return &w.Services }, id: "serviceArn"},
	"taskDefinitions":     {typ: reflect.TypeOf(ecstypes.TaskDefinition{}), field: func(w *World) *[]Object { return &w.TaskDefinitions }, id: "taskDefinitionArn", extra: map[string]reflect.Type{"tags": reflect.TypeOf([]ecstypes.Tag{})}},
	"tasks":               {typ: reflect.TypeOf(ecstypes.Task{}), field: func(w *World) *[]Object { return &w.Tasks }, id: "taskArn"},
	"containerInstances":  {typ: reflect.TypeOf(ecstypes.ContainerInstance{}), field: func(w *World) *[]Object { return &w.ContainerInstances }, id: "containerInstanceArn"},
	"capacityProviders":   {typ: reflect.TypeOf(ecstypes.CapacityProvider{}), field: func(w *World) *[]Object { return &w.CapacityProviders }, id: "capacityProviderArn"},
	"autoScalingGroups":   {typ: reflect.TypeOf(asgtypes.AutoScalingGroup{}), field: func(w *World) *[]Object { return &w.AutoScalingGroups }, id: "AutoScalingGroupARN"},
	"autoScalingPolicies": {typ: reflect.TypeOf(asgtypes.ScalingPolicy{}), field: func(w *World) *[]Object { return &w.AutoScalingPolicies }, id: "PolicyARN"},
	"scalableTargets":     {typ: reflect.TypeOf(aastypes.ScalableTarget{}), field: func(w *World) *[]Object { return &w.ScalableTargets }, id: "ResourceId"},
	"scalingPolicies":     {typ: reflect.TypeOf(aastypes.ScalingPolicy{}), field: func(w *World) *[]Object { return &w.ScalingPolicies }, id: "PolicyARN"},
	"targetGroups": {typ: reflect.TypeOf(elbtypes.TargetGroup{}), field: func(w *World) *[]Object { return &w.TargetGroups }, id: "TargetGroupArn",
		extra: map[string]reflect.Type{"TargetHealthDescriptions": reflect.TypeOf([]elbtypes.TargetHealthDescription{})}},
	"alarms": {typ: reflect.TypeOf(cwtypes.MetricAlarm{}), field: func(w *World) *[]Object { return &w.Alarms }, id: "AlarmArn"},
}

// objectKindOrder is the order Save writes the lists in.
var objectKindOrder = []string{"clusters", "services", "taskDefinitions", "tasks", "containerInstances",
	"capacityProviders", "autoScalingGroups", "autoScalingPolicies", "scalableTargets", "scalingPolicies",
	"targetGroups", "alarms"}
