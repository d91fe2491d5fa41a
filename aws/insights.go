package aws

import ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

// InsightsOn says the cluster publishes Container Insights metrics (the
// per-task ECS/ContainerInsights series); the fleet gauges read them only
// then.
func InsightsOn(c ecstypes.Cluster) bool { return insightsOn(c) }
