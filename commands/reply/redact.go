package reply

import (
	"strings"

	"github.com/ecsmedic/ecsmedic/internal/redact"
)

// Redacted returns m with every text a person reads passed through r
// (nil: the default, which masks everything). Replies quote AWS: log lines,
// stop reasons and service events may carry secrets, so each renderer for
// a channel or a terminal calls this once, before it measures or cuts
// anything. Button IDs are left alone: they are not shown, and the bot
// needs them as they were made. m's slices are copied, not changed.
func (m Message) Redacted(r *redact.Redactor) Message {
	m.Title = r.String(m.Title)
	m.Description = r.String(m.Description)
	m.Footer = r.String(m.Footer)
	m.Fields = mapped(m.Fields, func(f Field) Field {
		f.Name, f.Value = r.String(f.Name), r.String(f.Value)
		return f
	})
	m.Attachments = mapped(m.Attachments, func(a Attachment) Attachment {
		a.Text = r.String(a.Text)
		// A text file (a post-mortem, a dry run's requests) quotes AWS
		// as the message does; an image's bytes are left alone.
		if strings.HasPrefix(a.ContentType, "text/") {
			a.Data = []byte(r.String(string(a.Data)))
		}
		return a
	})
	m.Buttons = mapped(m.Buttons, func(b Button) Button {
		b.Label = r.String(b.Label)
		return b
	})
	return m
}

// mapped is a new slice of f applied to each of s; nil stays nil.
func mapped[T any](s []T, f func(T) T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}
