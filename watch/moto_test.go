package watch

import (
	"os"
	"testing"

	"github.com/ecsmedic/ecsmedic/internal/mototest"
	"github.com/ecsmedic/ecsmedic/internal/testlog"
)

func TestMain(m *testing.M) {
	testlog.Discard()
	mototest.IsolateEnv()
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}
