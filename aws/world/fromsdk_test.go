package world

import (
	"testing"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
)

func TestFromSDK(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 4, 17, 4, 34, 3, 0, time.UTC)
	s := func(v string) *string { return &v }
	i32 := func(v int32) *int32 { return &v }
	tests := []struct {
		name string
		in   any
		c    Casing
		want any
	}{
		{"ecs task", ecstypes.Task{TaskArn: s("arn:t"), StopCode: ecstypes.TaskStopCodeServiceSchedulerInitiated, StoppedAt: &at,
			Containers: []ecstypes.Container{{Name: s("backend"), ExitCode: i32(137)}}}, CamelCase,
			map[string]any{"taskArn": "arn:t", "stopCode": "ServiceSchedulerInitiated", "stoppedAt": at, "enableExecuteCommand": false, "version": int64(0),
				"containers": []any{map[string]any{"name": "backend", "exitCode": int64(137)}}}},
		{"elb target group", elbtypes.TargetGroup{TargetGroupArn: s("arn:tg"), HealthCheckTimeoutSeconds: i32(5),
			Matcher: &elbtypes.Matcher{HttpCode: s("200")}}, PascalCase,
			map[string]any{"TargetGroupArn": "arn:tg", "HealthCheckTimeoutSeconds": int64(5), "Matcher": map[string]any{"HttpCode": "200"}}},
		{"nil", (*ecstypes.Task)(nil), CamelCase, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, FromSDK(tt.in, tt.c)); diff != "" {
				t.Error(diff)
			}
		})
	}
}
