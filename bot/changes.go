package bot

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/store"
)

// Changes is what the bot needs of the guarded-change engine;
// *change.Engine is one.
type Changes interface {
	Notify(update func(change.Outcome), onAudit func(store.AuditRecord), background bool)
	Posted(id, channelID, messageID string) error
	Get(ctx context.Context, id string) (store.Change, error)
	Resume(ctx context.Context) error
	Sweep(ctx context.Context) (int, error)
	Close()
}

var _ Changes = (*change.Engine)(nil)

// runChanges settles the changes a restart interrupted, then expires
// pending changes whose time is up, every SweepEvery.
func (b *Bot) runChanges(ctx context.Context) error {
	if err := b.cfg.Changes.Resume(ctx); err != nil && ctx.Err() == nil {
		b.log.Error("resuming the changes a restart interrupted failed; they are tried again at the next start", "err", errText(err))
	}
	ticks, stop := b.ticker(b.cfg.SweepEvery)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
			if n, err := b.cfg.Changes.Sweep(ctx); err != nil && ctx.Err() == nil {
				b.log.Warn("expiring old change requests failed; trying again", "err", errText(err))
			} else if n > 0 {
				b.log.Info("change requests expired", "count", n)
			}
		}
	}
}

func (b *Bot) ticker(d time.Duration) (<-chan time.Time, func()) {
	if b.cfg.NewTicker != nil {
		return b.cfg.NewTicker(d)
	}
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// editors keep the edits of each change's message in the order their
// contents were made: every content takes a number first, and one older
// than what the message already shows is dropped. A click's answer and
// the follow-up's progress race otherwise.
type editors struct {
	seq atomic.Uint64
	mu  sync.Mutex
	m   map[string]*editor // by change ID
}

type editor struct {
	mu    sync.Mutex // held while editing
	shown uint64
	used  time.Time
}

// maxEditors bounds the map; editors unused for an hour go first.
const maxEditors = 256

// ticket numbers a content of change id's message.
func (e *editors) ticket(id string) (*editor, uint64) {
	return e.editor(id), e.next()
}

// next numbers a content whose change is not known yet: take it before
// the content is made, so that a later progress edit wins over it.
func (e *editors) next() uint64 { return e.seq.Add(1) }

// editor is the editor of change id's message.
func (e *editors) editor(id string) *editor {
	id = change.NormalizeID(id)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if len(e.m) >= maxEditors {
		for k, ed := range e.m {
			if now.Sub(ed.used) > time.Hour {
				delete(e.m, k)
			}
		}
	}
	ed := e.m[id]
	if ed == nil {
		ed = &editor{}
		e.m[id] = ed
	}
	ed.used = now
	return ed
}

// do runs show (which edits the message and says whether it did) unless
// a newer content is shown already; false when it was dropped.
func (ed *editor) do(seq uint64, show func() bool) bool {
	ed.mu.Lock()
	defer ed.mu.Unlock()
	if seq < ed.shown {
		return false
	}
	if show() {
		ed.shown = seq
	}
	return true
}

// onChangeUpdate is the engine's Update: the deployment's progress, an
// outcome reached in the background, an expiry. It edits the change's
// message.
func (b *Bot) onChangeUpdate(o change.Outcome) {
	c := o.Change
	m := b.router.ChangeReply("", o)
	if c.ChannelID == "" || c.MessageID == "" {
		b.log.Debug("a change's update has no message to edit", "change", c.ID, "status", c.Status)
		return
	}
	ed, seq := b.edits.ticket(c.ID)
	ed.do(seq, func() bool {
		err := b.editMessage(context.Background(), c.ChannelID, c.MessageID, m)
		if err != nil {
			b.log.Error("could not edit a change's message", "change", c.ID, "channel", c.ChannelID, "message", c.MessageID, "err", errText(err))
		}
		return err == nil
	})
}

// onAudit posts an audit record to the audit channel, when there is one.
func (b *Bot) onAudit(r store.AuditRecord) {
	ch := b.cfg.Discord.Channels.Audit
	if ch == "" {
		return
	}
	if _, err := b.post(context.Background(), ch, b.router.AuditReply("", r)); err != nil {
		b.log.Error("could not post to the audit channel; the record is in the store and the log", "change", r.ChangeID,
			"event", r.Event, "channel", ch, "err", errText(err))
	}
}

// post sends one reply to a channel and returns the message's ID (of the
// first message when it takes several).
func (b *Bot) post(ctx context.Context, channelID string, m reply.Message) (string, error) {
	first := ""
	for _, o := range b.renderer(ctx, channelID, "").render([]reply.Message{m}) {
		opts, cancel := b.rest(ctx)
		msg, err := b.session.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{
			Embeds: o.Embeds, Components: o.Components, Files: o.Files, AllowedMentions: noMentions(),
		}, opts...)
		cancel()
		if err != nil {
			return first, err
		}
		if first == "" {
			first = msg.ID
		}
	}
	return first, nil
}

// editMessage replaces a message's embeds, buttons and files with a
// reply's.
func (b *Bot) editMessage(ctx context.Context, channelID, messageID string, m reply.Message) error {
	o := b.renderer(ctx, channelID, messageID).render([]reply.Message{m})[0]
	edit := discordgo.NewMessageEdit(channelID, messageID)
	edit.Embeds, edit.Components, edit.Files = &o.Embeds, &o.Components, o.Files
	edit.Attachments = &[]*discordgo.MessageAttachment{} // only the new files
	edit.AllowedMentions = noMentions()
	opts, cancel := b.rest(ctx)
	defer cancel()
	_, err := b.session.ChannelMessageEditComplex(edit, opts...)
	return err
}

// decide answers a click on a change's Approve or Reject button through
// the router's typed entry point, with the clicker's user, roles and
// channel. A refusal goes to the clicker alone; a decision replaces the
// plan (response type 7, or a deferred update and an edit when the apply
// takes longer), and the follow-up keeps editing the same message.
func (b *Bot) decide(ctx context.Context, reqID string, i *discordgo.Interaction, c Click, d commands.Decision) {
	id := c.Payload
	messageID := c.MessageID
	if cur, err := b.cfg.Changes.Get(ctx, id); err == nil && cur.MessageID == "" && messageID != "" && cur.ChannelID == c.ChannelID {
		// Clicked before the bot recorded where it posted the plan.
		_ = b.cfg.Changes.Posted(id, c.ChannelID, messageID)
	}
	ed, seq := b.edits.ticket(id)
	in := commands.Input{User: c.User, UserName: c.UserName, Roles: c.Roles, ChannelID: c.ChannelID, Locale: c.Locale}
	type answer struct {
		o change.Outcome
		m reply.Message
	}
	done := make(chan answer, 1)
	go func() {
		var o change.Outcome
		out := b.run(ctx, reqID, string(d), in, func(ctx context.Context) []reply.Message {
			var m reply.Message
			o, m = b.router.Decide(ctx, in, d, id)
			return []reply.Message{m}
		})
		if len(out) == 0 {
			out = []reply.Message{b.apology(c.Locale, reqID)}
		}
		if o.Change.ID == "" && o.Refusal == change.RefusalNone {
			o.Refusal = change.RefusalError // a panic: the apology is for the clicker
		}
		done <- answer{o, out[0]}
	}()
	t := time.NewTimer(clickAckAfter)
	defer t.Stop()
	select {
	case a := <-done:
		if a.o.Refused() {
			b.private(ctx, reqID, i, privateText(a.m))
			return
		}
		o := b.renderer(ctx, c.ChannelID, messageID).render([]reply.Message{a.m})[0]
		tried := false
		ed.do(seq, func() bool {
			if b.overtaken(ctx, a.o) {
				return false
			}
			tried = true
			ok := b.respond(ctx, reqID, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
				Data: &discordgo.InteractionResponseData{Embeds: o.Embeds, Components: o.Components, Files: o.Files,
					Attachments: &[]*discordgo.MessageAttachment{}, AllowedMentions: noMentions()}})
			return ok && !countedOnly(a.o)
		})
		if !tried {
			// The follow-up already shows something newer.
			b.respond(ctx, reqID, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
		}
	case <-t.C:
		acked := b.respond(ctx, reqID, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
		a := <-done
		if a.o.Refused() {
			if !acked {
				return
			}
			opts, cancel := b.rest(ctx)
			defer cancel()
			if _, err := b.session.FollowupMessageCreate(i, false, &discordgo.WebhookParams{
				Content: cut(privateText(a.m), maxContent), Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
			}, opts...); err != nil {
				b.log.Error("could not send the private note", "request", reqID, "err", errText(err))
			}
			return
		}
		if messageID == "" {
			return
		}
		ed.do(seq, func() bool {
			if b.overtaken(ctx, a.o) {
				return false
			}
			err := b.editMessage(ctx, c.ChannelID, messageID, a.m)
			if err != nil {
				b.log.Error("could not edit the change's message", "request", reqID, "change", id, "err", errText(err))
			}
			return err == nil && !countedOnly(a.o)
		})
	}
}

// countedOnly reports whether o is an approval counted on a change that
// still waits for more (requireApprovers ≥ 2). Its content is a snapshot
// that must never hide what a later approval shows, so it does not count
// as shown: the ticket order of two clicks is not the order their
// transitions took in the store.
func countedOnly(o change.Outcome) bool { return o.Status == store.StatusPending }

// overtaken reports whether o, a counted approval, is already out of
// date: another approval has since decided the change, or counted after
// it (requireApprovers 3 or more: "1 of 3" must not replace "2 of 3"),
// and the message shows (or will show) that instead. Called holding the
// change's editor.
func (b *Bot) overtaken(ctx context.Context, o change.Outcome) bool {
	if !countedOnly(o) {
		return false
	}
	cur, err := b.cfg.Changes.Get(ctx, o.Change.ID)
	return err == nil && (cur.Status != store.StatusPending || len(cur.Approvals) > len(o.Change.Approvals))
}

// changeWatch follows one answer's change command by its typed outcome:
// where a new plan was posted, and which plan's message a typed decision
// (`!approve ID`, `/approve`, `!reject ID`) edits, as the button would.
type changeWatch struct {
	b   *Bot
	seq uint64 // taken before the answer: a later progress edit wins

	mu      sync.Mutex
	outcome *change.Outcome
}

// watchChange is called before the router answers in: answer the Input it
// returns, then call answered and, for each message posted, posted.
func (b *Bot) watchChange(in commands.Input) (commands.Input, *changeWatch) {
	if b.cfg.Changes == nil {
		return in, nil
	}
	w := &changeWatch{b: b, seq: b.edits.next()}
	in.OnChange = func(o change.Outcome) {
		w.mu.Lock()
		w.outcome = &o
		w.mu.Unlock()
	}
	return in, w
}

func (w *changeWatch) get() *change.Outcome {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.outcome
}

// answered edits the plan's message after a decision that went through
// (not a refusal, not a new plan), as a click would: an approval counted
// while more are needed shows there too.
func (w *changeWatch) answered(ctx context.Context, out []reply.Message) {
	o := w.get()
	if o == nil || o.Refused() || o.DryRun || newPlan(*o) || len(out) != 1 {
		return
	}
	b := w.b
	c, err := b.cfg.Changes.Get(ctx, o.Change.ID)
	if err != nil || c.ChannelID == "" || c.MessageID == "" {
		return
	}
	b.edits.editor(c.ID).do(w.seq, func() bool {
		if b.overtaken(ctx, *o) {
			return false
		}
		err := b.editMessage(ctx, c.ChannelID, c.MessageID, out[0])
		if err != nil {
			b.log.Error("could not edit the change's message", "change", c.ID, "err", errText(err))
		}
		return err == nil && !countedOnly(*o)
	})
}

// newPlan reports whether o is a plan just made: pending, with no
// approval yet. (A pending change with approvals is an approval counted
// while more are needed; its plan was posted before.)
func newPlan(o change.Outcome) bool { return o.Pending() && len(o.Change.Approvals) == 0 }

// posted tells the engine where a new plan was posted (the answer's first
// message), so that its later updates edit it.
func (w *changeWatch) posted(reqID string, n int, channelID, messageID string) {
	o := w.get()
	if o == nil || !newPlan(*o) || n != 0 || messageID == "" {
		return
	}
	if err := w.b.cfg.Changes.Posted(o.Change.ID, channelID, messageID); err != nil {
		w.b.log.Error("could not record where a change's plan was posted; its progress will not show there",
			"request", reqID, "change", o.Change.ID, "err", errText(err))
	}
}

func privateText(m reply.Message) string {
	return strings.TrimSpace("**" + m.Title + "**\n" + m.Description)
}
