// Package config reads ecsmedic's YAML config file: it applies the defaults,
// validates every setting and explains each problem with the file, the line,
// the key and a fix. Secrets never live in the file: it names the
// environment variable that holds the Discord token, and AWS credentials come
// from the usual AWS credential chain.
package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/internal/loopback"
	"github.com/ecsmedic/ecsmedic/internal/yamlpos"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// Config is one validated config file, with the defaults applied.
type Config struct {
	File      string // the file it was read from, as given
	Discord   Discord
	AWS       AWS
	Services  svcref.List // in the order of the file
	Guards    Guards
	Schedules Schedules
	Storage   Storage
	HTTP      HTTP
	Logging   Logging
	Redact    Redact
	Targets   []Target // config/targets.go; empty = aws: is the one target

	warnings []Warning
}

// Discord is how the bot reaches Discord, and who may do what.
type Discord struct {
	TokenEnv      string // the environment variable holding the bot token
	ApplicationID string // optional; Discord reports it on login
	GuildID       string
	Channels      Channels
	Roles         Roles
	Prefix        string // of text commands, "!" by default
	Locale        string // "en" or "ko"
	APIBaseURL    string // a Discord REST proxy; "" for discord.com
}

// Token reads the bot token from the environment variable the config names.
func (d Discord) Token() (string, error) {
	name := d.TokenEnv
	if name == "" {
		name = DefaultTokenEnv
	}
	tok := strings.TrimSpace(os.Getenv(name))
	if tok == "" {
		return "", fmt.Errorf("the Discord bot token is not set: put it in the environment variable %s "+
			"(Discord Developer Portal → your application → Bot → Reset Token), "+
			"or name another variable with discord.tokenEnv", name)
	}
	return tok, nil
}

// Channels are Discord channel IDs.
type Channels struct {
	Commands []string // where commands are answered; empty means any channel
	Alerts   string   // stop reports and the daily summary
	Audit    string   // every request, approval and result
}

// Roles are Discord role IDs.
type Roles struct {
	Operators []string // may ask for changes; empty means anyone who may post
	Approvers []string // may approve them; empty means changes are off in chat (the terminal still may)
}

// AWS is the account and cluster the bot watches.
type AWS struct {
	Region     string // "" when it comes from $AWS_REGION
	Profile    string
	RoleARN    string
	ExternalID string
	Cluster    string
	Endpoint   string // the simulator's URL; "" for AWS itself
	// AllowInsecureEndpoint: a plain-http Endpoint on another machine was
	// allowed explicitly.
	AllowInsecureEndpoint bool
	CallTimeout           time.Duration
	MaxAttempts           int
}

// Service is one ECS service, by the short alias people type in chat; its
// Cluster is aws.cluster unless the file overrides it.
type Service = svcref.Ref

// Guards bound the changes the bot may make.
type Guards struct {
	Limits      Limits
	Healthcheck Healthcheck
	Approval    Approval
}

// Limits are the allowed sizes of a service.
type Limits struct {
	CPU    Range // CPU units, 1024 = 1 vCPU
	Memory Range // MiB
	Count  Range // tasks; Step is always 1
}

// Range is an inclusive range of allowed values, in steps from Min.
type Range struct {
	Min, Max, Step int
}

// Allows reports whether v is within the range and on a step.
func (r Range) Allows(v int) bool {
	if v < r.Min || v > r.Max {
		return false
	}
	return r.Step <= 1 || (v-r.Min)%r.Step == 0
}

// Healthcheck bounds health check changes.
type Healthcheck struct {
	GraceMaxSeconds int // the longest health check grace period allowed
}

// Approval is who approves a change and how long they have.
type Approval struct {
	SelfApprove      bool // whether a requester may approve their own change
	Expiry           time.Duration
	RequireApprovers int
}

// Schedules are the bot's timed work.
type Schedules struct {
	Summary Summary
	Watch   Watch
}

// Summary is when the daily summary is posted.
type Summary struct {
	Cron     string // five fields: minute hour day-of-month month day-of-week
	Timezone string // an IANA name such as Asia/Seoul
}

// Location is the summary's time zone (UTC if it cannot be loaded, which a
// validated config rules out).
func (s Summary) Location() *time.Location {
	if s.Timezone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Watch is how the bot learns of stopped tasks and deployments.
type Watch struct {
	Interval            time.Duration // polling interval when there is no queue
	SQSQueueURL         string        // EventBridge task state changes; "" to poll
	AnnounceDeployments bool
	AnnounceScaleIn     bool
	Warn                Warn
}

// Warn is the watcher's early warning (schedules.watch.warn): a service
// near its CPU or memory reservation, failing health checks, or a full
// cluster that cannot grow, said before a task stops.
type Warn struct {
	Enabled        bool
	CPUPercent     int           // of the task's CPU reservation
	MemoryPercent  int           // of the task's memory reservation
	ClusterPercent int           // of the cluster's CPU or memory reservation, with scaling off
	For            time.Duration // how long the share must hold
	Every          time.Duration // at most one warning per service and kind in this time
	Interval       time.Duration // how often the watcher reads for it
	// QuietHours is "23:00-08:00" as written, in the summary's time zone;
	// "" for none. QuietFrom and QuietTo are its minutes after midnight.
	QuietHours         string
	QuietFrom, QuietTo int
}

// Storage is where the bot keeps its state (config/storage.go).
type Storage struct {
	Engine    string // "bbolt" (one file, one replica) or "dynamodb" (several replicas)
	Path      string // the bbolt file
	Retention time.Duration
	Table     string // the DynamoDB table
	Region    string // the table's Region; "" = aws.region
	Endpoint  string // DynamoDB's URL (moto in tests); "" = AWS
}

// HTTP is the local /healthz and /metrics listener.
type HTTP struct {
	Addr string
}

// Logging is the structured log.
type Logging struct {
	Format string // json, text or auto (text on a terminal, else json)
	Level  string // debug, info, warn or error
}

// Redact is what replies mask in text quoted from AWS. Secrets (keys,
// tokens, passwords) are always masked.
type Redact struct {
	Emails bool // mask e-mail addresses too; true unless the file says false
}

// Warnings are the risky but valid settings of the file, in line order.
func (c *Config) Warnings() []Warning {
	if c == nil || len(c.warnings) == 0 {
		return nil
	}
	return append([]Warning(nil), c.warnings...)
}

// ForBot checks what the Discord bot needs beyond what every command does.
func (c *Config) ForBot() error {
	if c.Discord.GuildID == "" {
		return Errors{{File: c.File, Path: "discord.guildId", Message: "the Discord server (guild) ID is missing, so the bot does not know where to register its commands",
			Fix: "add guildId: under discord: (in Discord: Settings → Advanced → Developer Mode, then right-click the server → Copy Server ID)"}}
	}
	return nil
}

// ServiceAliases lists the service aliases in the order of the file.
func (c *Config) ServiceAliases() []string {
	if c == nil {
		return nil
	}
	out := make([]string, 0, len(c.Services))
	for _, s := range c.Services {
		out = append(out, s.Alias)
	}
	return out
}

// ServiceByAlias finds a service by what a user typed: its alias, its ECS
// service name or its ARN (svcref.List.Resolve says how).
func (c *Config) ServiceByAlias(name string) (Service, bool) {
	if c == nil {
		return Service{}, false
	}
	return svcref.List(c.Services).Resolve(name)
}

// Describe is a short summary of what was understood, for check-config.
func (c *Config) Describe() string {
	if c == nil {
		return "no config\n"
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	d := c.Discord

	p("Config %s", c.File)
	tokenState := "set"
	if strings.TrimSpace(os.Getenv(d.TokenEnv)) == "" {
		tokenState = "NOT set here: the bot cannot log in without it"
	}
	p("Discord")
	p("  server %s, bot token from $%s (%s)", d.GuildID, d.TokenEnv, tokenState)
	if d.APIBaseURL != "" {
		p("  through the REST proxy %s", d.APIBaseURL)
	}
	lang := text.New(d.Locale).T("language.name")
	p("  text commands start with %q; replies in %s", d.Prefix, lang)
	if len(d.Channels.Commands) == 0 {
		p("  commands: answered in any channel the bot can read")
	} else {
		p("  commands: in channel %s", strings.Join(d.Channels.Commands, ", "))
	}
	p("  alerts: %s; audit: %s", orText(d.Channels.Alerts, "not posted (no channel)"), orText(d.Channels.Audit, "the log only (no channel)"))
	p("  may ask for changes: %s", roleText(d.Roles.Operators, "anyone who can post in those channels"))
	a := c.Guards.Approval
	approvers := roleText(d.Roles.Approvers, "nobody in chat: changes are off until discord.roles.approvers is set (the terminal still may)")
	self := "never their own request"
	if a.SelfApprove {
		self = "their own requests too"
	}
	p("  may approve: %s; %d approval(s) needed, %s; requests expire after %s", approvers, a.RequireApprovers, self, fmtDuration(a.Expiry))

	w := c.AWS
	p("AWS")
	region := w.Region
	if region == "" {
		region = "$AWS_REGION (" + orText(os.Getenv("AWS_REGION"), "not set") + ")"
	}
	if w.Cluster != "" {
		p("  cluster %s in %s", w.Cluster, region)
	}
	creds := "the default credential chain"
	switch {
	case loopback.URL(w.Endpoint):
		creds = "dummy keys for the simulator on this machine (the credential chain and instance metadata are not asked)"
	case w.Profile != "":
		creds = "profile " + w.Profile
	}
	if w.RoleARN != "" {
		creds += ", then assumes " + w.RoleARN
	}
	p("  credentials: %s", creds)
	if w.Endpoint != "" {
		p("  endpoint: %s (not AWS itself)", w.Endpoint)
	}
	p("  each call: up to %d attempts within %s", w.MaxAttempts, fmtDuration(w.CallTimeout))
	c.describeTargets(p)

	p("Services")
	width := 0
	for _, s := range c.Services {
		width = max(width, len(s.Name()))
	}
	for _, s := range c.Services {
		line := fmt.Sprintf("  %-*s  ECS service %s in %s", width, s.Alias, s.Service, s.Cluster)
		if s.Target != "" {
			line = fmt.Sprintf("  %-*s  ECS service %s in %s", width, s.Name(), s.Service, s.Cluster)
		}
		if s.Container != "" {
			line += ", container " + s.Container
		}
		p("%s", line)
	}

	l := c.Guards.Limits
	p("Guards")
	p("  cpu %d–%d units in steps of %d; memory %d–%d MiB in steps of %d; tasks %d–%d",
		l.CPU.Min, l.CPU.Max, l.CPU.Step, l.Memory.Min, l.Memory.Max, l.Memory.Step, l.Count.Min, l.Count.Max)
	p("  health check grace period at most %ds", c.Guards.Healthcheck.GraceMaxSeconds)

	s := c.Schedules
	p("Schedules")
	p("  daily summary: %s, %s", describeCron(s.Summary.Cron), s.Summary.Timezone)
	if s.Watch.SQSQueueURL != "" && len(c.Targets) == 0 { // with targets, each has its own (Targets above)
		p("  watch: events from %s", s.Watch.SQSQueueURL)
	} else {
		p("  watch: polls every %s", fmtDuration(s.Watch.Interval))
	}
	p("  announces deployments: %s; scale-ins: %s", yesNo(s.Watch.AnnounceDeployments), yesNo(s.Watch.AnnounceScaleIn))
	if wn := s.Watch.Warn; wn.Enabled {
		p("  early warning: CPU ≥ %d %% or memory ≥ %d %% of the reservation for %s, failing targets, cluster reservation ≥ %d %% with scaling off",
			wn.CPUPercent, wn.MemoryPercent, fmtDuration(wn.For), wn.ClusterPercent)
		quiet := "no quiet hours"
		if wn.QuietHours != "" {
			quiet = "quiet " + wn.QuietHours + " " + s.Summary.Timezone
		}
		p("    checked every %s; at most one warning per service and kind every %s; %s", fmtDuration(wn.Interval), fmtDuration(wn.Every), quiet)
	} else {
		p("  early warning: off")
	}

	p("Storage %s, kept %s", c.Storage.Path, fmtDuration(c.Storage.Retention))
	p("HTTP /healthz and /metrics on %s", c.HTTP.Addr)
	p("Logging %s at level %s", c.Logging.Format, c.Logging.Level)
	if !c.Redact.Emails {
		p("Replies show e-mail addresses from logs (redact.emails: false); secrets are still masked")
	}
	return b.String()
}

func orText(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func roleText(ids []string, none string) string {
	if len(ids) == 0 {
		return none
	}
	return "role " + strings.Join(ids, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Error is one problem in a config file.
type Error = yamlpos.Error

// Warning is a risky but valid setting; it has the shape of an Error.
type Warning Error

func (w Warning) String() string { return Error(w).Format("warning: ") }

// Errors are all the problems found in one file, in line order.
type Errors = yamlpos.Errors
