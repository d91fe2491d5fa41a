// Package deploy holds no code: its directory has the example ECS task and
// service definitions, IAM documents and EventBridge and SQS settings for
// running ecsmedic on ECS (docs/production.md walks through them), the
// Grafana dashboard of the bot's /metrics (its test, which needs the
// simulator, is in fleetmetrics), and its tests check those files and the
// Dockerfile.
package deploy
