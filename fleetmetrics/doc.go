// Package fleetmetrics serves the fleet's state as Prometheus gauges for
// Grafana: each service's CPU and memory as a share of its tasks'
// reservation (the number the club's Grafana lacked: it showed the
// containers' usage, never how close a task was to what it reserved),
// running and desired tasks, unhealthy targets, stops by cause, and the
// cluster's reservation and whether it can add a host.
//
// A scrape costs no AWS call: Fleet caches the last reading, and Collect
// only reads the cache. The cache is filled by Update, from a
// ClusterSnapshot another reader already has (the watcher's own poll), or
// by Refresh, which reads each cluster with GatherSummary over a short
// window (its metrics in batches of 500 queries per GetMetricData call)
// and the services' target health; Run calls Refresh on a gocron
// schedule. Stops are counted by CountStops, a wrapper of the watcher's
// store that sees every stop the watcher records with its cause.
//
// The metric names and labels are documented in docs/metrics.md.
package fleetmetrics
