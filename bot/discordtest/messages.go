package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Message is a user's message dispatched to the bot as MESSAGE_CREATE.
type Message struct {
	ChannelID, GuildID, AuthorID, AuthorName, Content string
	Roles                                             []string
}

// StoredMessage is a message as the fake stores it.
type StoredMessage struct {
	ID, ChannelID, GuildID string
	AuthorID, AuthorName   string
	Bot                    bool // authored by the bot (REST, interaction responses, follow-ups)
	Content                string
	Embeds                 []*discordgo.MessageEmbed
	Components             json.RawMessage // as the bot sent them; see Buttons and DiscordComponents
	Attachments            []Attachment
	Flags                  int // 64 ephemeral, 128 loading (deferred), 4 suppress embeds
	InteractionID          string
	WebhookID              string // the application ID for interaction responses and follow-ups
	Timestamp              time.Time
	EditedAt               *time.Time
	Edits                  int
	Deleted                bool
	MemberRoles            []string // for users' messages
	Mentions               []string // user IDs mentioned in the content
}

// Attachment is a file stored with a message.
type Attachment struct {
	ID, Filename, ContentType string
	Data                      []byte
}

// Message flags the fake interprets.
const (
	FlagSuppressEmbeds = 1 << 2
	FlagEphemeral      = 1 << 6
	FlagLoading        = 1 << 7
)

// Button is a button of a stored message, flattened from its action rows.
type Button struct {
	CustomID, Label, URL string
	Style                int
	Disabled             bool
	Row                  int
}

// Buttons lists the message's buttons in order.
func (m StoredMessage) Buttons() []Button {
	var rows []struct {
		Components []struct {
			Type     int    `json:"type"`
			CustomID string `json:"custom_id"`
			Label    string `json:"label"`
			URL      string `json:"url"`
			Style    int    `json:"style"`
			Disabled bool   `json:"disabled"`
		} `json:"components"`
	}
	if len(m.Components) == 0 || json.Unmarshal(m.Components, &rows) != nil {
		return nil
	}
	var out []Button
	for i, r := range rows {
		for _, c := range r.Components {
			if c.Type == 2 {
				out = append(out, Button{CustomID: c.CustomID, Label: c.Label, URL: c.URL, Style: c.Style, Disabled: c.Disabled, Row: i})
			}
		}
	}
	return out
}

// DiscordComponents decodes the components with discordgo's own types.
func (m StoredMessage) DiscordComponents() ([]discordgo.MessageComponent, error) {
	if len(m.Components) == 0 {
		return nil, nil
	}
	var msg discordgo.Message
	if err := json.Unmarshal([]byte(`{"components":`+string(m.Components)+`}`), &msg); err != nil {
		return nil, err
	}
	return msg.Components, nil
}

func (m *StoredMessage) clone() StoredMessage {
	c := *m
	c.Embeds = append([]*discordgo.MessageEmbed(nil), m.Embeds...)
	c.Attachments = append([]Attachment(nil), m.Attachments...)
	c.MemberRoles = append([]string(nil), m.MemberRoles...)
	c.Mentions = append([]string(nil), m.Mentions...)
	return c
}

// Messages returns the bot's current (not deleted) messages in a channel,
// oldest first, including interaction responses and follow-ups.
func (s *Server) Messages(channelID string) []StoredMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StoredMessage
	for _, id := range s.order {
		m := s.messages[id]
		if m.ChannelID == channelID && m.Bot && !m.Deleted {
			out = append(out, m.clone())
		}
	}
	return out
}

// StoredMessageByID returns any stored message, deleted ones included.
func (s *Server) StoredMessageByID(id string) (StoredMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return StoredMessage{}, false
	}
	return m.clone(), true
}

// SendMessage stores a user's message and dispatches MESSAGE_CREATE to the
// current session. As on Discord, the event is only delivered with the
// GUILD_MESSAGES intent (DIRECT_MESSAGES for DMs, GuildID ""), and content,
// embeds and attachments are blanked without the MESSAGE_CONTENT intent
// unless the message mentions the bot ("<@BOTID>") or is a DM. GuildID may
// be left empty for a channel of a configured guild; a message with neither
// a guild nor a known guild channel is a DM (an empty ChannelID becomes the
// author's DM channel). An event sent while the
// gateway is down is replayed on RESUME; one sent before any IDENTIFY is
// lost, as on Discord.
func (s *Server) SendMessage(m Message) (messageID string) {
	if m.AuthorID == "" {
		m.AuthorID = DefaultUserID
	}
	if m.AuthorName == "" {
		m.AuthorName = DefaultUserName
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.GuildID == "" {
		// A known guild channel implies its guild, so tests may give only
		// the channel; anything else without a guild is a DM.
		if g, ok := s.guildOfChannel(m.ChannelID); ok {
			m.GuildID = g
		} else if m.ChannelID == "" {
			m.ChannelID = s.dmChannelLocked(m.AuthorID)
		}
	}
	id := s.newIDLocked()
	sm := &StoredMessage{
		ID: id, ChannelID: m.ChannelID, GuildID: m.GuildID,
		AuthorID: m.AuthorID, AuthorName: m.AuthorName,
		Content: m.Content, Timestamp: s.now(),
		MemberRoles: append([]string(nil), m.Roles...),
		Mentions:    mentionedUsers(m.Content),
	}
	s.storeLocked(sm)

	for _, sess := range s.listenersLocked() {
		dm := m.GuildID == ""
		need := IntentGuildMessages
		if dm {
			need = IntentDirectMessages
		}
		if sess.intents&need != 0 {
			content := m.Content
			if sess.intents&IntentMessageContent == 0 && !dm && !contains(sm.Mentions, s.opts.BotUserID) {
				content = ""
			}
			s.dispatchLocked(sess, "MESSAGE_CREATE", s.messageJSON(sm, content), false)
		}
	}
	s.notifyLocked()
	return id
}

var mentionRE = regexp.MustCompile(`<@!?(\d+)>`)

func mentionedUsers(content string) []string {
	var ids []string
	for _, m := range mentionRE.FindAllStringSubmatch(content, -1) {
		if !contains(ids, m[1]) {
			ids = append(ids, m[1])
		}
	}
	return ids
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) storeLocked(m *StoredMessage) {
	s.messages[m.ID] = m
	s.order = append(s.order, m.ID)
}

// messageJSON renders a message in Discord's shape; content is passed
// separately because MESSAGE_CREATE may blank it.
func (s *Server) messageJSON(m *StoredMessage, content string) map[string]any {
	author := userJSON(m.AuthorID, m.AuthorName)
	if m.Bot {
		author = s.botUserJSON()
	}
	mentions := []map[string]any{}
	for _, id := range m.Mentions {
		if id == s.opts.BotUserID {
			mentions = append(mentions, s.botUserJSON())
		} else {
			mentions = append(mentions, userJSON(id, "user"+id))
		}
	}
	embeds := m.Embeds
	if embeds == nil || (content == "" && m.Content != "" && !m.Bot) {
		embeds = []*discordgo.MessageEmbed{}
	}
	atts := []map[string]any{}
	for _, a := range m.Attachments {
		atts = append(atts, map[string]any{
			"id": a.ID, "filename": a.Filename, "size": len(a.Data), "content_type": a.ContentType,
			"url":       s.URL() + "/attachments/" + m.ChannelID + "/" + a.ID + "/" + url.PathEscape(a.Filename),
			"proxy_url": s.URL() + "/attachments/" + m.ChannelID + "/" + a.ID + "/" + url.PathEscape(a.Filename),
		})
	}
	var components any = []any{}
	if len(m.Components) > 0 {
		components = m.Components
	}
	out := map[string]any{
		"id":               m.ID,
		"channel_id":       m.ChannelID,
		"type":             0,
		"content":          content,
		"author":           author,
		"timestamp":        m.Timestamp.UTC().Format(time.RFC3339Nano),
		"edited_timestamp": nil,
		"tts":              false,
		"mention_everyone": false,
		"mentions":         mentions,
		"mention_roles":    []string{},
		"attachments":      atts,
		"embeds":           embeds,
		"components":       components,
		"pinned":           false,
		"flags":            m.Flags,
	}
	if m.EditedAt != nil {
		out["edited_timestamp"] = m.EditedAt.UTC().Format(time.RFC3339Nano)
	}
	if m.GuildID != "" {
		out["guild_id"] = m.GuildID
		if !m.Bot {
			// MESSAGE_CREATE carries a partial member (no user) in guilds.
			out["member"] = map[string]any{
				"roles": nonNil(m.MemberRoles), "joined_at": m.Timestamp.UTC().Format(time.RFC3339),
				"deaf": false, "mute": false,
			}
		}
	}
	if m.WebhookID != "" {
		out["webhook_id"] = m.WebhookID
		out["application_id"] = s.opts.ApplicationID
	}
	if m.InteractionID != "" {
		out["interaction_metadata"] = map[string]any{"id": m.InteractionID, "type": 2}
	}
	return out
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// messagePayload is the part of a create/edit body the fake interprets;
// the raw map tells which keys were present, for PATCH semantics.
type messagePayload struct {
	Content     *string                   `json:"content"`
	Embeds      []*discordgo.MessageEmbed `json:"embeds"`
	Components  json.RawMessage           `json:"components"`
	Flags       *int                      `json:"flags"`
	Attachments []struct {
		ID json.RawMessage `json:"id"`
	} `json:"attachments"`
	StickerIDs []string `json:"sticker_ids"`
	Poll       json.RawMessage
	present    map[string]json.RawMessage
}

func parsePayload(body []byte) (*messagePayload, error) {
	p := &messagePayload{}
	if len(body) == 0 {
		p.present = map[string]json.RawMessage{}
		return p, nil
	}
	if err := json.Unmarshal(body, &p.present); err != nil {
		return nil, &apiError{status: 400, Code: CodeInvalidFormBody, Msg: "Invalid Form Body"}
	}
	if err := json.Unmarshal(body, p); err != nil {
		return nil, &apiError{status: 400, Code: CodeInvalidFormBody, Msg: "Invalid Form Body"}
	}
	p.Poll = p.present["poll"]
	return p, nil
}

func (p *messagePayload) has(key string) bool {
	_, ok := p.present[key]
	return ok
}

func isNull(r json.RawMessage) bool {
	return len(r) == 0 || string(r) == "null"
}

// validate applies Discord's documented message limits, so that a bot that
// would be refused by Discord is refused here too.
func validate(p *messagePayload, files []File, creating bool) error {
	var fe formError
	if p.Content != nil && utf8.RuneCountInString(*p.Content) > 2000 {
		fe.add([]string{"content"}, "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
	}
	if len(p.Embeds) > 10 {
		fe.add([]string{"embeds"}, "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
	}
	total := 0
	for i, e := range p.Embeds {
		if e == nil {
			continue
		}
		path := func(k ...string) []string { return append([]string{"embeds", strconv.Itoa(i)}, k...) }
		check := func(v string, max int, k ...string) {
			n := utf8.RuneCountInString(v)
			total += n
			if n > max {
				fe.add(path(k...), "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", max))
			}
		}
		check(e.Title, 256, "title")
		check(e.Description, 4096, "description")
		if e.Footer != nil {
			check(e.Footer.Text, 2048, "footer", "text")
		}
		if e.Author != nil {
			check(e.Author.Name, 256, "author", "name")
		}
		if len(e.Fields) > 25 {
			fe.add(path("fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
		for j, f := range e.Fields {
			if f == nil {
				continue
			}
			check(f.Name, 256, "fields", strconv.Itoa(j), "name")
			check(f.Value, 1024, "fields", strconv.Itoa(j), "value")
			if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
				fe.add(path("fields", strconv.Itoa(j)), "BASE_TYPE_REQUIRED", "This field is required")
			}
		}
	}
	if total > 6000 {
		fe.add([]string{"embeds"}, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}
	validateComponents(&fe, p.Components)
	if err := fe.err(); err != nil {
		return err
	}
	if creating {
		empty := (p.Content == nil || *p.Content == "") && len(p.Embeds) == 0 && len(files) == 0 &&
			isEmptyArray(p.Components) && len(p.StickerIDs) == 0 && isNull(p.Poll)
		if empty {
			return &apiError{status: 400, Code: CodeEmptyMessage, Msg: "Cannot send an empty message"}
		}
	}
	return nil
}

func isEmptyArray(r json.RawMessage) bool {
	if isNull(r) {
		return true
	}
	var a []json.RawMessage
	return json.Unmarshal(r, &a) == nil && len(a) == 0
}

// validateComponents checks action rows: at most 5 rows of at most 5
// buttons (or one select), unique custom_ids of at most 100 characters,
// labels of at most 80, and a custom_id on every non-link button.
func validateComponents(fe *formError, raw json.RawMessage) {
	if isNull(raw) {
		return
	}
	type comp struct {
		Type       int    `json:"type"`
		CustomID   string `json:"custom_id"`
		Label      string `json:"label"`
		Style      int    `json:"style"`
		URL        string `json:"url"`
		Components []comp `json:"components"`
	}
	var rows []comp
	if err := json.Unmarshal(raw, &rows); err != nil {
		fe.add([]string{"components"}, "BASE_TYPE_ARRAY", "Must be an array.")
		return
	}
	if len(rows) > 5 {
		fe.add([]string{"components"}, "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
	}
	seen := map[string]bool{}
	for i, r := range rows {
		rp := []string{"components", strconv.Itoa(i)}
		if r.Type != 1 {
			fe.add(rp, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Top-level components must be action rows.")
			continue
		}
		if len(r.Components) == 0 || len(r.Components) > 5 {
			fe.add(append(rp, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
		}
		width := 0
		for j, c := range r.Components {
			cp := append(append([]string(nil), rp...), "components", strconv.Itoa(j))
			switch c.Type {
			case 2:
				width++
				if c.Style == 5 {
					if c.URL == "" {
						fe.add(append(cp, "url"), "BASE_TYPE_REQUIRED", "This field is required")
					}
				} else if c.CustomID == "" {
					fe.add(append(cp, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
				}
				if utf8.RuneCountInString(c.Label) > 80 {
					fe.add(append(cp, "label"), "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.")
				}
			default:
				width += 5 // selects and text inputs fill a row
			}
			if utf8.RuneCountInString(c.CustomID) > 100 {
				fe.add(append(cp, "custom_id"), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
			}
			if c.CustomID != "" {
				if seen[c.CustomID] {
					fe.add(append(cp, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
				}
				seen[c.CustomID] = true
			}
		}
		if width > 5 {
			fe.add(append(rp, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
		}
	}
}

// newBotMessageLocked creates a bot-authored message from a validated
// payload.
func (s *Server) newBotMessageLocked(channelID, guildID string, p *messagePayload, files []File) *StoredMessage {
	m := &StoredMessage{
		ID: s.newIDLocked(), ChannelID: channelID, GuildID: guildID,
		AuthorID: s.opts.BotUserID, AuthorName: s.opts.BotName, Bot: true,
		Timestamp: s.now(),
	}
	if p.Content != nil {
		m.Content = *p.Content
		m.Mentions = mentionedUsers(m.Content)
	}
	m.Embeds = normEmbeds(p.Embeds)
	if !isNull(p.Components) {
		m.Components = append(json.RawMessage(nil), p.Components...)
	}
	if p.Flags != nil {
		m.Flags = *p.Flags
	}
	for _, f := range files {
		m.Attachments = append(m.Attachments, s.newAttachmentLocked(f))
	}
	return m
}

func (s *Server) newAttachmentLocked(f File) Attachment {
	ct := f.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	return Attachment{ID: s.newIDLocked(), Filename: f.Name, ContentType: ct, Data: append([]byte(nil), f.Data...)}
}

func normEmbeds(in []*discordgo.MessageEmbed) []*discordgo.MessageEmbed {
	var out []*discordgo.MessageEmbed
	for _, e := range in {
		if e == nil {
			continue
		}
		c := *e
		if c.Type == "" {
			c.Type = discordgo.EmbedTypeRich
		}
		out = append(out, &c)
	}
	return out
}

// applyEditLocked applies PATCH semantics: only keys present change, and
// null clears. New files are appended to the attachments kept by the
// "attachments" key (all existing ones when it is absent).
func (s *Server) applyEditLocked(m *StoredMessage, p *messagePayload, files []File) {
	if p.has("content") {
		m.Content = ""
		if p.Content != nil {
			m.Content = *p.Content
		}
		m.Mentions = mentionedUsers(m.Content)
	}
	if p.has("embeds") {
		m.Embeds = normEmbeds(p.Embeds)
	}
	if p.has("components") {
		m.Components = nil
		if !isNull(p.Components) {
			m.Components = append(json.RawMessage(nil), p.Components...)
		}
	}
	if p.has("flags") && p.Flags != nil {
		// Only SUPPRESS_EMBEDS can be changed by an edit; ephemeral stays.
		m.Flags = m.Flags&^FlagSuppressEmbeds | *p.Flags&FlagSuppressEmbeds
	}
	if p.has("attachments") {
		keep := map[string]bool{}
		for _, a := range p.Attachments {
			keep[strings.Trim(string(a.ID), `"`)] = true
		}
		var kept []Attachment
		for _, a := range m.Attachments {
			if keep[a.ID] {
				kept = append(kept, a)
			}
		}
		m.Attachments = kept
	}
	for _, f := range files {
		m.Attachments = append(m.Attachments, s.newAttachmentLocked(f))
	}
	// A deferred response stops "thinking" once edited.
	m.Flags &^= FlagLoading
	now := s.now()
	m.EditedAt = &now
	m.Edits++
}

func (s *Server) guildOfChannel(channelID string) (guildID string, known bool) {
	for _, g := range s.opts.Guilds {
		for _, c := range g.Channels {
			if c.ID == channelID {
				return g.ID, true
			}
		}
	}
	return "", false
}

func (s *Server) createChannelMessage(channelID string, req *request) (int, any, error) {
	p, err := parsePayload(req.body)
	if err != nil {
		return 0, nil, err
	}
	if err := validate(p, req.files, true); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	guildID, _ := s.guildOfChannel(channelID)
	// The fake accepts any channel ID, so tests need not declare channels;
	// messages in unknown channels have no guild.
	m := s.newBotMessageLocked(channelID, guildID, p, req.files)
	m.Flags &^= FlagEphemeral | FlagLoading // only interaction responses can be ephemeral
	s.storeLocked(m)
	s.notifyLocked()
	return 200, s.messageJSON(m, m.Content), nil
}

func (s *Server) findMessageLocked(channelID, messageID string) (*StoredMessage, error) {
	m, ok := s.messages[messageID]
	if !ok || m.Deleted || m.ChannelID != channelID || m.Flags&FlagEphemeral != 0 {
		return nil, errUnknown("Message", CodeUnknownMessage)
	}
	return m, nil
}

func (s *Server) getMessage(channelID, messageID string) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.findMessageLocked(channelID, messageID)
	if err != nil {
		return 0, nil, err
	}
	return 200, s.messageJSON(m, m.Content), nil
}

func (s *Server) listMessages(channelID string, req *request) (int, any, error) {
	limit := 50
	if q, err := url.ParseQuery(req.query); err == nil {
		if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n <= 100 {
			limit = n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	// Newest first, as Discord lists them.
	for i := len(s.order) - 1; i >= 0 && len(out) < limit; i-- {
		m := s.messages[s.order[i]]
		if m.ChannelID == channelID && !m.Deleted && m.Flags&FlagEphemeral == 0 {
			out = append(out, s.messageJSON(m, m.Content))
		}
	}
	return 200, out, nil
}

func (s *Server) editChannelMessage(channelID, messageID string, req *request) (int, any, error) {
	p, err := parsePayload(req.body)
	if err != nil {
		return 0, nil, err
	}
	if err := validate(p, req.files, false); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.findMessageLocked(channelID, messageID)
	if err != nil {
		return 0, nil, err
	}
	if !m.Bot {
		return 0, nil, &apiError{status: http.StatusForbidden, Code: CodeCannotEditOthers, Msg: "Cannot edit a message authored by another user"}
	}
	s.applyEditLocked(m, p, req.files)
	s.notifyLocked()
	return 200, s.messageJSON(m, m.Content), nil
}

func (s *Server) deleteChannelMessage(channelID, messageID string) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.findMessageLocked(channelID, messageID)
	if err != nil {
		return 0, nil, err
	}
	m.Deleted = true
	s.notifyLocked()
	return http.StatusNoContent, nil, nil
}

// dmChannelLocked returns the DM channel with a user, creating it.
func (s *Server) dmChannelLocked(userID string) string {
	if id, ok := s.dmChannels[userID]; ok {
		return id
	}
	id := s.newIDLocked()
	s.dmChannels[userID] = id
	s.dmRecipient[id] = userID
	return id
}

// DMChannel returns the ID of the DM channel between the bot and a user.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmChannelLocked(userID)
}

func (s *Server) createDM(req *request) (int, any, error) {
	var b struct {
		RecipientID string `json:"recipient_id"`
	}
	if err := json.Unmarshal(req.body, &b); err != nil || b.RecipientID == "" {
		var fe formError
		fe.add([]string{"recipient_id"}, "BASE_TYPE_REQUIRED", "This field is required")
		return 0, nil, fe.err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.dmChannelLocked(b.RecipientID)
	return 200, map[string]any{
		"id": id, "type": 1, "last_message_id": nil,
		"recipients": []map[string]any{userJSON(b.RecipientID, "user"+b.RecipientID)},
	}, nil
}

func (s *Server) getChannel(channelID string) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.opts.Guilds {
		for i, c := range g.Channels {
			if c.ID == channelID {
				return 200, map[string]any{"id": c.ID, "type": 0, "guild_id": g.ID, "name": c.Name, "position": i}, nil
			}
		}
	}
	if uid, ok := s.dmRecipient[channelID]; ok {
		return 200, map[string]any{"id": channelID, "type": 1, "recipients": []map[string]any{userJSON(uid, "user"+uid)}}, nil
	}
	return 0, nil, errUnknown("Channel", CodeUnknownChannel)
}
