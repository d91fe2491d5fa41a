// Command ecsmedic is a Discord chat-ops bot for small teams on Amazon ECS:
// it tells why tasks stopped, guards changes behind approval, and watches
// the cluster. `ecsmedic demo` shows it against a built-in incident with no
// Discord and no AWS account.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal lets a command finish the AWS call it is in and
	// say where it stopped; a second one ends the process at once (the
	// default action), which is as safe: the next start settles the rest.
	context.AfterFunc(ctx, func() {
		stop()
		fmt.Fprintln(os.Stderr, "ecsmedic: stopping (press Ctrl-C again to stop at once).")
	})
	code := execute(ctx, newRoot(), os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs the command line and returns the exit code. A panic is a
// bug: each known path returns an error instead, and this is only the last
// line, so that a person still reads one clear sentence and the process
// still fails.
func execute(ctx context.Context, root *cobra.Command, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			slog.Debug("panic", "stack", string(debug.Stack()))
			fmt.Fprintf(stderr, "ecsmedic: internal error: %v\n"+
				"This is a bug in ecsmedic, and the command stopped here: what it had finished is kept, "+
				"and nothing further was sent to AWS. Run it again with --log-level debug to see where, "+
				"and report it with the command you ran.\n", r)
			code = 70 // EX_SOFTWARE
		}
	}()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ec exitCode
	if errors.As(err, &ec) {
		return int(ec)
	}
	fmt.Fprintln(stderr, "ecsmedic:", err)
	return 1
}

// exitCode ends the process with a code after the command printed its own
// message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }
