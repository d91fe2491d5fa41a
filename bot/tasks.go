package bot

import (
	"context"
	"fmt"
	"runtime/debug"
)

// task is work that runs alongside the bot: the change sweeper, the
// watcher, the SQS source, the daily summary's schedule.
type task struct {
	name string
	fn   func(ctx context.Context) error
}

// Go runs fn while the bot runs: started once Discord said READY (or
// did not in time), its ctx cancelled at shutdown, and waited for before
// Run returns. Call it before Run.
func (b *Bot) Go(name string, fn func(ctx context.Context) error) {
	b.tasksMu.Lock()
	defer b.tasksMu.Unlock()
	b.tasks = append(b.tasks, task{name: name, fn: fn})
}

func (b *Bot) startTasks(ctx context.Context) {
	b.tasksMu.Lock()
	tasks := b.tasks
	b.tasksMu.Unlock()
	for _, t := range tasks {
		b.tasksWG.Add(1)
		go func() {
			defer b.tasksWG.Done()
			defer func() {
				if v := recover(); v != nil {
					b.log.Error("a background task panicked; it stays stopped until the next start", "task", t.name,
						"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				}
			}()
			if err := t.fn(ctx); err != nil && ctx.Err() == nil {
				b.log.Error("a background task stopped", "task", t.name, "err", errText(err))
			}
		}()
	}
}
