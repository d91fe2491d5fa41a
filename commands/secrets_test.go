package commands

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// TestIncidentSecretsStayOut runs the commands that quote application logs
// on the built-in incident, whose log lines hold students' e-mail
// addresses: the terminal chat shows them masked, and the structured log
// (at debug level) holds no log line at all.
func TestIncidentSecretsStayOut(t *testing.T) {
	const path = "../aws/world/builtin/incident.yaml"
	w, err := world.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	r, _ := simRouter(t, path, []ServiceRef{{Alias: "backend", Cluster: "codedang", Service: "backend"}})
	var out bytes.Buffer
	in := "why backend\nlogs backend 40\nstatus backend\nsummary\nquit\n"
	if err := Chat(context.Background(), r, strings.NewReader(in), &out, ChatOptions{}); err != nil {
		t.Fatal(err)
	}
	chat := out.String()
	if !strings.Contains(chat, "sending welcome mail to [email]") {
		t.Errorf("the chat does not show the masked mail line:\n%s", chat)
	}
	if strings.Contains(chat, "@g.skku.edu") {
		t.Errorf("the chat shows an e-mail address from the logs:\n%s", chat)
	}

	logged := logBuf.String()
	for _, l := range w.Logs {
		for _, e := range l.Events {
			if len(e.Message) >= 20 && strings.Contains(logged, e.Message) {
				t.Fatalf("the structured log holds an application log line: %q", e.Message)
			}
		}
	}
	if strings.Contains(logged, "skku.edu") {
		t.Errorf("the structured log holds an e-mail address:\n%s", logged)
	}
}
