// Package testlog keeps the code's logs out of test output.
package testlog

import (
	"io"
	"log"
	"log/slog"
)

// Discard drops what slog's and log's default loggers are given, for a
// TestMain: the router, the change engine and discordgo log there. A test
// that reads logs gives the code its own logger.
func Discard() {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	log.SetOutput(io.Discard)
}
