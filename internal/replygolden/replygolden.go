// Package replygolden compares a chat reply with golden files, as JSON and
// as the terminal shows it. It is apart from internal/golden because
// commands/reply's own tests use that one.
package replygolden

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/internal/golden"
)

// Check compares a reply twice: as testdata/NAME.json (exact: severity,
// inline flags, button IDs; attachment bytes left out unless data, then
// kept as text after the attachment's own) and as testdata/NAME.txt, the
// way the terminal shows it.
func Check(t testing.TB, name string, m reply.Message, data ...bool) {
	t.Helper()
	keep := len(data) > 0 && data[0]
	shown := m
	shown.Attachments = nil
	for _, a := range m.Attachments {
		if keep {
			a.Text += "\n" + string(a.Data)
		}
		a.Data = nil
		shown.Attachments = append(shown.Attachments, a)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(shown); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, name+".json", buf.String())
	golden.Check(t, name+".txt", reply.RenderText(m, reply.TextOptions{}))
}
