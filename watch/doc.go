// Package watch notices every task that stops unexpectedly and hands the
// bot an alert carrying its diagnosis, within a minute of the stop, and
// runs the daily summary's schedule.
//
// Two sources feed one path (Watcher.HandleStops):
//
//   - polling (the default): every Config.Interval, one ListTasks
//     (desiredStatus STOPPED) per service and one DescribeTasks per 100
//     tasks not handled yet (Watcher.Poll, Watcher.Run);
//   - an SQS queue fed by an EventBridge rule on "ECS Task State Change"
//     (SQSSource): long-polled, each message deleted only after its stop
//     was recorded and announced.
//
// Each stop is recorded (store.RecordStop), diagnosed (GatherService and
// diagnose.Diagnose with the store's history of the service, so a stop is
// explained even after ECS forgets it), recorded again with its cause, and
// announced once: only the first store.ClaimAnnouncement notifies. Three or
// more stops of one service for one cause within 30 minutes (a crash loop)
// are one alert, updated in place (Notifier.UpdateAlert) rather than a
// flood; the message id is kept per group with store.SetStopAlert.
//
// Deployments, scale-ins and stops someone asked for (StopTask,
// user-stopped) are planned: they are recorded and counted in the summary,
// but announced only with Config.AnnounceDeployments (deployments and
// user-stopped) or Config.AnnounceScaleIn, or when a deployment's circuit
// breaker rolled it back.
//
// # Early warning
//
// With Config.Warn.On, each round (at most every Warn.Interval) also
// reads each cluster with pressureRead, the daily summary's snapshot over
// the last few minutes plus one DescribeTargetHealth per target group, and
// warns before anything stops (Watcher.WarnRound): a service at or above
// a share of its CPU or memory reservation for Warn.For, targets failing
// their health checks, or the cluster's reservation full with
// reservation-based scaling off. A warning is drawn by explain.Warning
// from why's diagnosis of the service now (diagnose.Options.Early): its
// evidence, remedies and buttons. One message per service holds every kind
// it is under (a kind that joins later edits it), each service and kind
// is posted at most once per Warn.Every, "back to normal" follows when it
// ends, and Warn.Quiet holds both until the quiet hours end. The state is
// kept in the store (Get/Set, "warn:CLUSTER/SERVICE"), so a restart
// reposts nothing.
//
// # One replica
//
// ecsmedic is meant to run as exactly one process. Run it on ECS as a
// service with desiredCount 1 and a deployment configuration of
// maximumPercent 100 and minimumHealthyPercent 0, so that a deployment
// stops the old task before it starts the new one and two never run side
// by side. A second process pointed at the same store file cannot open it:
// bbolt holds an exclusive lock on the file (store.ErrInUse). Two
// processes with separate store files would each announce every stop; to
// notice that, every alert carries the instance id in its footer
// (Instance.Footer), and the bot can check alerts it sees in the channel
// with Instance.Other; Heartbeat records the instance in the store so that
// a successor can tell that another instance was alive moments ago. See
// the README ("Run exactly one replica") for what each check can and cannot see.
package watch
