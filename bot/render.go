package bot

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	// Imported by another name: the package's own redact cleans log lines.
	scrub "github.com/ecsmedic/ecsmedic/internal/redact"
)

// The colours of an embed's side bar, by severity.
var colours = map[reply.Severity]int{
	reply.Info:     0x3498DB, // blue
	reply.OK:       0x2ECC71, // green
	reply.Warning:  0xF1C40F, // amber
	reply.Critical: 0xE74C3C, // red
}

// outgoing is one Discord message made from one or more replies.
type outgoing struct {
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
	Files      []*discordgo.File
}

// part is one reply rendered: an embed, its files and its button rows.
type part struct {
	embed *discordgo.MessageEmbed
	files []*discordgo.File
	rows  []discordgo.MessageComponent
	size  int // characters counted against the 6000 per message
}

// renderer turns neutral replies into Discord messages (Botkube's model:
// one neutral message, one renderer per platform).
type renderer struct {
	sign   signer
	prefix string
	// dropped is told about a button that cannot be made (its ID is too
	// long for Discord); nil to ignore.
	dropped func(b reply.Button)
	// mask hides secrets quoted from AWS in every reply; nil masks
	// everything, e-mail addresses included.
	mask *scrub.Redactor
	// at is where the message is shown, which its buttons are bound to.
	at scope
	// expires says until when a button works (see the custom ID's doc in
	// buttons.go); nil gives every button buttonLifetime from now.
	expires func(action, payload string) time.Time
}

// render makes as few Discord messages as Discord's limits allow: up to
// 10 embeds, 6000 characters, 5 rows of buttons and 10 files each.
func (r renderer) render(ms []reply.Message) []outgoing {
	var out []outgoing
	var cur outgoing
	size := 0
	for i, m := range ms {
		p := r.part(m.Redacted(r.mask), i, len(ms) > 1)
		full := len(cur.Embeds) >= maxEmbeds || size+p.size > reply.MaxTotal ||
			len(cur.Components)+len(p.rows) > maxRows || len(cur.Files)+len(p.files) > maxFiles
		if len(cur.Embeds) > 0 && full {
			out = append(out, cur)
			cur, size = outgoing{}, 0
		}
		cur.Embeds = append(cur.Embeds, p.embed)
		cur.Files = append(cur.Files, p.files...)
		cur.Components = append(cur.Components, p.rows...)
		size += p.size
	}
	if len(cur.Embeds) > 0 {
		out = append(out, cur)
	}
	return out
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName makes an attachment name Discord accepts and attachment://
// can refer to, unique within the message.
func fileName(name string, i int, many bool) string {
	n := strings.Trim(unsafeName.ReplaceAllString(name, "-"), "-.")
	if n == "" {
		n = "file"
	}
	if many {
		n = fmt.Sprintf("%d-%s", i+1, n)
	}
	return n
}

func (r renderer) part(m reply.Message, i int, many bool) part {
	e := &discordgo.MessageEmbed{
		Type:  discordgo.EmbedTypeRich,
		Title: cut(m.Title, reply.MaxTitle),
		Color: colours[m.Severity],
	}
	var p part
	desc := m.Description
	if runes(desc) > reply.MaxDescription {
		// Too long to show: show the start, attach the whole.
		p.files = append(p.files, &discordgo.File{
			Name: fileName("details.txt", i, many), ContentType: "text/plain; charset=utf-8", Reader: strings.NewReader(desc),
		})
		desc = cut(desc, reply.MaxDescription)
	}
	e.Description = desc
	for _, f := range m.Fields {
		if len(e.Fields) == reply.MaxFields {
			break
		}
		name, value := cut(f.Name, reply.MaxFieldName), cut(f.Value, reply.MaxFieldValue)
		if strings.TrimSpace(name) == "" {
			name = "\u200b" // Discord refuses empty names and values
		}
		if strings.TrimSpace(value) == "" {
			value = "\u200b"
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: value, Inline: f.Inline})
	}
	if m.Footer != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: cut(m.Footer, reply.MaxFooter)}
	}
	if !m.DataTime.IsZero() {
		e.Timestamp = m.DataTime.UTC().Format(time.RFC3339)
	}
	for _, a := range m.Attachments {
		if len(a.Data) == 0 {
			continue
		}
		name := fileName(a.Name, i, many)
		p.files = append(p.files, &discordgo.File{Name: name, ContentType: a.ContentType, Reader: bytes.NewReader(a.Data)})
		if e.Image == nil && strings.HasPrefix(a.ContentType, "image/") {
			e.Image = &discordgo.MessageEmbedImage{URL: "attachment://" + name}
		}
	}
	// Over Discord's total for one embed: drop fields from the end (the
	// least important come last), then cut the description.
	for embedSize(e) > reply.MaxTotal && len(e.Fields) > 0 {
		e.Fields = e.Fields[:len(e.Fields)-1]
	}
	if over := embedSize(e) - reply.MaxTotal; over > 0 {
		e.Description = cut(e.Description, max(1, runes(e.Description)-over))
	}
	p.embed, p.size = e, embedSize(e)
	p.rows = r.rows(m.Buttons)
	return p
}

func embedSize(e *discordgo.MessageEmbed) int {
	n := runes(e.Title) + runes(e.Description)
	if e.Footer != nil {
		n += runes(e.Footer.Text)
	}
	for _, f := range e.Fields {
		n += runes(f.Name) + runes(f.Value)
	}
	return n
}

var buttonStyles = map[reply.ButtonStyle]discordgo.ButtonStyle{
	reply.Primary:   discordgo.PrimaryButton,
	reply.Secondary: discordgo.SecondaryButton,
	reply.Success:   discordgo.SuccessButton,
	reply.Danger:    discordgo.DangerButton,
}

// ActionCommand is the click action that runs a chat command as if the
// clicker had typed it.
const ActionCommand = "cmd"

// buttonAction says what a reply.Button does: an ID that is a chat
// command (it starts with the prefix, as why's remedies do) runs it; an
// ID of the form "ACTION:PAYLOAD" goes to the click handler of ACTION.
func (r renderer) buttonAction(id string) (action, payload string) {
	if strings.HasPrefix(id, r.prefix) {
		return ActionCommand, id
	}
	if a, p, ok := strings.Cut(id, ":"); ok && a != "" && !strings.ContainsAny(a, " \t") {
		return a, p
	}
	return ActionCommand, id
}

func (r renderer) expiry(action, payload string) time.Time {
	if r.expires == nil {
		return time.Now().Add(buttonLifetime)
	}
	return r.expires(action, payload)
}

// rows lays buttons out in rows of five, at most five rows.
func (r renderer) rows(bs []reply.Button) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var row discordgo.ActionsRow
	for _, b := range bs {
		action, payload := r.buttonAction(b.ID)
		id, ok := r.sign.id(r.at, r.expiry(action, payload), action, payload)
		if !ok {
			if r.dropped != nil {
				r.dropped(b)
			}
			continue
		}
		if len(row.Components) == maxRowButtons {
			rows = append(rows, row)
			row = discordgo.ActionsRow{}
		}
		if len(rows) == maxRows {
			break
		}
		label := cut(b.Label, maxLabel)
		if strings.TrimSpace(label) == "" {
			label = "…"
		}
		style, ok := buttonStyles[b.Style]
		if !ok {
			style = discordgo.SecondaryButton
		}
		row.Components = append(row.Components, discordgo.Button{Label: label, Style: style, CustomID: id})
	}
	if len(row.Components) > 0 && len(rows) < maxRows {
		rows = append(rows, row)
	}
	return rows
}
