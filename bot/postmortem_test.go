package bot

import (
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/bot/discordtest"
)

// TestPostmortemAttachesMarkdown: `!postmortem` and /postmortem answer
// with a short embed and the report as a Markdown file, not an image.
func TestPostmortemAttachesMarkdown(t *testing.T) {
	t.Parallel()
	h := startBot(t, harnessOptions{})
	check := func(t *testing.T, c discordtest.Call, wantTitle, wantDoc string) {
		t.Helper()
		p := decode(t, c)
		if len(p.Embeds) == 0 || !strings.Contains(p.Embeds[0].Title, wantTitle) {
			t.Fatalf("no post-mortem title in the reply: %s", c.Body)
		}
		if p.Embeds[0].Image != nil {
			t.Errorf("the report is shown as an image: %+v", p.Embeds[0].Image)
		}
		if len(c.Files) != 1 || !strings.HasSuffix(c.Files[0].Name, ".md") || !strings.HasPrefix(string(c.Files[0].Data), wantDoc) {
			t.Errorf("the report is not attached as Markdown: %d files", len(c.Files))
		}
	}
	t.Run("bang", func(t *testing.T) {
		id := h.say(cmdChannel, userA, "!postmortem backend")
		check(t, h.replyTo(cmdChannel, id), "Post-mortem draft: backend", "# Post-mortem (draft): backend")
	})
	t.Run("slash, in Korean", func(t *testing.T) {
		id, token := h.fake.SendInteraction(discordtest.Interaction{
			Type: 2, ChannelID: cmdChannel, GuildID: discordtest.DefaultGuildID, UserID: userA, UserName: "a", Locale: "ko",
			CommandName: "postmortem", Options: []discordtest.Option{{Name: "service", Type: 3, Value: "backend"}, {Name: "since", Type: 3, Value: "3h"}},
		})
		h.waitCall("the deferred answer", isCallback(id))
		check(t, h.waitCall("the edit of @original", isEditOriginal(token)), "포스트모템 초안: backend", "# 포스트모템 (초안): backend")
	})
}
