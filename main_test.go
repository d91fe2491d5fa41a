package main

import (
	"io"
	"log"
	"log/slog"
	"os"
	"testing"
)

// TestMain keeps the commands' logs out of the test output: a test that
// wants them gives the code its own logger.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}
