package motocheck_test

import (
	"errors"
	"os"
	"testing"

	"github.com/ecsmedic/ecsmedic/internal/mototest"
	"github.com/ecsmedic/ecsmedic/internal/testlog"
)

func TestMain(m *testing.M) {
	testlog.Discard()
	// The SDK clients are configured explicitly, but nothing may pick up
	// the developer's real AWS configuration either.
	mototest.IsolateEnv()
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}

var errNotAPI = errors.New("not an API error")
