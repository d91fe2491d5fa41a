package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// optSpec is one option of a slash command and how it goes into the chat
// line the router reads.
type optSpec struct {
	name, koName string
	typ          discordgo.ApplicationCommandOptionType
	required     bool
	autocomplete bool
	keyword      string // written before the value ("since 2h")
	min, max     float64
	choices      []string // the only values allowed, shown as they are
	en, ko       string
}

// The options of the commands the router has. A command the router grows
// later gets a single free-text "args" option until it is listed here.
var (
	optService = optSpec{name: "service", koName: "서비스", typ: discordgo.ApplicationCommandOptionString, autocomplete: true,
		en: "the service, by its short name", ko: "서비스 이름 (짧은 이름)"}
	optTask = optSpec{name: "task", koName: "태스크", typ: discordgo.ApplicationCommandOptionString,
		en: "a task ID (or its first 6+ characters)", ko: "태스크 ID (앞 6자 이상)"}
	optSince = optSpec{name: "since", koName: "기간", typ: discordgo.ApplicationCommandOptionString, keyword: "since",
		en: "how far back to look, such as 2h or 1d", ko: "얼마나 거슬러 볼지 (예: 2h, 1d)"}
	optLines = optSpec{name: "lines", koName: "줄수", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 100,
		en: "how many log lines (1–100)", ko: "로그 줄 수 (1–100)"}
	optArgs = optSpec{name: "args", koName: "인자", typ: discordgo.ApplicationCommandOptionString,
		en: "the rest of the command, as after the text command", ko: "텍스트 명령에서 명령 뒤에 쓰는 내용"}

	optCommand = optSpec{name: "command", koName: "명령", typ: discordgo.ApplicationCommandOptionString,
		en: "a command to explain, such as why", ko: "설명할 명령 (예: why)"}

	optChangeID = optSpec{name: "id", koName: "아이디", typ: discordgo.ApplicationCommandOptionString, required: true,
		en: "the change's ID, as its message shows", ko: "변경 ID (메시지에 표시된 것)"}
	optOnOff = optSpec{name: "state", koName: "상태", typ: discordgo.ApplicationCommandOptionString, required: true, choices: []string{"on", "off"},
		en: "on or off", ko: "켜기(on) 또는 끄기(off)"}

	slashOptions = map[string][]optSpec{
		"why":     {required(optService), optTask, optSince},
		"status":  {optService},
		"summary": {},
		"logs":    {required(optService), optTask, optLines},
		"scale": {required(optService),
			{name: "setting", koName: "항목", typ: discordgo.ApplicationCommandOptionString, required: true, choices: []string{"cpu", "memory", "count"},
				en: "what to change: cpu (units), memory (MiB) or count (tasks)", ko: "바꿀 항목: cpu(유닛), memory(MiB), count(태스크 수)"},
			{name: "value", koName: "값", typ: discordgo.ApplicationCommandOptionInteger, required: true, min: 0, max: 1 << 20,
				en: "the new value, such as 1024", ko: "새 값 (예: 1024)"}},
		"reservation": {optOnOff,
			{name: "target", koName: "목표", typ: discordgo.ApplicationCommandOptionInteger, keyword: "target", min: 1, max: 100,
				en: "the CPU reservation to keep, in percent", ko: "유지할 CPU 예약률 (%)"}},
		"autoscale": {required(optService), optOnOff,
			{name: "min", koName: "최소", typ: discordgo.ApplicationCommandOptionInteger, keyword: "min", min: 0, max: 1000,
				en: "the fewest tasks (with on)", ko: "최소 태스크 수 (on일 때)"},
			{name: "max", koName: "최대", typ: discordgo.ApplicationCommandOptionInteger, keyword: "max", min: 1, max: 1000,
				en: "the most tasks (with on)", ko: "최대 태스크 수 (on일 때)"},
			{name: "cpu", koName: "cpu", typ: discordgo.ApplicationCommandOptionInteger, keyword: "cpu", min: 1, max: 100,
				en: "the CPU to keep, in percent (with on)", ko: "유지할 CPU 사용률 % (on일 때)"}},
		"healthcheck": {required(optService),
			{name: "setting", koName: "항목", typ: discordgo.ApplicationCommandOptionString, required: true,
				choices: []string{"grace", "timeout", "interval", "unhealthy"},
				en:      "grace, timeout or interval (seconds), or unhealthy (failed checks)", ko: "grace, timeout, interval(초) 또는 unhealthy(실패 횟수)"},
			{name: "value", koName: "값", typ: discordgo.ApplicationCommandOptionInteger, required: true, min: 0, max: 10000,
				en: "the new value", ko: "새 값"}},
		"rollback": {required(optService),
			{name: "revision", koName: "리비전", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 1 << 30,
				en: "the task definition revision; the previous one when left out", ko: "태스크 정의 리비전 (생략하면 직전 것)"}},
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
// router has built, in help's order, with Korean names and descriptions.
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
		if k := koreanAlias(c.Aliases); k != "" {
			ac.NameLocalizations = &map[discordgo.Locale]string{discordgo.Korean: k}
		}
		for _, o := range optionsFor(c.Name) {
			opt := &discordgo.ApplicationCommandOption{
				Type: o.typ, Name: o.name, Description: o.en, Required: o.required, Autocomplete: o.autocomplete,
				NameLocalizations:        map[discordgo.Locale]string{discordgo.Korean: o.koName},
				DescriptionLocalizations: map[discordgo.Locale]string{discordgo.Korean: o.ko},
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

// koreanAlias is the router's Korean word for a command (왜 for why),
// the slash command's Korean name.
func koreanAlias(aliases []string) string {
	for _, a := range aliases {
		for _, r := range a {
			if unicode.Is(unicode.Hangul, r) {
				return a
			}
		}
	}
	return ""
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

// slashJob answers a slash command with the router's typed entry point.
// The guarded changes are still read as the line slashLine writes, until
// they have typed requests of their own.
func (b *Bot) slashJob(d discordgo.ApplicationCommandInteractionData, in commands.Input) job {
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
	j := job{name: d.Name, in: in}
	switch d.Name {
	case "why":
		j.ask = func(ctx context.Context) []reply.Message {
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
		j.ask = func(ctx context.Context) []reply.Message {
			return b.router.Status(ctx, commands.StatusRequest{Service: str(optService), From: from})
		}
	case "logs":
		j.ask = func(ctx context.Context) []reply.Message {
			return b.router.Logs(ctx, commands.LogsRequest{Service: str(optService), TaskID: str(optTask), Lines: num(optLines), From: from})
		}
	case "summary":
		j.ask = func(ctx context.Context) []reply.Message {
			return b.router.Summary(ctx, commands.SummaryRequest{From: from})
		}
	case "help":
		j.ask = func(ctx context.Context) []reply.Message {
			return b.router.Help(ctx, commands.HelpRequest{Command: str(optCommand), From: from})
		}
	default:
		in.Text = slashLine(b.router.Prefix(), d)
		return b.lineJob(in)
	}
	return j
}
