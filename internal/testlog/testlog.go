// Package testlog keeps what code under test logs out of the test output.
package testlog

import (
	"io"
	"log"
	"log/slog"
	"os"
	"testing"
)

// Discard sends the default loggers' records (slog's, and the log
// package's, where discordgo writes) nowhere. Call it from TestMain in
// packages whose code logs through the defaults: the lines would otherwise
// go to stderr, attributed to no test, and bury the output of the test
// that failed. Tests that check what is logged give the code a logger of
// their own.
func Discard() {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	log.SetOutput(io.Discard)
}

// Main is a TestMain that only discards the logs:
// func TestMain(m *testing.M) { testlog.Main(m) }.
func Main(m *testing.M) {
	Discard()
	os.Exit(m.Run())
}
