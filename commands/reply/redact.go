package reply

import "github.com/ecsmedic/ecsmedic/internal/redact"

// Redacted returns m with every text a person reads passed through r
// (nil: the default, which masks everything). Replies quote AWS: log lines,
// stop reasons and service events may carry secrets, so each renderer for
// a channel or a terminal calls this once, before it measures or cuts
// anything. Button IDs are left alone: they are not shown, and the bot
// needs them as they were made.
func (m Message) Redacted(r *redact.Redactor) Message {
	m.Title = r.String(m.Title)
	m.Description = r.String(m.Description)
	m.Footer = r.String(m.Footer)
	if m.Fields != nil {
		fields := make([]Field, len(m.Fields))
		for i, f := range m.Fields {
			f.Name, f.Value = r.String(f.Name), r.String(f.Value)
			fields[i] = f
		}
		m.Fields = fields
	}
	if m.Attachments != nil {
		as := make([]Attachment, len(m.Attachments))
		for i, a := range m.Attachments {
			a.Text = r.String(a.Text)
			as[i] = a
		}
		m.Attachments = as
	}
	if m.Buttons != nil {
		bs := make([]Button, len(m.Buttons))
		for i, b := range m.Buttons {
			b.Label = r.String(b.Label)
			bs[i] = b
		}
		m.Buttons = bs
	}
	return m
}
