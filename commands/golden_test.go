package commands

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	goldenfile "github.com/ecsmedic/ecsmedic/internal/golden"
	"github.com/ecsmedic/ecsmedic/internal/replygolden"
	"github.com/ecsmedic/ecsmedic/internal/testlog"
)

// TestMain keeps the code's slog output out of the test output.
func TestMain(m *testing.M) { testlog.Main(m) }

var kst = time.FixedZone("KST", 9*3600)

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func fixtureDiagnosis(t *testing.T, name string) diagnose.Diagnosis {
	var d diagnose.Diagnosis
	readJSON(t, name, &d)
	return d
}

func fixtureSnapshot(t *testing.T) *aws.ServiceSnapshot {
	var s aws.ServiceSnapshot
	readJSON(t, "snapshot_incident.json", &s)
	return &s
}

// goldenReply compares a reply twice: as JSON (exact: severity, inline
// flags, button IDs; attachment bytes left out) and as the terminal shows it.
func goldenReply(t *testing.T, name string, m reply.Message) {
	t.Helper()
	goldenReplyData(t, name, m, false)
}

// goldenReplyData is goldenReply that, with data, keeps each attachment's
// bytes in the JSON after its text (a dry run's requests are the point).
func goldenReplyData(t *testing.T, name string, m reply.Message, data bool) {
	t.Helper()
	replygolden.Check(t, name, m, data)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, name, got)
}
