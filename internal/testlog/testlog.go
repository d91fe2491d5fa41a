// Package testlog keeps what code under test logs out of the test output.
package testlog

import (
	"log/slog"
	"os"
	"testing"
)

// Discard sends the default logger's records (slog's, and the log
// package's, which slog.SetDefault redirects) nowhere. Call it from
// TestMain in packages whose code logs through slog.Default: the lines
// would otherwise go to stderr, attributed to no test, and bury the output
// of the test that failed. Tests that check what is logged give the code a
// logger of their own.
func Discard() { slog.SetDefault(slog.New(slog.DiscardHandler)) }

// Main is a TestMain that only discards the logs:
// func TestMain(m *testing.M) { testlog.Main(m) }.
func Main(m *testing.M) {
	Discard()
	os.Exit(m.Run())
}
