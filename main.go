// Command ecsmedic is a Discord chat-ops bot for small teams on Amazon ECS:
// it tells why tasks stopped, guards changes behind approval, and watches
// the cluster. `ecsmedic demo` shows it against a built-in incident with no
// Discord and no AWS account.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		fmt.Fprintln(os.Stderr, "ecsmedic:", err)
		os.Exit(1)
	}
}

// exitCode ends the process with a code after the command printed its own
// message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }
