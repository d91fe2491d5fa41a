package commands

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/internal/redact"
)

// ChatOptions shape the terminal chat.
type ChatOptions struct {
	Color   bool   // ANSI colour; for a terminal, not a pipe
	Prompt  bool   // print a prompt and a greeting; for a person typing
	SaveDir string // where charts are saved; "" = not saved
	Locale  string // "en" or "ko"
	// Redact masks secrets quoted from AWS; nil masks everything.
	Redact *redact.Redactor
	// NoInput is the message (an ID of commands/text) printed when the
	// input ends before any command, as with empty or piped-in nothing:
	// it says what the chat is and how to type to it. "" prints nothing.
	NoInput string
}

// chatWidth is where prose wraps when a person is typing.
const chatWidth = 100

// Chat is the terminal chat: it reads lines (the prefix is optional), prints
// the replies, and lets a bare number press a button of the last reply. It
// ends at quit, exit or the end of the input, and works on a pipe.
func Chat(ctx context.Context, r *Router, in io.Reader, out io.Writer, opt ChatOptions) error {
	p := r.printer(opt.Locale)
	ropt := reply.TextOptions{Color: opt.Color, SaveDir: opt.SaveDir, Redactor: opt.Redact}
	if opt.Prompt {
		ropt.Width = chatWidth
		if _, err := fmt.Fprintln(out, p.T("chat.greeting", "Prefix", r.env.prefix())); err != nil {
			return err
		}
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var buttons []reply.Button
	prompt := func() error {
		if !opt.Prompt {
			return nil
		}
		_, err := fmt.Fprint(out, "> ")
		return err
	}
	if err := prompt(); err != nil {
		return err
	}
	quitWords := text.Words("word.quit")
	asked := false
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := strings.TrimSpace(sc.Text())
		switch low := strings.ToLower(line); {
		case line == "":
			if err := prompt(); err != nil {
				return err
			}
			continue
		case slices.Contains(quitWords, low):
			return nil
		}
		asked = true
		pressed := false
		if n, err := strconv.Atoi(line); err == nil {
			if n < 1 || n > len(buttons) {
				if _, err := fmt.Fprintln(out, p.T("chat.no_choice", "N", line, "Max", len(buttons))); err != nil {
					return err
				}
				if err := prompt(); err != nil {
					return err
				}
				continue
			}
			line, pressed = buttons[n-1].ID, true
			if _, err := fmt.Fprintln(out, "→ "+line); err != nil {
				return err
			}
		}
		in := Input{Text: line, User: ConsoleUser, UserName: ConsoleUser, Locale: opt.Locale}
		var ms []reply.Message
		if pressed {
			ms = r.press(ctx, in)
		} else {
			ms = r.Handle(ctx, in)
		}
		for _, m := range ms {
			if len(m.Buttons) > 0 {
				buttons = m.Buttons
			}
		}
		if len(ms) > 0 && !anyButtons(ms) {
			buttons = nil
		}
		for _, m := range ms {
			if _, err := fmt.Fprintln(out, reply.RenderText(m, ropt)); err != nil {
				return err
			}
		}
		if err := prompt(); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the chat input: %w", err)
	}
	if !asked && opt.NoInput != "" {
		if _, err := fmt.Fprintln(out, p.T(opt.NoInput, "Prefix", r.env.prefix())); err != nil {
			return err
		}
	}
	if opt.Prompt {
		fmt.Fprintln(out)
	}
	return nil
}

// press answers a pressed button, whose ID is in.Text. A change's
// Approve or Reject ("approve:ID") goes to the typed Decide. Any other
// button's ID is the ready command the user sees on it (a remedy such as
// "!scale backend cpu 1024"), so it goes through Handle exactly as if
// typed: the `!` prefix path, which reads the user's own words.
func (r *Router) press(ctx context.Context, in Input) []reply.Message {
	d, id, ok := ParseButton(in.Text)
	if !ok {
		return r.Handle(ctx, in)
	}
	return r.answer(ctx, string(d), From{User: in.User, Locale: in.Locale}, func(ctx context.Context, _ text.Printer) []reply.Message {
		_, m := r.Decide(ctx, in, d, id)
		return []reply.Message{m}
	})
}

func anyButtons(ms []reply.Message) bool {
	for _, m := range ms {
		if len(m.Buttons) > 0 {
			return true
		}
	}
	return false
}
