// Package testlog keeps what code under test logs out of the test output.
package testlog

import "log/slog"

// Discard sends the default logger's records (slog's, and the log
// package's, which slog.SetDefault redirects) nowhere. Call it from
// TestMain in packages whose code logs through slog.Default: the lines
// would otherwise go to stderr, attributed to no test, and bury the output
// of the test that failed. Tests that check what is logged give the code a
// logger of their own.
func Discard() { slog.SetDefault(slog.New(slog.DiscardHandler)) }
