package discordtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Interaction types (Discord's values).
const (
	InteractionCommand      = 2
	InteractionComponent    = 3
	InteractionAutocomplete = 4
	InteractionModalSubmit  = 5
)

// Interaction callback types (Discord's values).
const (
	CallbackPong                 = 1
	CallbackChannelMessage       = 4
	CallbackDeferredMessage      = 5
	CallbackDeferredUpdate       = 6
	CallbackUpdateMessage        = 7
	CallbackAutocompleteResult   = 8
	CallbackModal                = 9
	interactionCallbackTypeLimit = 12
)

// Interaction is an interaction dispatched to the bot as INTERACTION_CREATE.
type Interaction struct {
	Type                                         int // 2 command, 3 component, 4 autocomplete, 5 modal submit
	ChannelID, GuildID, UserID, UserName, Locale string
	Roles                                        []string
	CommandName                                  string
	Options                                      []Option
	CustomID                                     string // components and modal submits
	MessageID                                    string // the message the component is on

	ComponentType int               // default 2 (button); 3 for a string select
	Values        []string          // selected values of a select menu
	ModalValues   map[string]string // text input custom_id → value, for modal submits
}

// Option is a slash-command option; Options holds a sub-command's options.
type Option struct {
	Name    string
	Type    int
	Value   any
	Focused bool
	Options []Option
}

// InteractionRecord is what the fake knows about an interaction it sent.
type InteractionRecord struct {
	ID, Token     string
	Type          int
	ChannelID     string
	SentAt        time.Time
	Acked         bool
	CallbackType  int
	CallbackData  json.RawMessage
	OriginalID    string   // the message @original refers to, once there is one
	FollowupIDs   []string // messages created through the webhook
	ComponentMsg  string   // the message a component was on
	deferredEmpty bool     // type 5 and nothing sent yet: the next follow-up fills it
}

// SendInteraction dispatches INTERACTION_CREATE with a fresh ID and token.
// Interactions are not gated by intents. The 3-second deadline for the
// first callback starts now, by Options.Clock.
func (s *Server) SendInteraction(i Interaction) (id, token string) {
	if i.Type == 0 {
		i.Type = InteractionCommand
	}
	if i.UserID == "" {
		i.UserID = DefaultUserID
	}
	if i.UserName == "" {
		i.UserName = DefaultUserName
	}
	if i.Locale == "" {
		i.Locale = "en-US"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i.GuildID == "" {
		if g, ok := s.guildOfChannel(i.ChannelID); ok {
			i.GuildID = g
		} else if i.ChannelID == "" {
			i.ChannelID = s.dmChannelLocked(i.UserID)
		}
	}
	id = s.newIDLocked()
	token = "itok." + id + "." + randomHex(24)
	st := &InteractionRecord{ID: id, Token: token, Type: i.Type, ChannelID: i.ChannelID, SentAt: s.now(), ComponentMsg: i.MessageID}
	s.interacts[id] = st
	s.byToken[token] = st

	if s.current != nil {
		s.dispatchLocked(s.current, "INTERACTION_CREATE", s.interactionJSON(id, token, i), false)
	}
	s.notifyLocked()
	return id, token
}

func (s *Server) interactionJSON(id, token string, i Interaction) map[string]any {
	out := map[string]any{
		"id":              id,
		"application_id":  s.opts.ApplicationID,
		"type":            i.Type,
		"token":           token,
		"version":         1,
		"channel_id":      i.ChannelID,
		"locale":          i.Locale,
		"app_permissions": "1071698660929",
		"entitlements":    []any{},
	}
	user := userJSON(i.UserID, i.UserName)
	if i.GuildID != "" {
		out["guild_id"] = i.GuildID
		out["guild_locale"] = "en-US"
		out["context"] = 0
		out["channel"] = map[string]any{"id": i.ChannelID, "type": 0, "guild_id": i.GuildID}
		out["member"] = map[string]any{
			"user": user, "roles": nonNil(i.Roles), "joined_at": s.now().UTC().Format(time.RFC3339),
			"permissions": "1071698660929", "deaf": false, "mute": false,
		}
	} else {
		out["context"] = 1
		out["channel"] = map[string]any{"id": i.ChannelID, "type": 1}
		out["user"] = user
	}
	switch i.Type {
	case InteractionCommand, InteractionAutocomplete:
		data := map[string]any{"id": s.commandIDLocked(i.GuildID, i.CommandName), "name": i.CommandName, "type": 1}
		if len(i.Options) > 0 {
			data["options"] = optionsJSON(i.Options)
		}
		if i.GuildID != "" {
			data["guild_id"] = i.GuildID
		}
		out["data"] = data
	case InteractionComponent:
		ct := i.ComponentType
		if ct == 0 {
			ct = 2
		}
		data := map[string]any{"custom_id": i.CustomID, "component_type": ct}
		if ct != 2 {
			data["values"] = nonNil(i.Values)
		}
		out["data"] = data
	case InteractionModalSubmit:
		keys := make([]string, 0, len(i.ModalValues))
		for k := range i.ModalValues {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rows := []map[string]any{}
		for _, k := range keys {
			rows = append(rows, map[string]any{"type": 1, "components": []map[string]any{{"type": 4, "custom_id": k, "value": i.ModalValues[k]}}})
		}
		out["data"] = map[string]any{"custom_id": i.CustomID, "components": rows}
	}
	if i.MessageID != "" {
		if m, ok := s.messages[i.MessageID]; ok {
			out["message"] = s.messageJSON(m, m.Content)
		} else {
			out["message"] = map[string]any{"id": i.MessageID, "channel_id": i.ChannelID, "content": "", "timestamp": s.now().UTC().Format(time.RFC3339)}
		}
	}
	return out
}

func optionsJSON(opts []Option) []map[string]any {
	out := make([]map[string]any, 0, len(opts))
	for _, o := range opts {
		m := map[string]any{"name": o.Name, "type": o.Type}
		if o.Value != nil {
			m["value"] = o.Value
		}
		if o.Focused {
			m["focused"] = true
		}
		if len(o.Options) > 0 {
			m["options"] = optionsJSON(o.Options)
		}
		out = append(out, m)
	}
	return out
}

// InteractionByID returns what the fake knows about an interaction.
func (s *Server) InteractionByID(id string) (InteractionRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.interacts[id]
	if !ok {
		return InteractionRecord{}, false
	}
	c := *st
	c.FollowupIDs = append([]string(nil), st.FollowupIDs...)
	return c, true
}

// AutocompleteChoices returns the choices of a type 8 callback.
func (s *Server) AutocompleteChoices(interactionID string) []*discordgo.ApplicationCommandOptionChoice {
	rec, ok := s.InteractionByID(interactionID)
	if !ok || rec.CallbackType != CallbackAutocompleteResult {
		return nil
	}
	var d struct {
		Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
	}
	_ = json.Unmarshal(rec.CallbackData, &d)
	return d.Choices
}

func badCallback(msg string) error {
	var fe formError
	fe.add([]string{"type"}, "INTERACTION_RESPONSE_TYPE_INVALID", msg)
	return fe.err()
}

// interactionCallback answers POST /interactions/{id}/{token}/callback.
func (s *Server) interactionCallback(id, token string, req *request) (int, any, error) {
	var body struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(req.body, &body); err != nil {
		return 0, nil, &apiError{status: 400, Code: CodeInvalidFormBody, Msg: "Invalid Form Body"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.interacts[id]
	if !ok || st.Token != token {
		return 0, nil, errUnknown("interaction", CodeUnknownInteraction)
	}
	if st.Acked {
		return 0, nil, &apiError{status: 400, Code: CodeAlreadyAcknowledged, Msg: "Interaction has already been acknowledged."}
	}
	if s.now().Sub(st.SentAt) > InteractionDeadline {
		return 0, nil, errUnknown("interaction", CodeUnknownInteraction)
	}
	onMessage := st.ComponentMsg != "" && (st.Type == InteractionComponent || st.Type == InteractionModalSubmit)
	switch t := body.Type; {
	case t <= 0 || t > interactionCallbackTypeLimit:
		return 0, nil, badCallback("Value must be one of valid interaction callback types.")
	case st.Type == InteractionAutocomplete && t != CallbackAutocompleteResult:
		return 0, nil, badCallback("Autocomplete interactions only accept autocomplete results.")
	case t == CallbackAutocompleteResult && st.Type != InteractionAutocomplete:
		return 0, nil, badCallback("Autocomplete results are only valid for autocomplete interactions.")
	case (t == CallbackDeferredUpdate || t == CallbackUpdateMessage) && !onMessage:
		return 0, nil, badCallback("This response type is only valid for interactions on a message.")
	case t == CallbackModal && st.Type == InteractionModalSubmit:
		return 0, nil, badCallback("A modal cannot answer a modal submit.")
	}

	var p *messagePayload
	if body.Type == CallbackChannelMessage || body.Type == CallbackUpdateMessage || body.Type == CallbackDeferredMessage {
		var err error
		if p, err = parsePayload(body.Data); err != nil {
			return 0, nil, err
		}
		if body.Type != CallbackDeferredMessage {
			if err := validate(p, req.files, body.Type == CallbackChannelMessage); err != nil {
				return 0, nil, err
			}
		}
	}
	guildID, _ := s.guildOfChannel(st.ChannelID)
	switch body.Type {
	case CallbackChannelMessage:
		m := s.newBotMessageLocked(st.ChannelID, guildID, p, req.files)
		m.Flags &= FlagEphemeral | FlagSuppressEmbeds
		m.InteractionID, m.WebhookID = st.ID, s.opts.ApplicationID
		s.storeLocked(m)
		st.OriginalID = m.ID
	case CallbackDeferredMessage:
		// Discord shows "<bot> is thinking..." as a loading message; its
		// ephemerality is chosen now.
		m := s.newBotMessageLocked(st.ChannelID, guildID, &messagePayload{}, nil)
		m.Flags = FlagLoading
		if p.Flags != nil {
			m.Flags |= *p.Flags & FlagEphemeral
		}
		m.InteractionID, m.WebhookID = st.ID, s.opts.ApplicationID
		s.storeLocked(m)
		st.OriginalID = m.ID
		st.deferredEmpty = true
	case CallbackDeferredUpdate:
		st.OriginalID = st.ComponentMsg
	case CallbackUpdateMessage:
		m, ok := s.messages[st.ComponentMsg]
		if !ok || m.Deleted {
			return 0, nil, errUnknown("Message", CodeUnknownMessage)
		}
		s.applyEditLocked(m, p, req.files)
		st.OriginalID = m.ID
	case CallbackAutocompleteResult:
		var d struct {
			Choices []json.RawMessage `json:"choices"`
		}
		if json.Unmarshal(body.Data, &d) != nil || len(d.Choices) > 25 {
			var fe formError
			fe.add([]string{"data", "choices"}, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
			return 0, nil, fe.err()
		}
	}
	st.Acked = true
	st.CallbackType = body.Type
	st.CallbackData = append(json.RawMessage(nil), body.Data...)
	s.notifyLocked()
	return http.StatusNoContent, nil, nil
}

// webhookState resolves the interaction behind a webhook URL, enforcing the
// application ID and the token's 15-minute lifetime.
func (s *Server) webhookStateLocked(appID, token string) (*InteractionRecord, error) {
	if appID != s.opts.ApplicationID {
		return nil, errUnknown("Webhook", CodeUnknownWebhook)
	}
	st, ok := s.byToken[token]
	if !ok || s.now().Sub(st.SentAt) > InteractionTokenLifetime {
		return nil, &apiError{status: http.StatusUnauthorized, Code: CodeInvalidWebhookToken, Msg: "Invalid Webhook Token"}
	}
	if !st.Acked {
		// Follow-ups and edits need the initial response first.
		return nil, errUnknown("Webhook", CodeUnknownWebhook)
	}
	return st, nil
}

// webhookExecute creates a follow-up (POST /webhooks/{app}/{token}).
func (s *Server) webhookExecute(appID, token string, req *request) (int, any, error) {
	p, err := parsePayload(req.body)
	if err != nil {
		return 0, nil, err
	}
	if err := validate(p, req.files, true); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.webhookStateLocked(appID, token)
	if err != nil {
		return 0, nil, err
	}
	var m *StoredMessage
	if orig, ok := s.messages[st.OriginalID]; ok && st.deferredEmpty && !orig.Deleted {
		// The first follow-up after a deferred response fills the loading
		// message, keeping the ephemerality chosen when deferring.
		flags := orig.Flags & FlagEphemeral
		s.applyEditLocked(orig, p, req.files)
		orig.Flags = orig.Flags&^FlagEphemeral | flags
		orig.EditedAt, orig.Edits = nil, 0
		m = orig
	} else {
		guildID, _ := s.guildOfChannel(st.ChannelID)
		m = s.newBotMessageLocked(st.ChannelID, guildID, p, req.files)
		m.Flags &= FlagEphemeral | FlagSuppressEmbeds
		m.InteractionID, m.WebhookID = st.ID, s.opts.ApplicationID
		s.storeLocked(m)
	}
	st.deferredEmpty = false
	st.FollowupIDs = append(st.FollowupIDs, m.ID)
	s.notifyLocked()
	if q, _ := url.ParseQuery(req.query); q.Get("wait") != "true" {
		return http.StatusNoContent, nil, nil
	}
	return 200, s.messageJSON(m, m.Content), nil
}

// webhookMessage answers GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{id|@original}.
func (s *Server) webhookMessage(appID, token, messageID string, req *request) (int, any, error) {
	var p *messagePayload
	if req.method == "PATCH" {
		var err error
		if p, err = parsePayload(req.body); err != nil {
			return 0, nil, err
		}
		if err := validate(p, req.files, false); err != nil {
			return 0, nil, err
		}
	} else if req.method != "GET" && req.method != "DELETE" {
		return methodNotAllowed()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.webhookStateLocked(appID, token)
	if err != nil {
		return 0, nil, err
	}
	if messageID == "@original" {
		messageID = st.OriginalID
	} else if messageID != st.OriginalID && !contains(st.FollowupIDs, messageID) {
		return 0, nil, errUnknown("Message", CodeUnknownMessage)
	}
	m, ok := s.messages[messageID]
	if !ok || m.Deleted {
		return 0, nil, errUnknown("Message", CodeUnknownMessage)
	}
	switch req.method {
	case "GET":
		return 200, s.messageJSON(m, m.Content), nil
	case "DELETE":
		m.Deleted = true
		s.notifyLocked()
		return http.StatusNoContent, nil, nil
	}
	s.applyEditLocked(m, p, req.files)
	if messageID == st.OriginalID {
		st.deferredEmpty = false
	}
	s.notifyLocked()
	return 200, s.messageJSON(m, m.Content), nil
}
