package main

import (
	"context"
	"log/slog"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/watch"
)

// startWatcher runs a watcher of one account's services on the bot, under
// only (the leader alone, with replicas). With a queue it also reads the
// queue's stop events with the same clients, and polling, which then only
// catches what the queue lost, stretches to sqsBackstop. target is "" for
// a config without targets.
func startWatcher(b *bot.Bot, only func(func(context.Context) error) func(context.Context) error,
	target string, wcfg watch.Config, clients *aws.Clients, st watch.Store, queue string) {
	name := func(task string) string {
		if target == "" {
			return task
		}
		return task + " " + target
	}
	log := slog.Default()
	if target != "" {
		log = log.With("target", target)
	}
	if queue != "" {
		wcfg.Interval = max(wcfg.Interval, sqsBackstop)
	}
	w := watch.New(wcfg, clients, st, b)
	b.Go(name("watch"), only(w.Run))
	if queue == "" {
		if target != "" {
			log.Info("watching stops by polling (no sqsQueueUrl)", "poll", wcfg.Interval)
		}
		return
	}
	b.Go(name("sqs"), only(watch.NewSQSSource(clients.SQS, queue, w).Run))
	log.Info("watching stops from the SQS queue, polling as a backstop", "queue", queue, "poll", wcfg.Interval)
}
