package commands

// CommandInfo is one chat command as a platform registers it (Discord's
// slash commands): derived from the router's table, so a command added
// there shows up everywhere.
type CommandInfo struct {
	Name    string
	Aliases []string
	// Ready is false for a command announced but not built yet.
	Ready bool
}

// Commands lists the router's commands in the order help shows them.
func (r *Router) Commands() []CommandInfo {
	out := make([]CommandInfo, 0, len(commandsOnce().ordered))
	for _, c := range commandsOnce().ordered {
		out = append(out, CommandInfo{Name: c.Name, Aliases: append([]string(nil), c.Aliases...), Ready: c.Run != nil})
	}
	return out
}

// Prefix is the prefix of text commands, "!" unless the config says.
func (r *Router) Prefix() string { return r.env.prefix() }
