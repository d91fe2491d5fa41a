package motocheck_test

import (
	"errors"
	"os"
	"testing"

	"github.com/ecsmedic/ecsmedic/internal/mototest"
)

func TestMain(m *testing.M) {
	// The SDK clients are configured explicitly, but nothing may pick up
	// the developer's real AWS configuration either.
	mototest.IsolateEnv()
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}

var errNotAPI = errors.New("not an API error")
