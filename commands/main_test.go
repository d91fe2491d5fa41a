package commands

import (
	"os"
	"testing"

	"github.com/ecsmedic/ecsmedic/internal/testlog"
)

func TestMain(m *testing.M) {
	testlog.Discard()
	os.Exit(m.Run())
}
