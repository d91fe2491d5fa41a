package config

import (
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/internal/lazyre"
	"github.com/ecsmedic/ecsmedic/internal/loopback"
)

// builder turns the raw settings into a Config, collecting every problem.
type builder struct {
	file   string
	getenv func(string) string
	ix     *index
	root   *yaml.Node
	lines  []string // of the file, for what the YAML nodes do not keep
	errs   []Error
	warns  []Error
}

func (b *builder) errAt(n *yaml.Node, path, msg, fix string) {
	b.errs = append(b.errs, b.at(n, path, msg, fix))
}

func (b *builder) warnAt(n *yaml.Node, path, msg, fix string) {
	b.warns = append(b.warns, b.at(n, path, msg, fix))
}

// at places a problem on n, or, when n is nil (the setting is missing), on
// the nearest enclosing key that is in the file.
func (b *builder) at(n *yaml.Node, path, msg, fix string) Error {
	e := Error{File: b.file, Path: path, Message: msg, Fix: fix}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	} else {
		e.Line, e.Column = b.ix.position(path)
	}
	return e
}

// scalar is v's scalar node, or nil when v is absent or empty; anything
// else is reported.
func (b *builder) scalar(v value, path, want string) *yaml.Node {
	n := v.n
	if n == nil {
		// The decoder skips empty values; a bare ! is one.
		n = b.ix.values[path]
		if n == nil || n.Kind != yaml.ScalarNode {
			return nil
		}
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		if src := b.source(n); strings.HasPrefix(src, "!") {
			text := strings.Fields(src)[0]
			b.errAt(n, path, fmt.Sprintf("YAML reads %q as a tag, because it starts with !, so this value is empty", text),
				fmt.Sprintf("put the value in quotes: %s: %q", lastKey(path), text))
		}
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		b.errAt(n, path, fmt.Sprintf("should be %s, not %s", want, kindName(n)),
			"write one value after the colon, as in config/ecsmedic.example.yaml")
		return nil
	}
	if n.Style&yaml.TaggedStyle != 0 && !strings.HasPrefix(n.Tag, "!!") {
		text := strings.TrimSpace(n.Tag + " " + n.Value)
		b.errAt(n, path, fmt.Sprintf("YAML reads %q as a tag, because it starts with !", text),
			fmt.Sprintf("put the value in quotes: %s: %q", lastKey(path), text))
		return nil
	}
	return n
}

// source is the file's text from n's position to the end of its line.
func (b *builder) source(n *yaml.Node) string {
	if n.Line < 1 || n.Line > len(b.lines) || n.Column < 1 {
		return ""
	}
	line := []rune(strings.TrimRight(b.lines[n.Line-1], "\r"))
	if n.Column > len(line) {
		return ""
	}
	return string(line[n.Column-1:])
}

func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// str reads a text setting; it returns def when the setting is absent.
func (b *builder) str(v value, path, def string) (string, *yaml.Node) {
	n := b.scalar(v, path, "text")
	if n == nil {
		return def, nil
	}
	return strings.TrimSpace(n.Value), n
}

// Every command loads the config, so the expressions a usual config never
// meets (hints for a mistake, optional settings) are compiled on first use
// (lazyre), ~1 ms of start-up together; those every config uses are not.
var (
	vcpuRE = lazyre.New(`(?i)^([0-9]+(?:\.[0-9]+)?)\s*v?cpus?$`)
	gibRE  = lazyre.New(`(?i)^([0-9]+(?:\.[0-9]+)?)\s*(?:gb|gib|g)$`)
	mibRE  = lazyre.New(`(?i)^([0-9]+)\s*(?:mb|mib|m)$`)
)

// unitHint explains how to write a number the file wrote with a unit.
func unitHint(path, s string) string {
	switch {
	case strings.Contains(path, ".cpu.") && vcpuRE().MatchString(s):
		f, _ := strconv.ParseFloat(vcpuRE().FindStringSubmatch(s)[1], 64)
		return fmt.Sprintf("write CPU units, where 1024 is one vCPU: %s is %d", s, int(f*1024))
	case strings.Contains(path, ".memory.") && gibRE().MatchString(s):
		f, _ := strconv.ParseFloat(gibRE().FindStringSubmatch(s)[1], 64)
		return fmt.Sprintf("write MiB, without a unit: %s is %d", s, int(f*1024))
	case strings.Contains(path, ".memory.") && mibRE().MatchString(s):
		return fmt.Sprintf("write MiB, without a unit: %s", mibRE().FindStringSubmatch(s)[1])
	case strings.HasSuffix(path, "graceMax"):
		if d, err := time.ParseDuration(s); err == nil {
			return fmt.Sprintf("graceMax is in seconds, without a unit: %s is %d", s, int64(d/time.Second))
		}
	}
	return "write a whole number without quotes or a unit"
}

// integer reads a whole number within lo..hi; def when absent.
func (b *builder) integer(v value, path string, def, lo, hi int) (int, *yaml.Node) {
	n := b.scalar(v, path, "a whole number")
	if n == nil {
		return def, nil
	}
	s := strings.TrimSpace(n.Value)
	var i int64
	var err error
	switch n.Tag {
	case "!!int":
		err = n.Decode(&i)
	case "!!str":
		i, err = strconv.ParseInt(s, 10, 64)
	default:
		err = fmt.Errorf("not an integer")
	}
	if err != nil {
		b.errAt(n, path, fmt.Sprintf("should be a whole number, not %q", s), unitHint(path, s))
		return def, n
	}
	if i < int64(lo) || i > int64(hi) {
		b.errAt(n, path, fmt.Sprintf("%d is outside the allowed range %d to %d", i, lo, hi),
			fmt.Sprintf("write a number from %d to %d", lo, hi))
		return def, n
	}
	return int(i), n
}

// boolean reads true or false; def when absent.
func (b *builder) boolean(v value, path string, def bool) (bool, *yaml.Node) {
	n := b.scalar(v, path, "true or false")
	if n == nil {
		return def, nil
	}
	var out bool
	if n.Tag == "!!bool" && n.Decode(&out) == nil {
		return out, n
	}
	fix := "write true or false"
	switch strings.ToLower(strings.TrimSpace(n.Value)) {
	case "yes", "y", "on", "1", "enabled", "enable":
		fix = "write true (YAML here only knows true and false)"
	case "no", "n", "off", "0", "disabled", "disable":
		fix = "write false (YAML here only knows true and false)"
	}
	b.errAt(n, path, fmt.Sprintf("should be true or false, not %q", n.Value), fix)
	return def, n
}

var daysRE = lazyre.New(`^([0-9]+)\s*d(?:ays?)?$`)

// duration reads a Go duration of at least lo (and at most hi, when hi is
// not zero); def when absent.
func (b *builder) duration(v value, path string, def, lo, hi time.Duration) (time.Duration, *yaml.Node) {
	n := b.scalar(v, path, "a duration such as 30s")
	if n == nil {
		return def, nil
	}
	s := strings.TrimSpace(n.Value)
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		fix := "write it like 30s, 10m, 2h or 1h30m (s, m and h are seconds, minutes and hours)"
		if m := daysRE().FindStringSubmatch(s); m != nil {
			days, _ := strconv.Atoi(m[1])
			fix = fmt.Sprintf("durations have no unit for days: write %dh for %d days", days*24, days)
		} else if _, e := strconv.ParseFloat(s, 64); e == nil {
			fix = fmt.Sprintf("add a unit: %ss for seconds, %sm for minutes", s, s)
		}
		b.errAt(n, path, fmt.Sprintf("%q is not a duration", s), fix)
		return def, n
	}
	if d < lo || (hi > 0 && d > hi) {
		rng := "at least " + fmtDuration(lo)
		if hi > 0 {
			rng = fmt.Sprintf("from %s to %s", fmtDuration(lo), fmtDuration(hi))
		}
		b.errAt(n, path, fmt.Sprintf("%s is outside the allowed range, %s", fmtDuration(d), rng),
			fmt.Sprintf("write a duration %s", rng))
		return def, n
	}
	return d, n
}

// fmtDuration writes 10m rather than 10m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// oneOf reads a word from a fixed set, ignoring case; def when absent.
// aliases is called only for a value that is not allowed, so that a valid
// file does not pay for it (localeSpellings parses the text bundle).
func (b *builder) oneOf(v value, path, def string, allowed []string, aliases func() map[string]string) (string, *yaml.Node) {
	s, n := b.str(v, path, def)
	if n == nil {
		return s, nil
	}
	low := strings.ToLower(s)
	for _, a := range allowed {
		if low == a {
			return a, n
		}
	}
	fix := "write one of " + strings.Join(allowed, ", ")
	if want, ok := aliases()[low]; ok {
		fix = "write " + want
	} else if c := closest(low, allowed); c != "" {
		fix = fmt.Sprintf("did you mean %s? Write one of %s", c, strings.Join(allowed, ", "))
	}
	b.errAt(n, path, fmt.Sprintf("%q is not one of %s", s, strings.Join(allowed, ", ")), fix)
	return def, n
}

func staticAliases(m map[string]string) func() map[string]string {
	return func() map[string]string { return m }
}

var (
	mentionRE  = regexp.MustCompile(`^<(?:#|@&|@!?)([0-9]+)>$`)
	digitsRE   = regexp.MustCompile(`^[0-9]+$`)
	copyIDHelp = map[string]string{
		"server":      "in Discord, turn on Developer Mode (User Settings → Advanced), then right-click the server icon → Copy Server ID",
		"channel":     "in Discord, turn on Developer Mode (User Settings → Advanced), then right-click the channel → Copy Channel ID",
		"role":        "in Discord, turn on Developer Mode (User Settings → Advanced), then Server Settings → Roles → the role's ⋯ menu → Copy Role ID",
		"application": "Discord Developer Portal → your application → General Information → Application ID",
	}
)

// snowflake checks one Discord ID; what is server, channel, role or
// application.
func (b *builder) snowflake(n *yaml.Node, path, what string) (string, bool) {
	s := strings.TrimSpace(n.Value)
	if m := mentionRE.FindStringSubmatch(s); m != nil {
		b.errAt(n, path, fmt.Sprintf("%q is a Discord mention, not a bare ID", s), "write just the number: "+m[1])
		return "", false
	}
	if !digitsRE.MatchString(s) {
		b.errAt(n, path, fmt.Sprintf("%q is not a Discord %s ID: IDs are long numbers, not names", s, what), copyIDHelp[what])
		return "", false
	}
	if len(s) < 17 || len(s) > 20 {
		b.warnAt(n, path, fmt.Sprintf("the %s ID %s has %d digits, but Discord IDs have 17 to 20", what, s, len(s)),
			"check that it was copied whole: "+copyIDHelp[what])
	}
	return s, true
}

func (b *builder) id(v value, path, what string) (string, *yaml.Node) {
	n := b.scalar(v, path, "a Discord "+what+" ID")
	if n == nil {
		return "", nil
	}
	s, _ := b.snowflake(n, path, what)
	return s, n
}

// ids reads a list of Discord IDs; one ID alone is a list of one.
func (b *builder) ids(v value, path, what string) []string {
	n := v.n
	if n == nil {
		// The decoder skips empty values; a bare ! is one.
		n = b.ix.values[path]
		if n == nil || n.Kind != yaml.ScalarNode {
			return nil
		}
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.SequenceNode {
		if s, _ := b.id(v, path, what); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		s, _ := b.id(value{item}, p, what)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// httpURL checks an http(s) URL; it returns it without a trailing slash.
func (b *builder) httpURL(n *yaml.Node, path, s string, httpsOnly bool, example string) (string, bool) {
	u, err := url.Parse(s)
	ok := err == nil && u.Host != "" && (u.Scheme == "https" || (!httpsOnly && u.Scheme == "http")) && u.User == nil
	if !ok {
		scheme := "http:// or https://"
		if httpsOnly {
			scheme = "https://"
		}
		b.errAt(n, path, fmt.Sprintf("%q is not a URL starting with %s", s, scheme), "write a full URL such as "+example)
		return "", false
	}
	return strings.TrimRight(s, "/"), true
}

func (b *builder) build(r *rawConfig) *Config {
	c := Defaults()
	c.File = b.file
	for key := range r.Extra {
		if strings.HasPrefix(key, "x-") {
			continue
		}
		e := Error{File: b.file, Path: key}
		if k := b.ix.keys[key]; k != nil {
			e.Line, e.Column = k.Line, k.Column
		}
		unknownKey(&e, key, knownKeys(reflect.TypeFor[rawConfig]()))
		e.Fix += "; keys starting with x- may hold YAML anchors for reuse"
		b.errs = append(b.errs, e)
	}
	b.discord(&r.Discord, &c.Discord)
	b.aws(&r.AWS, &c.AWS)
	b.targets(r.Targets, c) // config/targets.go
	b.services(r.Services, c)
	b.guards(&r.Guards, &c.Guards)
	b.schedules(&r.Schedules, &c.Schedules, c.AWS.Endpoint != "")
	b.rest(r, c)
	return c
}

var (
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	tokenRE   = lazyre.New(`^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$`)
)

func (b *builder) discord(r *rawDiscord, d *Discord) {
	const p = "discord."
	if s, n := b.str(r.TokenEnv, p+"tokenEnv", DefaultTokenEnv); n != nil {
		switch {
		case tokenRE().MatchString(s) || len(s) > 50:
			b.errAt(n, p+"tokenEnv", "this looks like the token itself; the file must only name the environment variable that holds it",
				"write tokenEnv: DISCORD_TOKEN and put the token in that variable; this token was written in a file, so reset it in the Discord Developer Portal (Bot → Reset Token)")
		case strings.HasPrefix(s, "$") && envNameRE.MatchString(strings.Trim(s, "${}")):
			b.errAt(n, p+"tokenEnv", fmt.Sprintf("%q has a $; write only the variable's name", s), "write tokenEnv: "+strings.Trim(s, "${}"))
		case !envNameRE.MatchString(s):
			b.errAt(n, p+"tokenEnv", fmt.Sprintf("%q is not an environment variable name", s),
				"names are letters, digits and _, such as DISCORD_TOKEN")
		default:
			d.TokenEnv = s
		}
	}
	d.ApplicationID, _ = b.id(r.ApplicationID, p+"applicationId", "application")
	// Without a guild the one-shot commands and the terminal chat still
	// work against AWS; only the bot needs it (see ForBot).
	if r.GuildID.n == nil {
		b.warnAt(nil, p+"guildId", "no Discord server (guild) ID: `ecsmedic run` cannot start, though why, status, logs and chat work", "add guildId: under discord:; "+copyIDHelp["server"])
	} else {
		d.GuildID, _ = b.id(r.GuildID, p+"guildId", "server")
	}
	d.Channels.Commands = b.ids(r.Channels.Commands, p+"channels.commands", "channel")
	d.Channels.Alerts, _ = b.id(r.Channels.Alerts, p+"channels.alerts", "channel")
	d.Channels.Audit, _ = b.id(r.Channels.Audit, p+"channels.audit", "channel")
	d.Roles.Operators = b.ids(r.Roles.Operators, p+"roles.operators", "role")
	d.Roles.Approvers = b.ids(r.Roles.Approvers, p+"roles.approvers", "role")
	if len(d.Roles.Operators) == 0 && r.Roles.Operators.n == nil {
		b.warnAt(nil, p+"roles.operators", "no operator role: anyone who can post in the command channels may ask for changes to AWS",
			"add the role IDs of the people on call under discord.roles.operators")
	}
	if len(d.Roles.Approvers) == 0 && r.Roles.Approvers.n == nil {
		b.warnAt(nil, p+"roles.approvers", "no approver role: changes are off in chat (the bot only diagnoses); only the terminal may make them",
			"to turn changes on, add the role IDs of the people who approve changes under discord.roles.approvers")
	}

	if s, n := b.str(r.Prefix, p+"prefix", DefaultPrefix); n != nil {
		switch {
		case s == "":
			b.errAt(n, p+"prefix", "the prefix is empty", `write a short prefix in quotes, such as prefix: "!"`)
		case strings.HasPrefix(s, "/"):
			b.errAt(n, p+"prefix", `"/" is Discord's own slash commands, which ecsmedic also has`, `choose another prefix, such as prefix: "!"`)
		case utf8.RuneCountInString(s) > 5 || strings.IndexFunc(s, unicode.IsSpace) >= 0:
			b.errAt(n, p+"prefix", fmt.Sprintf("%q is not a usable prefix: it must be 1 to 5 characters without spaces", s), `write something short, such as prefix: "!"`)
		default:
			d.Prefix = s
		}
	}
	d.Locale, _ = b.oneOf(r.Locale, p+"locale", DefaultLocale, []string{"en", "ko"}, localeSpellings)
	if s, n := b.str(r.APIBaseURL, p+"apiBaseUrl", ""); n != nil && s != "" {
		d.APIBaseURL, _ = b.httpURL(n, p+"apiBaseUrl", s, false, "https://discord-proxy.example.org/api/v10")
	}
}

var (
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	azRE     = lazyre.New(`^([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})[a-z]$`)
	// Lengths are checked apart (isName, isRoleARN): a counted repetition
	// such as {1,512} compiles into that many copies, and cost every
	// command about 10 ms of start-up.
	roleARNRE   = lazyre.New(`^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_/-]+)$`)
	nameRE      = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	clusterARN  = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:ecs:[a-z0-9-]+:[0-9]{12}:cluster/([A-Za-z0-9_-]+)$`)
	regionNames = map[string]string{"seoul": "ap-northeast-2", "korea": "ap-northeast-2", "tokyo": "ap-northeast-1", "osaka": "ap-northeast-3",
		"singapore": "ap-southeast-1", "virginia": "us-east-1", "ohio": "us-east-2", "oregon": "us-west-2"}
)

func (b *builder) aws(r *rawAWS, a *AWS) {
	const p = "aws."
	if s, n := b.str(r.Region, p+"region", ""); s == "" {
		if b.getenv("AWS_REGION") == "" && (n != nil || r.Region.n == nil) && !b.hasTargets() {
			b.errAt(n, p+"region", "the AWS region is missing",
				"add region: under aws:, such as region: ap-northeast-2 for Seoul, or set AWS_REGION in the environment")
		}
	} else if !regionRE.MatchString(s) {
		fix := "write a region code such as ap-northeast-2 (Seoul) or us-east-1, not the name the console shows"
		if m := azRE().FindStringSubmatch(s); m != nil {
			fix = fmt.Sprintf("%s is an availability zone; its region is %s", s, m[1])
		} else if code, ok := regionNames[strings.ToLower(strings.Fields(s + " x")[0])]; ok {
			fix = "write " + code
		}
		b.errAt(n, p+"region", fmt.Sprintf("%q is not an AWS region code", s), fix)
	} else {
		a.Region = s
	}
	if s, n := b.str(r.Profile, p+"profile", ""); n != nil {
		if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
			b.errAt(n, p+"profile", fmt.Sprintf("%q is not a profile name: it has spaces", s), "write the name of a [profile NAME] section of ~/.aws/config")
		} else {
			a.Profile = s
		}
	}
	roleSet := false
	if s, n := b.str(r.RoleARN, p+"roleArn", ""); n != nil && s != "" {
		if !isRoleARN(s) {
			b.errAt(n, p+"roleArn", fmt.Sprintf("%q is not an IAM role ARN", s),
				"copy the role's ARN from IAM → Roles; it looks like arn:aws:iam::123456789012:role/ecsmedic")
		} else {
			a.RoleARN = s
		}
		roleSet = true
	}
	if s, n := b.str(r.ExternalID, p+"externalId", ""); n != nil && s != "" {
		if !roleSet {
			b.errAt(n, p+"externalId", "externalId is only used when assuming a role, and roleArn is not set",
				"add roleArn, or remove externalId")
		} else {
			a.ExternalID = s
		}
	}
	if s, n := b.str(r.Cluster, p+"cluster", ""); s == "" {
		if (n != nil || r.Cluster.n == nil) && !b.hasTargets() {
			b.errAt(n, p+"cluster", "the ECS cluster is missing", "add cluster: under aws:, with the cluster's name as the ECS console shows it")
		}
	} else if name, ok := clusterName(s); ok {
		a.Cluster = name
	} else {
		b.errAt(n, p+"cluster", fmt.Sprintf("%q is not an ECS cluster name", s),
			"cluster names are letters, digits, - and _, as the ECS console shows them")
	}
	allowInsecure, allowNode := b.boolean(r.AllowInsecureEndpoint, p+"allowInsecureEndpoint", false)
	a.AllowInsecureEndpoint = allowInsecure
	insecure := false
	if s, n := b.str(r.Endpoint, p+"endpoint", ""); n != nil && s != "" {
		ep, ok := b.httpURL(n, p+"endpoint", s, false, "http://127.0.0.1:4566 (ecsmedic sim)")
		a.Endpoint = ep
		// Plain http to another machine carries every signed request and
		// every answer (log lines included) unencrypted over the network.
		insecure = ok && strings.HasPrefix(strings.ToLower(ep), "http://") && !loopback.URL(ep)
		switch {
		case insecure && !allowInsecure:
			b.errAt(n, p+"endpoint", fmt.Sprintf("%q is plain http to another machine: every AWS request and answer would cross the network unencrypted", ep),
				"use https://, or run the simulator on this machine (http://127.0.0.1:4566); if this is a simulator on a network you trust, add allowInsecureEndpoint: true under aws")
		case insecure:
			b.warnAt(n, p+"endpoint", fmt.Sprintf("%q is plain http to another machine (allowed by aws.allowInsecureEndpoint): AWS requests and answers cross the network unencrypted", ep),
				"use https:// or an address on this machine when you can")
		}
	}
	if allowInsecure && !insecure {
		b.warnAt(allowNode, p+"allowInsecureEndpoint", "allowInsecureEndpoint is true but aws.endpoint is not plain http to another machine, so it changes nothing",
			"remove allowInsecureEndpoint")
	}
	a.CallTimeout, _ = b.duration(r.CallTimeout, p+"callTimeout", DefaultCallTimeout, time.Second, maxCallTimeout)
	a.MaxAttempts, _ = b.integer(r.MaxAttempts, p+"maxAttempts", DefaultMaxAttempts, 1, maxAttemptsLimit)
}

// clusterName accepts a cluster's name or ARN and returns the name.
func clusterName(s string) (string, bool) {
	if m := clusterARN.FindStringSubmatch(s); m != nil && len(m[2]) <= maxNameLen {
		return m[2], true
	}
	return s, isName(s)
}

// maxNameLen is the longest ECS cluster, service or container name.
const maxNameLen = 255

func isName(s string) bool { return len(s) <= maxNameLen && nameRE.MatchString(s) }

// isRoleARN: an IAM role's path and name are at most 512 characters.
func isRoleARN(s string) bool {
	m := roleARNRE().FindStringSubmatch(s)
	return m != nil && len(m[2]) <= 512
}

var aliasRE = regexp.MustCompile(`^[a-z0-9-]+$`) // and at most 32 long (see roleARNRE)

func (b *builder) services(raw map[string]rawService, c *Config) {
	if len(raw) == 0 && b.hasTargets() {
		b.noTargetServices(c) // config/targets.go
		return
	}
	if len(raw) == 0 {
		if n := b.ix.values["services"]; n != nil && n.Kind == yaml.MappingNode && len(n.Content) > 0 {
			return // the decoder could not read them, and said why
		}
		b.errAt(nil, "services", "no services: ecsmedic needs at least one service to look after",
			"add a services: mapping from a short alias to the ECS service, as in config/ecsmedic.example.yaml")
		return
	}
	type key struct{ cluster, service string }
	seen := map[key]string{}
	for _, alias := range serviceOrder(b.root, raw) {
		r := raw[alias]
		if b.topLevelTargetService(alias, r, c) {
			continue // config/targets.go
		}
		p := "services." + alias
		keyNode := b.ix.keys[p]
		if len(alias) > 32 || !aliasRE.MatchString(alias) {
			b.errAt(keyNode, p, fmt.Sprintf("%q is not a usable alias: aliases are 1 to 32 lower-case letters, digits and -", alias),
				"rename it to "+suggestAlias(alias))
			continue
		}
		s := Service{Alias: alias, Service: alias, Cluster: c.AWS.Cluster}
		if name, n := b.str(r.Service, p+".service", alias); n != nil {
			if i := strings.LastIndexByte(name, '/'); strings.HasPrefix(name, "arn:") && i >= 0 {
				b.errAt(n, p+".service", "this is the service's ARN; write only its name", "write service: "+name[i+1:])
			} else if !isName(name) {
				b.errAt(n, p+".service", fmt.Sprintf("%q is not an ECS service name", name),
					"service names are letters, digits, - and _, as the ECS console shows them")
			} else {
				s.Service = name
			}
		}
		if name, n := b.str(r.Container, p+".container", ""); n != nil && name != "" {
			if !isName(name) {
				b.errAt(n, p+".container", fmt.Sprintf("%q is not a container name", name),
					"write the name of the container in the task definition (letters, digits, - and _)")
			} else {
				s.Container = name
			}
		}
		if name, n := b.str(r.Cluster, p+".cluster", ""); n != nil && name != "" {
			if cl, ok := clusterName(name); ok {
				s.Cluster = cl
			} else {
				b.errAt(n, p+".cluster", fmt.Sprintf("%q is not an ECS cluster name", name),
					"cluster names are letters, digits, - and _; leave cluster out to use aws.cluster")
			}
		}
		s.RequireApprovers, _ = b.integer(r.RequireApprovers, p+".requireApprovers", 0, 1, maxApprovers)
		k := key{s.Cluster, s.Service}
		if other, dup := seen[k]; dup && s.Cluster != "" {
			b.errAt(keyNode, p, fmt.Sprintf("%q and %q are the same ECS service %s", other, alias, s.Service),
				"keep one alias per service; delete one of the two")
			continue
		}
		seen[k] = alias
		c.Services = append(c.Services, s)
	}
	b.unqualifiedClashes(raw, c) // config/targets.go
}

// suggestAlias makes an alias out of a name that is not one.
func suggestAlias(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == '_', r == ' ', r == '.', r == '/':
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 32 {
		out = strings.TrimRight(out[:32], "-")
	}
	if out == "" {
		return "a short name such as backend"
	}
	return out
}

func (b *builder) guards(r *rawGuards, g *Guards) {
	const p = "guards."
	def := DefaultLimits()
	g.Limits.CPU = b.limitRange(r.Limits.CPU, p+"limits.cpu", def.CPU, minCPU, maxCPU)
	g.Limits.Memory = b.limitRange(r.Limits.Memory, p+"limits.memory", def.Memory, 6, maxMemoryMiB)
	g.Limits.Count = b.limitRange(rawRange{Min: r.Limits.Count.Min, Max: r.Limits.Count.Max}, p+"limits.count", def.Count, 0, maxCount)
	g.Healthcheck.GraceMaxSeconds, _ = b.integer(r.Healthcheck.GraceMax, p+"healthcheck.graceMax", DefaultGraceMaxSeconds, 0, maxGraceSeconds)

	self, n := b.boolean(r.Approval.SelfApprove, p+"approval.selfApprove", false)
	g.Approval.SelfApprove = self
	if self {
		b.warnAt(n, p+"approval.selfApprove", "selfApprove is on: one person can ask for a change and approve it, so a mistake reaches AWS unchecked",
			"fine for a team of one; otherwise set selfApprove: false")
	}
	exp, n := b.duration(r.Approval.Expiry, p+"approval.expiry", DefaultApprovalExpiry, minExpiry, 0)
	g.Approval.Expiry = exp
	if exp > 24*time.Hour {
		b.warnAt(n, p+"approval.expiry", fmt.Sprintf("requests stay open for %s: someone may approve a change long after anyone remembers asking for it", fmtDuration(exp)),
			"10m to 1h is usual; the requester can always ask again")
	}
	g.Approval.RequireApprovers, _ = b.integer(r.Approval.RequireApprovers, p+"approval.requireApprovers", DefaultRequireApprovers, 1, maxApprovers)
}

// limitRange reads {min, max, step}; absent keys keep their defaults. A
// count has no step: its Step is 1.
func (b *builder) limitRange(r rawRange, path string, def Range, lo, hi int) Range {
	out := def
	mn, nMin := b.integer(r.Min, path+".min", def.Min, lo, hi)
	mx, nMax := b.integer(r.Max, path+".max", def.Max, lo, hi)
	out.Min, out.Max = mn, mx
	if def.Step > 1 {
		out.Step, _ = b.integer(r.Step, path+".step", def.Step, 1, hi)
	}
	if out.Min > out.Max {
		n, key := nMax, path+".max"
		if n == nil {
			n, key = nMin, path+".min"
		}
		b.errAt(n, key, fmt.Sprintf("min (%d) is above max (%d)", out.Min, out.Max),
			"make min at most max: "+strings.TrimPrefix(path, "guards.limits.")+" is the range min to max")
		return def
	}
	return out
}

func (b *builder) schedules(r *rawSchedules, s *Schedules, local bool) {
	const p = "schedules."
	cron, cronNode := b.str(r.Summary.Cron, p+"summary.cron", DefaultSummaryCron)
	if cronNode != nil {
		if msg, fix := checkCron(cron); msg != "" {
			b.errAt(cronNode, p+"summary.cron", msg, fix)
		} else {
			s.Summary.Cron = strings.Join(strings.Fields(cron), " ")
		}
	}
	if tz, n := b.str(r.Summary.Timezone, p+"summary.timezone", ""); n == nil {
		b.warnAt(cronNode, p+"summary.timezone", fmt.Sprintf("the daily summary has no time zone, so its cron %q runs in UTC", s.Summary.Cron),
			"add timezone: under schedules.summary, such as timezone: Asia/Seoul")
	} else if msg, fix := checkTimezone(tz); msg != "" {
		b.errAt(n, p+"summary.timezone", msg, fix)
	} else {
		s.Summary.Timezone = tz
	}

	s.Watch.Interval, _ = b.duration(r.Watch.Interval, p+"watch.interval", DefaultWatchInterval, minWatchInterval, time.Hour)
	if u, n := b.str(r.Watch.SQSQueueURL, p+"watch.sqsQueueUrl", ""); n != nil && u != "" {
		s.Watch.SQSQueueURL = b.queueURL(n, p+"watch.sqsQueueUrl", u, local)
	}
	s.Watch.AnnounceDeployments, _ = b.boolean(r.Watch.AnnounceDeployments, p+"watch.announceDeployments", false)
	s.Watch.AnnounceScaleIn, _ = b.boolean(r.Watch.AnnounceScaleIn, p+"watch.announceScaleIn", false)
	s.Watch.Warn = b.warn(&r.Watch.Warn, p+"watch.warn.")
}

// warn reads schedules.watch.warn; every key has a default.
func (b *builder) warn(r *rawWarn, p string) Warn {
	d := DefaultWarn()
	var w Warn
	w.Enabled, _ = b.boolean(r.Enabled, p+"enabled", d.Enabled)
	w.CPUPercent, _ = b.integer(r.CPUPercent, p+"cpuPercent", d.CPUPercent, minWarnPercent, 100)
	w.MemoryPercent, _ = b.integer(r.MemoryPercent, p+"memoryPercent", d.MemoryPercent, minWarnPercent, 100)
	w.ClusterPercent, _ = b.integer(r.ClusterPercent, p+"clusterPercent", d.ClusterPercent, minWarnPercent, 100)
	w.For, _ = b.duration(r.For, p+"for", d.For, time.Minute, time.Hour)
	w.Every, _ = b.duration(r.Every, p+"every", d.Every, time.Minute, 7*24*time.Hour)
	w.Interval, _ = b.duration(r.Interval, p+"interval", d.Interval, minWarnInterval, time.Hour)
	if q, n := b.str(r.QuietHours, p+"quietHours", ""); n != nil && q != "" {
		from, to, ok := parseQuietHours(q)
		switch {
		case !ok:
			b.errAt(n, p+"quietHours", fmt.Sprintf("%q is not a span of hours", q),
				`write it as "HH:MM-HH:MM" in quotes, in the summary's time zone, e.g. quietHours: "23:00-08:00"`)
		case from == to:
			b.errAt(n, p+"quietHours", fmt.Sprintf("%q starts and ends at the same time", q),
				"give two different times, or remove quietHours to warn at any hour")
		default:
			w.QuietHours, w.QuietFrom, w.QuietTo = fmt.Sprintf("%02d:%02d-%02d:%02d", from/60, from%60, to/60, to%60), from, to
		}
	}
	return w
}

var quietRE = lazyre.New(`^([01]?[0-9]|2[0-3]):([0-5][0-9])\s*-\s*([01]?[0-9]|2[0-3]):([0-5][0-9])$`)

// parseQuietHours reads "23:00-08:00" as minutes after midnight.
func parseQuietHours(s string) (from, to int, ok bool) {
	m := quietRE().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, 0, false
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	return n(1)*60 + n(2), n(3)*60 + n(4), true
}

var (
	queuePathRE = lazyre.New(`^/[0-9]{12}/([A-Za-z0-9_-]+)(\.fifo)?$`) // a name of at most 80 (see roleARNRE)
	queueARNRE  = lazyre.New(`^arn:aws[a-z-]*:sqs:([a-z0-9-]+):([0-9]{12}):([A-Za-z0-9_.-]+)$`)
)

// queueURL checks an SQS queue URL; http is allowed only with aws.endpoint.
func (b *builder) queueURL(n *yaml.Node, path, s string, local bool) string {
	const example = "https://sqs.ap-northeast-2.amazonaws.com/123456789012/ecsmedic-events"
	if m := queueARNRE().FindStringSubmatch(s); m != nil {
		b.errAt(n, path, "this is the queue's ARN; ecsmedic needs its URL",
			fmt.Sprintf("write sqsQueueUrl: https://sqs.%s.amazonaws.com/%s/%s", m[1], m[2], m[3]))
		return ""
	}
	u, ok := b.httpURL(n, path, s, !local, example)
	if !ok {
		return ""
	}
	parsed, _ := url.Parse(u)
	if m := queuePathRE().FindStringSubmatch(parsed.Path); m == nil || len(m[1]) > 80 {
		b.errAt(n, path, fmt.Sprintf("%q is not an SQS queue URL: it should end in /ACCOUNT-ID/QUEUE-NAME", s),
			"copy the URL from the SQS console (Queues → the queue → URL), such as "+example)
		return ""
	}
	return u
}

func (b *builder) rest(r *rawConfig, c *Config) {
	if s, n := b.str(r.Storage.Path, "storage.path", DefaultStoragePath); n != nil {
		if s == "" {
			b.errAt(n, "storage.path", "the storage path is empty", "write a file path such as ./ecsmedic.db, or leave path out")
		} else {
			c.Storage.Path = s
		}
	}
	c.Storage.Retention, _ = b.duration(r.Storage.Retention, "storage.retention", DefaultRetention, minRetention, 0)
	b.storageEngine(&r.Storage, &c.Storage)

	if s, n := b.str(r.HTTP.Addr, "http.addr", DefaultHTTPAddr); n != nil {
		if msg, fix := checkAddr(s); msg != "" {
			b.errAt(n, "http.addr", msg, fix)
		} else {
			c.HTTP.Addr = s
		}
	}
	c.Logging.Format, _ = b.oneOf(r.Logging.Format, "logging.format", DefaultLogFormat, []string{"json", "text", "auto"}, staticAliases(map[string]string{"console": "text", "plain": "text", "logfmt": "text"}))
	c.Logging.Level, _ = b.oneOf(r.Logging.Level, "logging.level", DefaultLogLevel, []string{"debug", "info", "warn", "error"},
		staticAliases(map[string]string{"warning": "warn", "err": "error", "trace": "debug", "information": "info", "fatal": "error"}))
	c.Redact.Emails, _ = b.boolean(r.Redact.Emails, "redact.emails", DefaultRedactEmails)
}

func checkAddr(s string) (msg, fix string) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if _, e := strconv.Atoi(strings.TrimPrefix(s, ":")); e == nil {
			return fmt.Sprintf("%q has no host", s), "write 127.0.0.1:" + strings.TrimPrefix(s, ":") + " (this machine only) or 0.0.0.0:" + strings.TrimPrefix(s, ":") + " (everyone)"
		}
		return fmt.Sprintf("%q is not a HOST:PORT address", s), "write it like 127.0.0.1:9090"
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Sprintf("%q has no usable port", s), "use a port from 1 to 65535, such as 127.0.0.1:9090"
	}
	if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		return fmt.Sprintf("%q should listen on an IP address", s), "write 127.0.0.1:" + port + " or 0.0.0.0:" + port
	}
	return "", ""
}

func checkTimezone(tz string) (msg, fix string) {
	const help = "write an IANA time zone name such as Asia/Seoul or UTC"
	switch strings.ToUpper(tz) {
	case "":
		return "the time zone is empty", help
	case "LOCAL":
		return `"Local" depends on the machine (a container's is UTC)`, help
	case "KST":
		return `"KST" is an abbreviation, not a time zone name`, "write Asia/Seoul"
	}
	if _, err := time.LoadLocation(tz); err == nil {
		return "", ""
	}
	// Asia/seoul → Asia/Seoul
	parts := strings.Split(tz, "/")
	for i, part := range parts {
		words := strings.Split(strings.ToLower(part), "_")
		for j, w := range words {
			if w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(words, "_")
	}
	if fixed := strings.Join(parts, "/"); fixed != tz && !strings.EqualFold(fixed, "local") {
		if _, err := time.LoadLocation(fixed); err == nil {
			return fmt.Sprintf("%q is not a time zone name; the names are case-sensitive", tz), "write " + fixed
		}
	}
	if strings.HasPrefix(strings.ToUpper(tz), "UTC+") || strings.HasPrefix(strings.ToUpper(tz), "GMT+") {
		return fmt.Sprintf("%q is an offset, not a time zone name", tz), "write the place's name, such as Asia/Seoul for UTC+9"
	}
	return fmt.Sprintf("%q is not a time zone ecsmedic knows", tz), help
}

// describeCron says "09:00 every day" for a daily cron, else quotes it.
func describeCron(cron string) string {
	f := strings.Fields(cron)
	if len(f) == 5 && f[2] == "*" && f[3] == "*" && f[4] == "*" {
		m, err1 := strconv.Atoi(f[0])
		h, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil {
			return fmt.Sprintf("%02d:%02d every day", h, m)
		}
	}
	return fmt.Sprintf("on cron %q", cron)
}

// localeSpellings are the other ways people write a reply language, from
// the text bundle's vocabulary (word.locale.LANG), so that every word
// lives in one place.
func localeSpellings() map[string]string {
	out := map[string]string{}
	for _, l := range text.Languages {
		for _, w := range text.Words("word.locale." + l) {
			out[strings.ToLower(w)] = l
		}
	}
	return out
}
