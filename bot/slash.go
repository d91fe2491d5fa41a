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

// optSpec is one option of a slash command.
type optSpec struct {
	name         string // what Discord sends back, the English name
	key          string // its words in the bundle, slash.option.KEY; "" = name
	typ          discordgo.ApplicationCommandOptionType
	required     bool
	autocomplete bool
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

// The options of the commands the router has. Every command is listed
// here and answered by slashCall through the router's typed entry points;
// a command the router grows later is not registered until it is
// (TestSlashCoversEveryCommand).
var (
	optService = optSpec{name: "service", typ: discordgo.ApplicationCommandOptionString, autocomplete: true}
	optTask    = optSpec{name: "task", typ: discordgo.ApplicationCommandOptionString}
	optSince   = optSpec{name: "since", typ: discordgo.ApplicationCommandOptionString}
	optLines   = optSpec{name: "lines", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 100}

	optCommand = optSpec{name: "command", typ: discordgo.ApplicationCommandOptionString}

	optChangeID = optSpec{name: "id", key: "change_id", typ: discordgo.ApplicationCommandOptionString, required: true}
	optOnOff    = optSpec{name: "state", typ: discordgo.ApplicationCommandOptionString, required: true, choices: []string{"on", "off"}}

	optScaleSetting = optSpec{name: "setting", key: "scale.setting", typ: discordgo.ApplicationCommandOptionString, required: true,
		choices: []string{string(commands.ScaleCPU), string(commands.ScaleMemory), string(commands.ScaleCount)}}
	optScaleValue = optSpec{name: "value", key: "scale.value", typ: discordgo.ApplicationCommandOptionInteger, required: true, min: 0, max: 1 << 20}
	optTarget     = optSpec{name: "target", key: "reservation.target", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 100}
	optMin        = optSpec{name: "min", key: "autoscale.min", typ: discordgo.ApplicationCommandOptionInteger, min: 0, max: 1000}
	optMax        = optSpec{name: "max", key: "autoscale.max", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 1000}
	optCPU        = optSpec{name: "cpu", key: "autoscale.cpu", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 100}
	optHCSetting  = optSpec{name: "setting", key: "healthcheck.setting", typ: discordgo.ApplicationCommandOptionString, required: true,
		choices: []string{string(commands.HealthcheckGrace), string(commands.HealthcheckTimeout), string(commands.HealthcheckInterval), string(commands.HealthcheckUnhealthy)}}
	optHCValue  = optSpec{name: "value", key: "healthcheck.value", typ: discordgo.ApplicationCommandOptionInteger, required: true, min: 0, max: 10000}
	optRevision = optSpec{name: "revision", key: "rollback.revision", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 1 << 30}

	slashOptions = map[string][]optSpec{
		"why":         {required(optService), optTask, optSince},
		"status":      {optService},
		"summary":     {},
		"postmortem":  {required(optService), optSince},
		"logs":        {required(optService), optTask, optLines},
		"scale":       {required(optService), optScaleSetting, optScaleValue},
		"reservation": {optOnOff, optTarget},
		"autoscale":   {required(optService), optOnOff, optMin, optMax, optCPU},
		"healthcheck": {required(optService), optHCSetting, optHCValue},
		"rollback":    {required(optService), optRevision},
		"approve":     {optChangeID},
		"reject":      {optChangeID},
		"cancel":      {optChangeID},
		"help":        {optCommand},
	}
)

func required(o optSpec) optSpec { o.required = true; return o }

// changeCommands make or decide guarded changes. Discord shows them by
// default only to members with Manage Server (default_member_permissions):
// a club's admins have it, and an admin opens a command to the approver
// role under Server Settings → Integrations. The bot's own role check
// still decides who may request and approve; this keeps the commands out
// of every member's menu until someone chose to open them.
var changeCommands = map[string]bool{
	"scale": true, "reservation": true, "autoscale": true, "healthcheck": true, "rollback": true,
	"approve": true, "reject": true, "cancel": true,
}

var manageGuild int64 = discordgo.PermissionManageGuild

// slashCommands are the guild's slash commands: one per command the
// router has built, in help's order, named and described in English and
// Korean from the bundle (alias.NAME, help.NAME, slash.option.*).
func slashCommands(cmds []commands.CommandInfo) []*discordgo.ApplicationCommand {
	en, ko := text.New("en"), text.New("ko")
	var out []*discordgo.ApplicationCommand
	for _, c := range cmds {
		opts, listed := slashOptions[c.Name]
		if !c.Ready || !listed {
			continue
		}
		ac := &discordgo.ApplicationCommand{
			Name:                     c.Name,
			Type:                     discordgo.ChatApplicationCommand,
			Description:              cut(en.T("help."+c.Name), 100),
			DescriptionLocalizations: &map[discordgo.Locale]string{discordgo.Korean: cut(ko.T("help."+c.Name), 100)},
		}
		if changeCommands[c.Name] {
			perm := manageGuild
			ac.DefaultMemberPermissions = &perm
		}
		if w := ko.Words("alias." + c.Name); len(w) > 0 && w[0] != c.Name {
			ac.NameLocalizations = &map[discordgo.Locale]string{discordgo.Korean: w[0]}
		}
		for _, o := range opts {
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
// command, or nil for a name the router does not have (a command an
// older build registered). in carries the change watch (watchChange).
func (b *Bot) slashCall(d discordgo.ApplicationCommandInteractionData, in commands.Input) func(context.Context) []reply.Message {
	o := slashOpts(d)
	from := commands.From{User: in.User, Locale: in.Locale}
	switch d.Name {
	case "why":
		return func(ctx context.Context) []reply.Message {
			req := commands.WhyRequest{Service: o.str(optService), TaskID: o.str(optTask), From: from}
			if s := o.str(optSince); s != "" {
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
			return b.router.Status(ctx, commands.StatusRequest{Service: o.str(optService), From: from})
		}
	case "logs":
		return func(ctx context.Context) []reply.Message {
			return b.router.Logs(ctx, commands.LogsRequest{Service: o.str(optService), TaskID: o.str(optTask), Lines: o.num(optLines), From: from})
		}
	case "summary":
		return func(ctx context.Context) []reply.Message {
			return b.router.Summary(ctx, commands.SummaryRequest{From: from})
		}
	case "postmortem":
		return func(ctx context.Context) []reply.Message {
			req := commands.PostmortemRequest{Service: o.str(optService), From: from}
			if s := o.str(optSince); s != "" {
				d, err := commands.ParseSince(s)
				if err != nil {
					return []reply.Message{b.router.ErrorReply(from, "postmortem", err)}
				}
				req.Since = d
			}
			return b.router.Postmortem(ctx, req).Reply
		}
	case "help":
		return func(ctx context.Context) []reply.Message {
			return b.router.Help(ctx, commands.HelpRequest{Command: o.str(optCommand), From: from})
		}
	}
	if dec, ok := commands.ParseDecision(d.Name); ok {
		return func(ctx context.Context) []reply.Message {
			_, m := b.router.Decide(ctx, in, dec, o.str(optChangeID))
			return []reply.Message{m}
		}
	}
	if req, err := slashChange(d.Name, o); req != nil || err != nil {
		return func(ctx context.Context) []reply.Message {
			if err != nil {
				return []reply.Message{b.router.ErrorReply(from, d.Name, err)}
			}
			_, out := b.router.Plan(ctx, in, req, false)
			return out
		}
	}
	return nil
}

// slashChange is the typed request of a change's slash command; nil for
// a command that is not a change.
func slashChange(name string, o slashOptionValues) (commands.ChangeRequest, error) {
	on := o.str(optOnOff) == "on"
	switch name {
	case "scale":
		return commands.ScaleRequest{Service: o.str(optService), Resource: commands.ScaleResource(o.str(optScaleSetting)), Value: o.num(optScaleValue)}, nil
	case "reservation":
		return commands.ReservationRequest{On: on, TargetPercent: o.num(optTarget)}, nil
	case "autoscale":
		// Discord cannot make min, max and cpu required for on only.
		if on && (!o.has(optMin) || !o.has(optMax) || !o.has(optCPU)) {
			return nil, commands.ErrAutoscaleArgs
		}
		return commands.AutoscaleRequest{Service: o.str(optService), On: on, Min: o.num(optMin), Max: o.num(optMax), CPUPercent: o.num(optCPU)}, nil
	case "healthcheck":
		return commands.HealthcheckRequest{Service: o.str(optService), Setting: commands.HealthcheckSetting(o.str(optHCSetting)), Value: o.num(optHCValue)}, nil
	case "rollback":
		return commands.RollbackRequest{Service: o.str(optService), Revision: o.num(optRevision)}, nil
	}
	return nil, nil
}

// slashOptionValues are the options a slash command was given, by name.
type slashOptionValues map[string]*discordgo.ApplicationCommandInteractionDataOption

func slashOpts(d discordgo.ApplicationCommandInteractionData) slashOptionValues {
	given := slashOptionValues{}
	for _, o := range d.Options {
		given[o.Name] = o
	}
	return given
}

func (v slashOptionValues) has(o optSpec) bool { _, ok := v[o.name]; return ok }

func (v slashOptionValues) str(o optSpec) string {
	if x, ok := v[o.name]; ok {
		return strings.TrimSpace(optionText(x))
	}
	return ""
}

func (v slashOptionValues) num(o optSpec) int {
	if x, ok := v[o.name]; ok {
		if f, ok := x.Value.(float64); ok {
			return int(f)
		}
	}
	return 0
}
