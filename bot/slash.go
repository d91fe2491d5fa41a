package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// optSpec is one option of a slash command and how it goes into the chat
// line the router reads.
type optSpec struct {
	name         string // what Discord sends back, the English name
	key          string // its words in the bundle, slash.option.KEY; "" = name
	typ          discordgo.ApplicationCommandOptionType
	required     bool
	autocomplete bool
	keyword      string // written before the value ("since 2h")
	min, max     float64
	choices      []string // the only values allowed, shown as they are
}

// textID is the message of the option's description; textID + ".name"
// is its name in each language.
func (o optSpec) textID() string {
	if o.key != "" {
		return "slash.option." + o.key
	}
	return "slash.option." + o.name
}

// The options of the commands the router has. A command the router grows
// later gets a single free-text "args" option until it is listed here.
var (
	optService = optSpec{name: "service", typ: discordgo.ApplicationCommandOptionString, autocomplete: true}
	optTask    = optSpec{name: "task", typ: discordgo.ApplicationCommandOptionString}
	optSince   = optSpec{name: "since", typ: discordgo.ApplicationCommandOptionString, keyword: "since"}
	optLines   = optSpec{name: "lines", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 100}
	optArgs    = optSpec{name: "args", typ: discordgo.ApplicationCommandOptionString}

	optCommand = optSpec{name: "command", typ: discordgo.ApplicationCommandOptionString}

	optChangeID = optSpec{name: "id", key: "change_id", typ: discordgo.ApplicationCommandOptionString, required: true}
	optOnOff    = optSpec{name: "state", typ: discordgo.ApplicationCommandOptionString, required: true, choices: []string{"on", "off"}}

	slashOptions = map[string][]optSpec{
		"why":     {required(optService), optTask, optSince},
		"status":  {optService},
		"summary": {},
		"logs":    {required(optService), optTask, optLines},
		"scale": {required(optService),
			{name: "setting", key: "scale.setting", typ: discordgo.ApplicationCommandOptionString, required: true, choices: []string{"cpu", "memory", "count"}},
			{name: "value", key: "scale.value", typ: discordgo.ApplicationCommandOptionInteger, required: true, min: 0, max: 1 << 20}},
		"reservation": {optOnOff,
			{name: "target", key: "reservation.target", typ: discordgo.ApplicationCommandOptionInteger, keyword: "target", min: 1, max: 100}},
		"autoscale": {required(optService), optOnOff,
			{name: "min", key: "autoscale.min", typ: discordgo.ApplicationCommandOptionInteger, keyword: "min", min: 0, max: 1000},
			{name: "max", key: "autoscale.max", typ: discordgo.ApplicationCommandOptionInteger, keyword: "max", min: 1, max: 1000},
			{name: "cpu", key: "autoscale.cpu", typ: discordgo.ApplicationCommandOptionInteger, keyword: "cpu", min: 1, max: 100}},
		"healthcheck": {required(optService),
			{name: "setting", key: "healthcheck.setting", typ: discordgo.ApplicationCommandOptionString, required: true,
				choices: []string{"grace", "timeout", "interval", "unhealthy"}},
			{name: "value", key: "healthcheck.value", typ: discordgo.ApplicationCommandOptionInteger, required: true, min: 0, max: 10000}},
		"rollback": {required(optService),
			{name: "revision", key: "rollback.revision", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 1 << 30}},
		"approve": {optChangeID},
		"reject":  {optChangeID},
		"cancel":  {optChangeID},
		"help":    {optCommand},
	}
)

func required(o optSpec) optSpec { o.required = true; return o }

func optionsFor(name string) []optSpec {
	if o, ok := slashOptions[name]; ok {
		return o
	}
	return []optSpec{optArgs}
}

// slashCommands are the guild's slash commands: one per command the
// router has built, in help's order, named and described in English and
// Korean from the bundle (alias.NAME, help.NAME, slash.option.*).
func slashCommands(cmds []commands.CommandInfo) []*discordgo.ApplicationCommand {
	en, ko := text.New("en"), text.New("ko")
	var out []*discordgo.ApplicationCommand
	for _, c := range cmds {
		if !c.Ready {
			continue
		}
		ac := &discordgo.ApplicationCommand{
			Name:                     c.Name,
			Type:                     discordgo.ChatApplicationCommand,
			Description:              cut(en.T("help."+c.Name), 100),
			DescriptionLocalizations: &map[discordgo.Locale]string{discordgo.Korean: cut(ko.T("help."+c.Name), 100)},
		}
		if w := ko.Words("alias." + c.Name); len(w) > 0 && w[0] != c.Name {
			ac.NameLocalizations = &map[discordgo.Locale]string{discordgo.Korean: w[0]}
		}
		for _, o := range optionsFor(c.Name) {
			opt := &discordgo.ApplicationCommandOption{
				Type: o.typ, Name: o.name, Description: en.T(o.textID()), Required: o.required, Autocomplete: o.autocomplete,
				NameLocalizations:        map[discordgo.Locale]string{discordgo.Korean: ko.T(o.textID() + ".name")},
				DescriptionLocalizations: map[discordgo.Locale]string{discordgo.Korean: ko.T(o.textID())},
			}
			if o.max > 0 {
				lo := o.min
				opt.MinValue, opt.MaxValue = &lo, o.max
			}
			for _, c := range o.choices {
				opt.Choices = append(opt.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
			}
			ac.Options = append(ac.Options, opt)
		}
		out = append(out, ac)
	}
	return out
}

// slashLine writes a slash command as the chat line the router reads:
// /why service:backend since:2h becomes "!why backend since 2h".
func slashLine(prefix string, d discordgo.ApplicationCommandInteractionData) string {
	given := map[string]string{}
	for _, o := range d.Options {
		given[o.Name] = optionText(o)
	}
	parts := []string{prefix + d.Name}
	for _, o := range optionsFor(d.Name) {
		v := strings.TrimSpace(given[o.name])
		if v == "" {
			continue
		}
		if o.keyword != "" {
			parts = append(parts, o.keyword)
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, " ")
}

func optionText(o *discordgo.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// slashCall is the router's typed entry point that answers a slash
// command, or nil for a command still read as the line slashLine writes
// (the guarded changes, until they have typed requests of their own).
func (b *Bot) slashCall(d discordgo.ApplicationCommandInteractionData, in commands.Input) func(context.Context) []reply.Message {
	given := map[string]*discordgo.ApplicationCommandInteractionDataOption{}
	for _, o := range d.Options {
		given[o.Name] = o
	}
	str := func(o optSpec) string {
		if v, ok := given[o.name]; ok {
			return strings.TrimSpace(optionText(v))
		}
		return ""
	}
	num := func(o optSpec) int {
		if v, ok := given[o.name]; ok {
			if f, ok := v.Value.(float64); ok {
				return int(f)
			}
		}
		return 0
	}
	from := commands.From{User: in.User, Locale: in.Locale}
	switch d.Name {
	case "why":
		return func(ctx context.Context) []reply.Message {
			req := commands.WhyRequest{Service: str(optService), TaskID: str(optTask), From: from}
			if s := str(optSince); s != "" {
				d, err := commands.ParseSince(s)
				if err != nil {
					return []reply.Message{b.router.ErrorReply(from, "why", err)}
				}
				req.Since = d
			}
			return b.router.Why(ctx, req)
		}
	case "status":
		return func(ctx context.Context) []reply.Message {
			return b.router.Status(ctx, commands.StatusRequest{Service: str(optService), From: from})
		}
	case "logs":
		return func(ctx context.Context) []reply.Message {
			return b.router.Logs(ctx, commands.LogsRequest{Service: str(optService), TaskID: str(optTask), Lines: num(optLines), From: from})
		}
	case "summary":
		return func(ctx context.Context) []reply.Message {
			return b.router.Summary(ctx, commands.SummaryRequest{From: from})
		}
	case "help":
		return func(ctx context.Context) []reply.Message {
			return b.router.Help(ctx, commands.HelpRequest{Command: str(optCommand), From: from})
		}
	}
	return nil
}
