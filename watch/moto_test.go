package watch

import (
	"os"
	"testing"

	"github.com/ecsmedic/ecsmedic/internal/mototest"
)

func TestMain(m *testing.M) {
	mototest.IsolateEnv()
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}
