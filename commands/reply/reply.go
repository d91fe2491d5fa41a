// Package reply is the platform-neutral message every command answers with.
// The terminal chat and Discord each render it their own way (Botkube's
// model): a title, fields, a colour by severity, attachments and buttons.
package reply

import "time"

// Severity chooses the colour: an embed's side bar on Discord, emphasis in
// the terminal.
type Severity int

const (
	Info Severity = iota
	OK
	Warning
	Critical
)

// Message is one reply.
type Message struct {
	Title       string
	Description string // free text under the title; may use **bold** and `code`
	Severity    Severity
	Fields      []Field
	Footer      string
	DataTime    time.Time // the time of the data, shown in the footer
	Attachments []Attachment
	Buttons     []Button
	// Failed marks a reply that reports the command could not run (bad
	// arguments, an unknown service, an AWS error), so one-shot commands
	// can exit non-zero.
	Failed bool
}

// Field is a named block of text. Inline fields may sit side by side.
type Field struct {
	Name   string
	Value  string
	Inline bool
}

// Attachment is a file sent with the message, such as a PNG chart.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
	// Text is what a renderer without files shows in its place (a
	// sparkline for a chart).
	Text string
}

// ButtonStyle says what a button does.
type ButtonStyle int

const (
	Primary ButtonStyle = iota
	Secondary
	Success
	Danger
)

// Button is a choice the user can press. ID is opaque to renderers.
type Button struct {
	ID    string
	Label string
	Style ButtonStyle
}
