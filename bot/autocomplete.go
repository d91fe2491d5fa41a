package bot

import (
	"context"
	"sort"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// autocomplete suggests the configured services (or the commands, for
// help) as the user types.
func (b *Bot) autocomplete(ctx context.Context, reqID string, i *discordgo.Interaction) {
	var focused *discordgo.ApplicationCommandInteractionDataOption
	for _, o := range i.ApplicationCommandData().Options {
		if o.Focused {
			focused = o
		}
	}
	var choices []*discordgo.ApplicationCommandOptionChoice
	if focused != nil {
		switch focused.Name {
		case optService.name:
			choices = b.serviceChoices(optionText(focused))
		case optCommand.name:
			choices = b.commandChoices(optionText(focused))
		}
	}
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{} // Discord wants a list, even empty
	}
	b.respond(ctx, reqID, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	})
}

// serviceChoices are the services whose alias or ECS name contains what
// was typed, those that start with it first, at most 25.
func (b *Bot) serviceChoices(typed string) []*discordgo.ApplicationCommandOptionChoice {
	q := strings.ToLower(strings.TrimSpace(typed))
	type hit struct {
		rank int
		c    *discordgo.ApplicationCommandOptionChoice
	}
	var hits []hit
	for _, s := range b.cfg.Services {
		alias, svc := strings.ToLower(s.Name()), strings.ToLower(s.Service)
		rank := 2
		switch {
		case strings.HasPrefix(alias, q):
			rank = 0
		case strings.HasPrefix(svc, q):
			rank = 1
		case strings.Contains(alias, q) || strings.Contains(svc, q):
		default:
			continue
		}
		label := s.Name()
		if s.Service != "" && s.Service != s.Name() {
			label += " (" + s.Service + ")"
		}
		hits = append(hits, hit{rank, &discordgo.ApplicationCommandOptionChoice{Name: cut(label, maxChoiceName), Value: s.Name()}})
	}
	sort.SliceStable(hits, func(x, y int) bool { return hits[x].rank < hits[y].rank })
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, h := range hits {
		if len(out) == maxChoices {
			break
		}
		out = append(out, h.c)
	}
	return out
}

func (b *Bot) commandChoices(typed string) []*discordgo.ApplicationCommandOptionChoice {
	q := strings.ToLower(strings.TrimSpace(typed))
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, c := range b.router.Commands() {
		if strings.HasPrefix(c.Name, q) && len(out) < maxChoices {
			out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: c.Name, Value: c.Name})
		}
	}
	return out
}
