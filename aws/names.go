package aws

import (
	"strings"
)

// Helpers that turn ARNs into the names and ids that other APIs and
// CloudWatch dimensions want.

// lastPart returns what follows the last '/' of an ARN, or s unchanged.
func lastPart(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// clusterName accepts a cluster name or ARN and returns the name.
func clusterName(s string) string {
	if strings.HasPrefix(s, "arn:") {
		return lastPart(s)
	}
	return s
}

// serviceName accepts a service name or ARN (old or new format) and returns
// the name.
func serviceName(s string) string {
	if strings.HasPrefix(s, "arn:") {
		return lastPart(s)
	}
	return s
}

// taskID returns the id of a task ARN (the last path element in both the
// old and the new ARN format).
func taskID(arn string) string { return lastPart(arn) }

// arnResource returns the resource part of an ARN
// ("targetgroup/api/0123" for a target group ARN), or "" when s is not one.
func arnResource(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[5]
}

// targetGroupDimension is the TargetGroup dimension of AWS/ApplicationELB
// metrics: "targetgroup/NAME/ID".
func targetGroupDimension(arn string) string { return arnResource(arn) }

// loadBalancerDimension is the LoadBalancer dimension: "app/NAME/ID", the
// load balancer ARN's resource without its "loadbalancer/" prefix.
func loadBalancerDimension(arn string) string {
	return strings.TrimPrefix(arnResource(arn), "loadbalancer/")
}

// targetGroupName returns NAME from a target group ARN.
func targetGroupName(arn string) string {
	parts := strings.Split(arnResource(arn), "/")
	if len(parts) >= 2 {
		return parts[1]
	}
	return arn
}

// scalingResourceID is the Application Auto Scaling resource id of an ECS
// service.
func scalingResourceID(cluster, service string) string {
	return "service/" + clusterName(cluster) + "/" + serviceName(service)
}

// logStreamName is the awslogs stream of a container of a task.
func logStreamName(prefix, container, taskArn string) string {
	return prefix + "/" + container + "/" + taskID(taskArn)
}
