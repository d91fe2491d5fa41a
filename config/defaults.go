package config

import "time"

// Where Load looks when it is given no path.
const (
	EnvConfig   = "ECSMEDIC_CONFIG" // names the config file
	DefaultFile = "ecsmedic.yaml"   // in the working directory
)

// The defaults of settings the file leaves out.
const (
	DefaultTokenEnv         = "DISCORD_TOKEN"
	DefaultPrefix           = "!"
	DefaultLocale           = "en"
	DefaultCallTimeout      = 10 * time.Second
	DefaultMaxAttempts      = 5
	DefaultGraceMaxSeconds  = 600
	DefaultApprovalExpiry   = 10 * time.Minute
	DefaultRequireApprovers = 1
	DefaultSummaryCron      = "0 9 * * *"
	DefaultTimezone         = "UTC"
	DefaultWatchInterval    = 30 * time.Second
	DefaultWarnPercent      = 90 // of a reservation: the club's backend ran at 91–99 % before its stop
	DefaultWarnFor          = 5 * time.Minute
	DefaultWarnEvery        = time.Hour
	DefaultWarnInterval     = time.Minute // AWS/ECS metrics come once a minute
	DefaultStoragePath      = "./ecsmedic.db"
	DefaultRetention        = 720 * time.Hour
	DefaultHTTPAddr         = "127.0.0.1:9090"
	DefaultLogFormat        = "auto"
	DefaultLogLevel         = "info"
	DefaultRedactEmails     = true
)

// Bounds of settings: outside them a value is an error.
const (
	minCPU           = 128    // the smallest ECS task CPU
	maxCPU           = 196608 // 192 vCPU, the largest ECS task CPU
	maxMemoryMiB     = 6 << 20
	maxCount         = 5000 // ECS's limit of tasks per service
	maxGraceSeconds  = 2147483647
	minWatchInterval = 10 * time.Second
	minExpiry        = time.Minute
	maxApprovers     = 10
	maxAttemptsLimit = 20
	maxCallTimeout   = 10 * time.Minute
	minRetention     = time.Hour
	minWarnPercent   = 50 // below it every busy service would warn
	minWarnInterval  = 30 * time.Second
)

// DefaultWarn is the early warning when the file says nothing: on, with
// no quiet hours.
func DefaultWarn() Warn {
	return Warn{Enabled: true, CPUPercent: DefaultWarnPercent, MemoryPercent: DefaultWarnPercent, ClusterPercent: DefaultWarnPercent,
		For: DefaultWarnFor, Every: DefaultWarnEvery, Interval: DefaultWarnInterval}
}

// DefaultLimits are the guards' limits when the file sets none.
func DefaultLimits() Limits {
	return Limits{
		CPU:    Range{Min: 256, Max: 4096, Step: 256},
		Memory: Range{Min: 512, Max: 8192, Step: 512},
		Count:  Range{Min: 0, Max: 10, Step: 1},
	}
}

// Defaults is a config with every default applied and nothing else: no
// guild, cluster or services, so it is not valid by itself.
func Defaults() *Config {
	return &Config{
		Discord: Discord{TokenEnv: DefaultTokenEnv, Prefix: DefaultPrefix, Locale: DefaultLocale},
		AWS:     AWS{CallTimeout: DefaultCallTimeout, MaxAttempts: DefaultMaxAttempts},
		Guards: Guards{
			Limits:      DefaultLimits(),
			Healthcheck: Healthcheck{GraceMaxSeconds: DefaultGraceMaxSeconds},
			Approval:    Approval{Expiry: DefaultApprovalExpiry, RequireApprovers: DefaultRequireApprovers},
		},
		Schedules: Schedules{
			Summary: Summary{Cron: DefaultSummaryCron, Timezone: DefaultTimezone},
			Watch:   Watch{Interval: DefaultWatchInterval, Warn: DefaultWarn()},
		},
		Storage: Storage{Engine: EngineBbolt, Path: DefaultStoragePath, Retention: DefaultRetention},
		HTTP:    HTTP{Addr: DefaultHTTPAddr},
		Logging: Logging{Format: DefaultLogFormat, Level: DefaultLogLevel},
		Redact:  Redact{Emails: DefaultRedactEmails},
	}
}
