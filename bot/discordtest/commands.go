package discordtest

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// routeCommands serves /applications/{app}/commands[/{id}] (guildID "") and
// /applications/{app}/guilds/{guild}/commands[/{id}].
func (s *Server) routeCommands(req *request, appID, guildID string, rest []string) (int, any, error) {
	if appID != s.opts.ApplicationID {
		return 0, nil, &apiError{status: http.StatusForbidden, Code: CodeMissingAccess, Msg: "Missing Access"}
	}
	if guildID != "" && !s.knownGuild(guildID) {
		return 0, nil, &apiError{status: http.StatusForbidden, Code: CodeMissingAccess, Msg: "Missing Access"}
	}
	switch len(rest) {
	case 0:
		switch req.method {
		case "GET":
			s.mu.Lock()
			defer s.mu.Unlock()
			return 200, nonNilCmds(s.commands[guildID]), nil
		case "PUT":
			var cmds []map[string]any
			if err := json.Unmarshal(req.body, &cmds); err != nil {
				return 0, nil, &apiError{status: 400, Code: CodeInvalidFormBody, Msg: "Invalid Form Body"}
			}
			if err := validateCommands(cmds); err != nil {
				return 0, nil, err
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			old := s.commands[guildID]
			out := make([]map[string]any, 0, len(cmds))
			for _, c := range cmds {
				// A bulk overwrite keeps the ID of a command with the same
				// name and type, as Discord does.
				id := ""
				if o := findCommand(old, c); o != nil {
					id, _ = o["id"].(string)
				}
				out = append(out, s.finishCommandLocked(c, id, guildID))
			}
			s.commands[guildID] = out
			s.notifyLocked()
			return 200, out, nil
		case "POST":
			var c map[string]any
			if err := json.Unmarshal(req.body, &c); err != nil {
				return 0, nil, &apiError{status: 400, Code: CodeInvalidFormBody, Msg: "Invalid Form Body"}
			}
			if err := validateCommands([]map[string]any{c}); err != nil {
				return 0, nil, err
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			// Creating a command whose name exists overwrites it (200);
			// a new one answers 201.
			list := s.commands[guildID]
			for i, o := range list {
				if sameCommand(o, c) {
					id, _ := o["id"].(string)
					list[i] = s.finishCommandLocked(c, id, guildID)
					s.notifyLocked()
					return 200, list[i], nil
				}
			}
			nc := s.finishCommandLocked(c, "", guildID)
			s.commands[guildID] = append(list, nc)
			s.notifyLocked()
			return http.StatusCreated, nc, nil
		}
		return methodNotAllowed()
	case 1:
		s.mu.Lock()
		defer s.mu.Unlock()
		list := s.commands[guildID]
		idx := -1
		for i, o := range list {
			if o["id"] == rest[0] {
				idx = i
			}
		}
		if idx < 0 {
			return 0, nil, errUnknown("application command", CodeUnknownCommand)
		}
		switch req.method {
		case "GET":
			return 200, list[idx], nil
		case "PATCH":
			var patch map[string]any
			if err := json.Unmarshal(req.body, &patch); err != nil {
				return 0, nil, &apiError{status: 400, Code: CodeInvalidFormBody, Msg: "Invalid Form Body"}
			}
			merged := map[string]any{}
			for k, v := range list[idx] {
				merged[k] = v
			}
			for k, v := range patch {
				merged[k] = v
			}
			if err := validateCommands([]map[string]any{merged}); err != nil {
				return 0, nil, err
			}
			list[idx] = s.finishCommandLocked(merged, rest[0], guildID)
			s.notifyLocked()
			return 200, list[idx], nil
		case "DELETE":
			s.commands[guildID] = append(list[:idx:idx], list[idx+1:]...)
			s.notifyLocked()
			return http.StatusNoContent, nil, nil
		}
		return methodNotAllowed()
	}
	return 0, nil, errNotFound()
}

func (s *Server) knownGuild(id string) bool {
	for _, g := range s.opts.Guilds {
		if g.ID == id {
			return true
		}
	}
	return false
}

func cmdType(c map[string]any) float64 {
	if t, ok := c["type"].(float64); ok && t != 0 {
		return t
	}
	return 1
}

func sameCommand(a, b map[string]any) bool {
	return a["name"] == b["name"] && cmdType(a) == cmdType(b)
}

func findCommand(list []map[string]any, c map[string]any) map[string]any {
	for _, o := range list {
		if sameCommand(o, c) {
			return o
		}
	}
	return nil
}

// finishCommandLocked adds the fields Discord fills in.
func (s *Server) finishCommandLocked(c map[string]any, id, guildID string) map[string]any {
	out := map[string]any{}
	for k, v := range c {
		out[k] = v
	}
	if id == "" {
		id = s.newIDLocked()
	}
	out["id"] = id
	out["application_id"] = s.opts.ApplicationID
	out["type"] = cmdType(c)
	out["version"] = s.newIDLocked()
	if guildID != "" {
		out["guild_id"] = guildID
	} else {
		delete(out, "guild_id")
	}
	if _, ok := out["description"]; !ok {
		out["description"] = ""
	}
	return out
}

// validateCommands applies Discord's basic limits: chat-input names of 1–32
// characters, descriptions of 1–100, at most 25 options, unique names.
func validateCommands(cmds []map[string]any) error {
	var fe formError
	seen := map[string]bool{}
	for i, c := range cmds {
		idx := strconv.Itoa(i)
		name, _ := c["name"].(string)
		if name == "" || len([]rune(name)) > 32 {
			fe.add([]string{idx, "name"}, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
		}
		key := name + "/" + strconv.Itoa(int(cmdType(c)))
		if seen[key] {
			fe.add([]string{idx, "name"}, "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
		if cmdType(c) == 1 {
			d, _ := c["description"].(string)
			if d == "" || len([]rune(d)) > 100 {
				fe.add([]string{idx, "description"}, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
			}
		}
		if opts, ok := c["options"].([]any); ok && len(opts) > 25 {
			fe.add([]string{idx, "options"}, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
	}
	if len(cmds) > 100 {
		fe.add([]string{"_"}, "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
	}
	return fe.err()
}

func nonNilCmds(c []map[string]any) []map[string]any {
	if c == nil {
		return []map[string]any{}
	}
	return c
}

// Commands returns the registered commands of a guild, or the global ones
// for guildID "".
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	b, err := json.Marshal(nonNilCmds(s.commands[guildID]))
	s.mu.Unlock()
	if err != nil {
		return nil
	}
	var out []*discordgo.ApplicationCommand
	_ = json.Unmarshal(b, &out)
	return out
}

// commandIDLocked finds the ID of a registered command by name (guild, then
// global), or makes one up so tests need not register commands first.
func (s *Server) commandIDLocked(guildID, name string) string {
	for _, scope := range []string{guildID, ""} {
		for _, c := range s.commands[scope] {
			if c["name"] == name && cmdType(c) == 1 {
				if id, ok := c["id"].(string); ok {
					return id
				}
			}
		}
	}
	return s.newIDLocked()
}
