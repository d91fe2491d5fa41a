package commands

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestChat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		opt   ChatOptions
	}{
		{"pipe", "help\n\n!dance\n3\nscale backend cpu 1024\nquit\nhelp\n", ChatOptions{}},
		{"prompt_ko", "도움말 why\n1\nexit\n", ChatOptions{Prompt: true, Locale: "ko"}},
		{"eof", "status frontend x", ChatOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Chat(context.Background(), NewRouter(testEnv()), strings.NewReader(tt.input), &out, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "chat_"+tt.name+".golden", out.String())
		})
	}
}

// TestChatPressesButtons runs through the simulator: logs offers a button
// for why, and "1" presses it.
func TestChatPressesButtons(t *testing.T) {
	t.Parallel()
	r, _ := simRouter(t, "../aws/world/builtin/example.yaml", []ServiceRef{{Alias: "api", Cluster: "demo", Service: "api"}})
	var out bytes.Buffer
	if err := Chat(context.Background(), r, strings.NewReader("logs api\n1\n"), &out, ChatOptions{}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "[1] !why api 5e1f6c3a") || !strings.Contains(s, "→ !why api 5e1f6c3a") ||
		!strings.Contains(s, "stopped after failing load-balancer health checks") {
		t.Errorf("the button was not offered or pressed:\n%s", s)
	}
}

func TestChatCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if err := Chat(ctx, NewRouter(testEnv()), strings.NewReader("help\n"), &out, ChatOptions{}); err == nil {
		t.Error("a cancelled chat did not stop")
	}
}
