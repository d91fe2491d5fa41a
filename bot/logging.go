package bot

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// Secrets never reach a log: discordgo's own log lines go through
// redact, which removes the bot token and the interaction tokens in
// webhook URLs. discordgo logs its identify packet (with the token) at
// debug level, so its debug level is never used.

var (
	secretsMu sync.RWMutex
	secrets   = map[string]bool{} // kept for the life of the process
	hookOnce  sync.Once
)

var webhookToken = regexp.MustCompile(`(webhooks|interactions)/(\d+)/[A-Za-z0-9._\-]{20,}`)

// redact removes every known secret from s.
func redact(s string) string {
	secretsMu.RLock()
	for sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	secretsMu.RUnlock()
	return webhookToken.ReplaceAllString(s, "$1/$2/[redacted]")
}

func addSecret(s string) {
	secretsMu.Lock()
	secrets[s] = true
	secretsMu.Unlock()
}

// hookDiscordgoLog sends discordgo's log lines to slog, redacted. The hook
// is global in discordgo; it logs to slog's default logger.
func hookDiscordgoLog() {
	hookOnce.Do(func() {
		discordgo.Logger = func(level, _ int, format string, a ...any) {
			lv := slog.LevelInfo
			switch level {
			case discordgo.LogError:
				lv = slog.LevelError
			case discordgo.LogWarning:
				lv = slog.LevelWarn
			case discordgo.LogDebug:
				return
			}
			slog.Default().Log(context.Background(), lv, redact(fmt.Sprintf(format, a...)), "source", "discordgo")
		}
	})
}

// errText is an error for a log line, with secrets removed (an
// interaction's webhook URL may be in a transport error).
func errText(err error) string {
	if err == nil {
		return ""
	}
	return redact(err.Error())
}
