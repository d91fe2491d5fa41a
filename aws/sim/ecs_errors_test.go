package sim

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// container is a minimal valid container definition as decoded JSON.
func container(extra map[string]any) map[string]any {
	c := map[string]any{"name": "api", "image": "api:1", "memory": int64(512)}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func TestECSValidation(t *testing.T) {
	fargate := func(cpu, mem string) map[string]any {
		return map[string]any{"family": "api", "requiresCompatibilities": []any{"FARGATE"}, "networkMode": "awsvpc",
			"cpu": cpu, "memory": mem, "containerDefinitions": []any{container(map[string]any{"memory": nil})}}
	}
	many := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = "x"
		}
		return out
	}
	cases := []struct {
		name string
		op   Handler
		in   map[string]any
		code string
		msg  string // the whole message, or a prefix ending in "…"
	}{
		{"blank family", registerTaskDefinition, map[string]any{"containerDefinitions": []any{container(nil)}}, "ClientException", "Family can not be blank."},
		{"bad family", registerTaskDefinition, map[string]any{"family": "my app", "containerDefinitions": []any{container(nil)}}, "ClientException", "Family contains invalid characters."},
		{"long family", registerTaskDefinition, map[string]any{"family": strings.Repeat("a", 256), "containerDefinitions": []any{container(nil)}}, "ClientException", "Family contains invalid characters."},
		{"family of 255 ok", registerTaskDefinition, map[string]any{"family": strings.Repeat("a-_9Z", 51), "containerDefinitions": []any{container(nil)}}, "", ""},
		{"bad container name", registerTaskDefinition, map[string]any{"family": "api", "containerDefinitions": []any{container(map[string]any{"name": "web.1"})}}, "ClientException", "Container.name contains invalid characters."},
		{"no containers", registerTaskDefinition, map[string]any{"family": "api"}, "ClientException", "Container list cannot be empty."},
		{"no image", registerTaskDefinition, map[string]any{"family": "api", "containerDefinitions": []any{container(map[string]any{"image": nil})}}, "ClientException", "Container.image should not be null or empty."},
		{"no name", registerTaskDefinition, map[string]any{"family": "api", "containerDefinitions": []any{container(map[string]any{"name": nil})}}, "ClientException", "Container.name should not be null or empty."},
		{"fargate on bridge", registerTaskDefinition, map[string]any{"family": "api", "requiresCompatibilities": []any{"FARGATE"}, "networkMode": "bridge", "cpu": "256", "memory": "512", "containerDefinitions": []any{container(nil)}}, "ClientException", "Fargate only supports network mode ‘awsvpc’."},
		{"fargate without cpu", registerTaskDefinition, fargate("", "512"), "ClientException", "Fargate requires that 'cpu' be defined at the task level."},
		{"fargate 512/512", registerTaskDefinition, fargate("512", "512"), "ClientException", "No Fargate configuration exists for given values: 512 CPU, 512 memory. See the Amazon ECS documentation for the valid values."},
		{"fargate 1 vCPU/1 GB", registerTaskDefinition, fargate("1 vCPU", "1 GB"), "ClientException", "No Fargate configuration exists for given values: 1024 CPU, 1024 memory. See the Amazon ECS documentation for the valid values."},
		{"fargate 0.25 vCPU/2 GB ok", registerTaskDefinition, fargate("0.25 vCPU", "2 GB"), "", ""},
		{"fargate 8192/20480 ok", registerTaskDefinition, fargate("8192", "20480"), "", ""},
		{"fargate 8192/18432 off-step", registerTaskDefinition, fargate("8192", "18432"), "ClientException", "No Fargate configuration exists for given values: 8192 CPU, 18432 memory…"},
		{"ec2 cpu too small", registerTaskDefinition, map[string]any{"family": "api", "cpu": "64", "containerDefinitions": []any{container(nil)}}, "ClientException", "Invalid 'cpu' setting for task…"},
		{"no memory anywhere", registerTaskDefinition, map[string]any{"family": "api", "containerDefinitions": []any{container(map[string]any{"memory": nil})}}, "ClientException", "Invalid setting for container 'api'. At least one of 'memory' or 'memoryReservation' must be specified."},
		{"task memory is enough", registerTaskDefinition, map[string]any{"family": "api", "memory": "1024", "containerDefinitions": []any{container(map[string]any{"memory": nil})}}, "", ""},
		{"reservation above limit", registerTaskDefinition, map[string]any{"family": "api", "containerDefinitions": []any{container(map[string]any{"memoryReservation": int64(1024)})}}, "ClientException", "Invalid setting for container 'api'. 'memoryReservation' must be less than or equal to 'memory'."},
		{"container above task", registerTaskDefinition, map[string]any{"family": "api", "memory": "256", "containerDefinitions": []any{container(nil)}}, "ClientException", "The 'memory' setting for container 'api' is greater than for the task."},

		{"unknown cluster", updateService, map[string]any{"cluster": "nope", "service": "backend"}, "ClusterNotFoundException", "Cluster not found."},
		{"unknown service", updateService, map[string]any{"cluster": "club", "service": "nope"}, "ServiceNotFoundException", "Service not found."},
		{"negative count", updateService, map[string]any{"cluster": "club", "service": "backend", "desiredCount": int64(-1)}, "InvalidParameterException", "Invalid desiredCount -1…"},
		{"unknown task definition", updateService, map[string]any{"cluster": "club", "service": "backend", "taskDefinition": "backend:9"}, "ClientException", "Unable to describe task definition."},
		{"grace without load balancer", updateService, map[string]any{"cluster": "club", "service": "web", "healthCheckGracePeriodSeconds": int64(60)}, "InvalidParameterException", "Health check grace period is only valid for services configured to use load balancers"},
		{"grace with load balancer", updateService, map[string]any{"cluster": "club", "service": "backend", "healthCheckGracePeriodSeconds": int64(120)}, "", ""},
		{"EC2 definition on Fargate", updateService, map[string]any{"cluster": "club", "service": "web", "taskDefinition": "backend:1"}, "InvalidParameterException", "Task definition does not support launch_type FARGATE."},
		{"foreign capacity provider", updateService, map[string]any{"cluster": "club", "service": "backend", "capacityProviderStrategy": []any{map[string]any{"capacityProvider": "other", "weight": int64(1)}}}, "InvalidParameterException", "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster…"},

		{"target capacity 0", updateCapacityProvider, cpUpdate(map[string]any{"targetCapacity": int64(0)}), "InvalidParameterException", "managedScaling.targetCapacity must be between 1 and 100, but was 0."},
		{"target capacity 101", updateCapacityProvider, cpUpdate(map[string]any{"targetCapacity": int64(101)}), "InvalidParameterException", "managedScaling.targetCapacity must be between 1 and 100, but was 101."},
		{"step sizes crossed", updateCapacityProvider, cpUpdate(map[string]any{"minimumScalingStepSize": int64(5), "maximumScalingStepSize": int64(2)}), "InvalidParameterException", "The minimum scaling step size (5) must be less than or equal to the maximum scaling step size (2)."},
		{"warmup too long", updateCapacityProvider, cpUpdate(map[string]any{"instanceWarmupPeriod": int64(10001)}), "InvalidParameterException", "managedScaling.instanceWarmupPeriod must be between 0 and 10000, but was 10001."},
		{"bad status", updateCapacityProvider, cpUpdate(map[string]any{"status": "ON"}), "InvalidParameterException", "status must be ENABLED or DISABLED, but was ON."},
		{"protection without scaling", updateCapacityProvider, map[string]any{"name": "club-cp", "autoScalingGroupProvider": map[string]any{"managedTerminationProtection": "ENABLED"}}, "InvalidParameterException", "The managed termination protection setting for the capacity provider is invalid…"},
		{"unknown provider", updateCapacityProvider, map[string]any{"name": "nope", "autoScalingGroupProvider": map[string]any{}}, "InvalidParameterException", "The specified capacity provider does not exist…"},

		{"11 services", describeServices, map[string]any{"cluster": "club", "services": many(11)}, "InvalidParameterException", "service names can have at most 10 items."},
		{"no services", describeServices, map[string]any{"cluster": "club"}, "InvalidParameterException", "Services cannot be empty."},
		{"101 tasks", describeTasks, map[string]any{"cluster": "club", "tasks": many(101)}, "InvalidParameterException", "tasks can have at most 100 items."},
		{"list 101", listServices, map[string]any{"cluster": "club", "maxResults": int64(101)}, "InvalidParameterException", "maxResults must be between 1 and 100, but was 101."},
		{"bad token", listTasks, map[string]any{"cluster": "club", "nextToken": "garbage"}, "InvalidParameterException", "Invalid nextToken…"},
		{"tasks of unknown service", listTasks, map[string]any{"cluster": "club", "serviceName": "nope"}, "ServiceNotFoundException", "Service not found."},
		{"stop unknown task", stopTaskOp, map[string]any{"cluster": "club", "task": "0123"}, "InvalidParameterException", "The referenced task was not found."},
		{"describe definition unknown", describeTaskDefinition, map[string]any{"taskDefinition": "nope:1"}, "ClientException", "Unable to describe task definition."},
		{"deregister family alone", deregisterTaskDefinition, map[string]any{"taskDefinition": "backend"}, "ClientException", "A revision must be given…"},
		{"wrong types never crash", updateService, map[string]any{"cluster": int64(3), "service": []any{1}, "desiredCount": "many"}, "ClusterNotFoundException", "Cluster not found."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := ecsTestWorld()
			s := &Server{w: w}
			before := w.Clone()
			_, err := tc.op(s, &Request{Input: tc.in, Now: ecsNow})
			var code, msg string
			if err != nil {
				var ae *APIError
				if !errors.As(err, &ae) {
					t.Fatalf("error %v is not an *APIError", err)
				}
				code, msg = ae.Code, ae.Message
			}
			if code != tc.code {
				t.Fatalf("code = %q (%q), want %q", code, msg, tc.code)
			}
			if p, ok := strings.CutSuffix(tc.msg, "…"); ok {
				if !strings.HasPrefix(msg, p) {
					t.Errorf("message = %q, want it to start %q", msg, p)
				}
			} else if msg != tc.msg {
				t.Errorf("message = %q, want %q", msg, tc.msg)
			}
			// A refused call changes nothing.
			if err != nil {
				if diff := cmp.Diff(before.Services, w.Services); diff != "" {
					t.Errorf("services changed (-before +after):\n%s", diff)
				}
				if diff := cmp.Diff(before.CapacityProviders, w.CapacityProviders); diff != "" {
					t.Errorf("capacity providers changed (-before +after):\n%s", diff)
				}
				if len(w.TaskDefinitions) != len(before.TaskDefinitions) {
					t.Errorf("a task definition was registered")
				}
			}
		})
	}
}

func cpUpdate(ms map[string]any) map[string]any {
	return map[string]any{"name": "club-cp", "autoScalingGroupProvider": map[string]any{"managedScaling": ms}}
}
