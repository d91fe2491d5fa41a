package main

import "github.com/ecsmedic/ecsmedic/internal/testlog"

// The code's logs stay out of the test output.
func init() { testlog.Discard() }
