package reply

import (
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/internal/redact"
)

func TestRedacted(t *testing.T) {
	const line = "sending mail to kim@example.com with password=hunter2"
	m := Message{
		Title:       "logs of " + line,
		Description: "```\n" + line + "\n```",
		Footer:      line,
		Fields:      []Field{{Name: line, Value: line}},
		Attachments: []Attachment{{Name: "chart.png", Text: line, Data: []byte(line)},
			{Name: "postmortem.md", ContentType: "text/markdown; charset=utf-8", Data: []byte(line)}},
		Buttons: []Button{{ID: "!why backend " + line, Label: line}},
	}
	tests := []struct {
		name string
		r    *redact.Redactor
		want string
	}{
		{"default", nil, "sending mail to [email] with password=[redacted]"},
		{"emails kept", redact.New(redact.Options{KeepEmails: true}), "sending mail to kim@example.com with password=[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Redacted(tt.r)
			for what, s := range map[string]string{
				"title": got.Title, "description": got.Description, "footer": got.Footer,
				"field name": got.Fields[0].Name, "field value": got.Fields[0].Value,
				"attachment text": got.Attachments[0].Text, "button label": got.Buttons[0].Label,
				"text file": string(got.Attachments[1].Data),
			} {
				if !strings.Contains(s, tt.want) || strings.Contains(s, "hunter2") {
					t.Errorf("%s = %q, want it to hold %q", what, s, tt.want)
				}
			}
			if got.Buttons[0].ID != m.Buttons[0].ID {
				t.Errorf("button ID changed to %q; the bot needs it as it was made", got.Buttons[0].ID)
			}
			if string(got.Attachments[0].Data) != line {
				t.Errorf("an image's data changed")
			}
		})
	}
	// The caller's message is not changed.
	if m.Fields[0].Value != line || m.Attachments[0].Text != line || m.Buttons[0].Label != line {
		t.Errorf("Redacted changed the message it was given: %+v", m)
	}
	if out := RenderText(m, TextOptions{}); strings.Contains(out, "hunter2") || strings.Contains(out, "kim@example.com") {
		t.Errorf("RenderText shows a secret:\n%s", out)
	}
}
