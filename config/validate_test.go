package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// at is where a problem is reported, and a phrase its text must hold.
type at struct {
	Line int
	Path string
	Says string
}

func problemsAt(es []Error, want []at) []at {
	out := make([]at, len(es))
	for i, e := range es {
		out[i] = at{Line: e.Line, Path: e.Path}
		if i < len(want) && strings.Contains(e.Message+"\n"+e.Fix, want[i].Says) {
			out[i].Says = want[i].Says
		} else {
			out[i].Says = e.Message + " | fix: " + e.Fix
		}
	}
	return out
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yml  string
		env  map[string]string
		want []at
	}{
		// The file as a whole.
		{name: "empty file", yml: "", want: []at{{0, "", "the file is empty"}}},
		{name: "only comments", yml: "# nothing yet\n", want: []at{{0, "", "the file is empty"}}},
		{name: "a list at the top", yml: "- discord\n- aws\n", want: []at{{1, "", "top-level keys are discord, aws"}}},
		{name: "two documents", yml: minimal + "---\nlogging: {}\n", want: []at{{8, "", "more than one YAML document"}}},
		{name: "tab indentation", yml: "discord:\n\tguildId: \"1\"\n", want: []at{{2, "", "never tabs"}}},
		{name: "unclosed flow list", yml: minimal + "discord2: [a,\n", want: []at{{8, "", "not valid YAML"}}},
		{name: "duplicate key", yml: minimal + "aws: {}\n", want: []at{{8, "aws", "first set on line 3"}}},
		{name: "plain-http endpoint on another machine", yml: "discord:\n  guildId: \"1032547195402412062\"\naws:\n  region: ap-northeast-2\n  cluster: c\n  endpoint: http://10.0.0.5:4566\nservices: {a: {}}\n",
			want: []at{{6, "aws.endpoint", "plain http to another machine"}}},
		{
			name: "everything missing",
			yml:  "logging: {level: info}\n",
			want: []at{
				{0, "aws.region", "AWS region is missing"},
				{0, "aws.cluster", "cluster is missing"},
				{0, "services", "at least one service"},
			},
		},
		{name: "a section that is not a mapping", yml: minimal + "guards: strict\n", want: []at{{8, "guards", "indent the settings under this key: limits, healthcheck, approval"}}},
		{name: "services as a list", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices:\n  - backend\n", want: []at{{4, "services", "mapping from alias to service"}}},

		// Misspelt and unknown keys.
		{name: "misspelt key", yml: minimal + "logging:\n  levle: debug\n", want: []at{{9, "logging.levle", `did you mean "level"?`}}},
		{name: "snake_case key", yml: "discord:\n  guild_id: \"1032547195402412062\"\n  guildId: \"1032547195402412062\"\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{2, "discord.guild_id", `did you mean "guildId"?`}}},
		{name: "unknown top-level key", yml: minimal + "metrics: {}\n", want: []at{{8, "metrics", "discord, aws, services"}}},
		{name: "unknown service key", yml: minimal + "    image: backend:latest\n", want: []at{{8, "services.backend.image", "service, container, cluster"}}},
		{name: "discord.token", yml: "discord:\n  token: MTA.abc.def\n  guildId: \"1032547195402412062\"\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{2, "discord.token", "Reset Token"}}},
		{name: "aws keys in the file", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: c\n  secretAccessKey: abc\nservices: {a: {}}\n", want: []at{{5, "aws.secretAccessKey", "deactivate them in IAM"}}},

		// discord
		{name: "token itself in tokenEnv", yml: "discord:\n  tokenEnv: MTE4MzQ1MjIxMzc0NTkyNjE0NA.GxYz12.abcdefghijklmnopqrstuvwxyz012345\n  guildId: \"1032547195402412062\"\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{2, "discord.tokenEnv", "looks like the token itself"}}},
		{name: "tokenEnv with $", yml: "discord:\n  tokenEnv: $BOT_TOKEN\n  guildId: \"1032547195402412062\"\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{2, "discord.tokenEnv", "write tokenEnv: BOT_TOKEN"}}},
		{name: "tokenEnv not a name", yml: "discord:\n  tokenEnv: bot token\n  guildId: \"1032547195402412062\"\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{2, "discord.tokenEnv", "letters, digits and _"}}},
		{name: "guild name, not ID", yml: "discord:\n  guildId: codedang\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{2, "discord.guildId", "Copy Server ID"}}},
		{name: "guildId a list", yml: "discord:\n  guildId: [1, 2]\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{2, "discord.guildId", "not a list"}}},
		{name: "channel as a mention", yml: "discord:\n  guildId: \"1032547195402412062\"\n  channels:\n    commands:\n      - \"1183457003571331133\"\n      - \"<#1183457081170157619>\"\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{6, "discord.channels.commands[1]", "write just the number: 1183457081170157619"}}},
		{name: "channel by name", yml: "discord:\n  guildId: \"1032547195402412062\"\n  channels: {alerts: \"#alerts\"}\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{3, "discord.channels.alerts", "Copy Channel ID"}}},
		{name: "role by name", yml: "discord:\n  guildId: \"1032547195402412062\"\n  roles:\n    approvers: [Admin]\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{4, "discord.roles.approvers[0]", "Copy Role ID"}}},
		{name: "prefix bare !", yml: "discord:\n  guildId: \"1032547195402412062\"\n  prefix: !\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{3, "discord.prefix", `prefix: "!"`}}},
		{name: "prefix !bot", yml: "discord:\n  guildId: \"1032547195402412062\"\n  prefix: !bot\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{3, "discord.prefix", `prefix: "!bot"`}}},
		{name: "prefix slash", yml: "discord:\n  guildId: \"1032547195402412062\"\n  prefix: /\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{3, "discord.prefix", "slash commands"}}},
		{name: "prefix empty", yml: "discord:\n  guildId: \"1032547195402412062\"\n  prefix: \"\"\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{3, "discord.prefix", "prefix is empty"}}},
		{name: "prefix too long", yml: "discord:\n  guildId: \"1032547195402412062\"\n  prefix: \"hey bot\"\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{3, "discord.prefix", "1 to 5 characters"}}},
		{name: "locale kr", yml: "discord:\n  guildId: \"1032547195402412062\"\n  locale: kr\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{3, "discord.locale", "write ko"}}},
		{name: "locale ja", yml: "discord:\n  guildId: \"1032547195402412062\"\n  locale: ja\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{3, "discord.locale", "one of en, ko"}}},
		{name: "apiBaseUrl without scheme", yml: "discord:\n  guildId: \"1032547195402412062\"\n  apiBaseUrl: proxy.local/api\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n", want: []at{{3, "discord.apiBaseUrl", "http:// or https://"}}},

		// aws
		{name: "region missing, AWS_REGION unset", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  cluster: c\nservices: {a: {}}\n", want: []at{{2, "aws.region", "AWS_REGION"}}},
		{name: "region by city", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: Seoul\n  cluster: c\nservices: {a: {}}\n", want: []at{{3, "aws.region", "write ap-northeast-2"}}},
		{name: "region is an AZ", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2a\n  cluster: c\nservices: {a: {}}\n", want: []at{{3, "aws.region", "its region is ap-northeast-2"}}},
		{name: "region console name", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: Asia Pacific (Seoul)\n  cluster: c\nservices: {a: {}}\n", want: []at{{3, "aws.region", "not the name the console shows"}}},
		{name: "role ARN of a user", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: c\n  roleArn: arn:aws:iam::123456789012:user/bot\nservices: {a: {}}\n", want: []at{{5, "aws.roleArn", "arn:aws:iam::123456789012:role/ecsmedic"}}},
		{name: "externalId without role", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: c\n  externalId: x\nservices: {a: {}}\n", want: []at{{5, "aws.externalId", "add roleArn"}}},
		{name: "profile with spaces", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: c\n  profile: my club\nservices: {a: {}}\n", want: []at{{5, "aws.profile", "[profile NAME]"}}},
		{name: "cluster missing", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\nservices: {a: {}}\n", want: []at{{2, "aws.cluster", "add cluster"}}},
		{name: "cluster with spaces", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: code dang\nservices: {a: {}}\n", want: []at{{4, "aws.cluster", "letters, digits, - and _"}}},
		{name: "endpoint without scheme", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: c\n  endpoint: localhost:4566\nservices: {a: {}}\n", want: []at{{5, "aws.endpoint", "http://127.0.0.1:4566"}}},
		{name: "callTimeout without unit", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: c\n  callTimeout: 10\nservices: {a: {}}\n", want: []at{{5, "aws.callTimeout", "10s for seconds"}}},
		{name: "callTimeout too long", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: c\n  callTimeout: 1h\nservices: {a: {}}\n", want: []at{{5, "aws.callTimeout", "from 1s to 10m"}}},
		{name: "maxAttempts zero", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: c\n  maxAttempts: 0\nservices: {a: {}}\n", want: []at{{5, "aws.maxAttempts", "from 1 to 20"}}},
		{name: "maxAttempts text", yml: "discord: {guildId: \"1032547195402412062\"}\naws:\n  region: ap-northeast-2\n  cluster: c\n  maxAttempts: five\nservices: {a: {}}\n", want: []at{{5, "aws.maxAttempts", "whole number"}}},

		// services
		{name: "no services", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices: {}\n", want: []at{{3, "services", "at least one service"}}},
		{name: "alias with capitals", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices:\n  Backend_API: {}\n", want: []at{{4, "services.Backend_API", "rename it to backend-api"}}},
		{name: "alias too long", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices:\n  " + strings.Repeat("a", 33) + ": {}\n", want: []at{{4, "services." + strings.Repeat("a", 33), "1 to 32"}}},
		{name: "service given as text", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices:\n  backend: backend-svc\n", want: []at{{4, "services.backend", "mapping of settings"}}},
		{name: "service ARN", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices:\n  backend:\n    service: arn:aws:ecs:ap-northeast-2:123456789012:service/c/backend\n", want: []at{{5, "services.backend.service", "write service: backend"}}},
		{name: "service name with spaces", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices:\n  backend:\n    service: back end\n", want: []at{{5, "services.backend.service", "ECS service name"}}},
		{name: "container with a colon", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices:\n  backend:\n    container: \"backend:latest\"\n", want: []at{{5, "services.backend.container", "task definition"}}},
		{name: "service cluster bad", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices:\n  backend:\n    cluster: a/b\n", want: []at{{5, "services.backend.cluster", "leave cluster out"}}},
		{name: "two aliases, one service", yml: "discord: {guildId: \"1032547195402412062\"}\naws: {region: ap-northeast-2, cluster: c}\nservices:\n  backend: {}\n  api: {service: backend}\n", want: []at{{5, "services.api", `"backend" and "api" are the same ECS service`}}},

		// guards
		{name: "cpu min above max", yml: minimal + "guards:\n  limits:\n    cpu: {min: 4096, max: 1024}\n", want: []at{{10, "guards.limits.cpu.max", "min (4096) is above max (1024)"}}},
		{name: "cpu min above default max", yml: minimal + "guards:\n  limits:\n    cpu:\n      min: 8192\n", want: []at{{11, "guards.limits.cpu.min", "min (8192) is above max (4096)"}}},
		{name: "cpu below 128", yml: minimal + "guards:\n  limits:\n    cpu: {min: 64}\n", want: []at{{10, "guards.limits.cpu.min", "128 to 196608"}}},
		{name: "cpu above 192 vCPU", yml: minimal + "guards:\n  limits:\n    cpu: {max: 262144}\n", want: []at{{10, "guards.limits.cpu.max", "128 to 196608"}}},
		{name: "cpu in vCPU", yml: minimal + "guards:\n  limits:\n    cpu:\n      max: 4 vCPU\n", want: []at{{11, "guards.limits.cpu.max", "4 vCPU is 4096"}}},
		{name: "cpu step zero", yml: minimal + "guards:\n  limits:\n    cpu: {step: 0}\n", want: []at{{10, "guards.limits.cpu.step", "from 1 to"}}},
		{name: "memory in GB", yml: minimal + "guards:\n  limits:\n    memory: {max: 8GB}\n", want: []at{{10, "guards.limits.memory.max", "8GB is 8192"}}},
		{name: "memory in MiB with unit", yml: minimal + "guards:\n  limits:\n    memory: {max: 2048MiB}\n", want: []at{{10, "guards.limits.memory.max", "write MiB, without a unit: 2048"}}},
		{name: "memory step negative", yml: minimal + "guards:\n  limits:\n    memory: {step: -512}\n", want: []at{{10, "guards.limits.memory.step", "from 1 to"}}},
		{name: "count has no step", yml: minimal + "guards:\n  limits:\n    count: {step: 1}\n", want: []at{{10, "guards.limits.count.step", "min, max"}}},
		{name: "count negative", yml: minimal + "guards:\n  limits:\n    count: {min: -1}\n", want: []at{{10, "guards.limits.count.min", "from 0 to 5000"}}},
		{name: "count min above max", yml: minimal + "guards:\n  limits:\n    count: {min: 3, max: 2}\n", want: []at{{10, "guards.limits.count.max", "min (3) is above max (2)"}}},
		{name: "graceMax as a duration", yml: minimal + "guards:\n  healthcheck:\n    graceMax: 10m\n", want: []at{{10, "guards.healthcheck.graceMax", "10m is 600"}}},
		{name: "selfApprove yes", yml: minimal + "guards:\n  approval:\n    selfApprove: yes\n", want: []at{{10, "guards.approval.selfApprove", "write true"}}},
		{name: "expiry in days", yml: minimal + "guards:\n  approval:\n    expiry: 1d\n", want: []at{{10, "guards.approval.expiry", "write 24h for 1 days"}}},
		{name: "expiry too short", yml: minimal + "guards:\n  approval:\n    expiry: 10s\n", want: []at{{10, "guards.approval.expiry", "at least 1m"}}},
		{name: "requireApprovers zero", yml: minimal + "guards:\n  approval:\n    requireApprovers: 0\n", want: []at{{10, "guards.approval.requireApprovers", "from 1 to 10"}}},

		// schedules
		{name: "cron with seconds", yml: minimal + "schedules:\n  summary:\n    cron: \"0 0 9 * * *\"\n    timezone: Asia/Seoul\n", want: []at{{10, "schedules.summary.cron", "no seconds field"}}},
		{name: "cron macro", yml: minimal + "schedules:\n  summary:\n    cron: \"@daily\"\n    timezone: UTC\n", want: []at{{10, "schedules.summary.cron", `write "0 0 * * *"`}}},
		{name: "cron hour 24", yml: minimal + "schedules:\n  summary:\n    cron: \"0 24 * * *\"\n    timezone: UTC\n", want: []at{{10, "schedules.summary.cron", "hour field"}}},
		{name: "cron backwards range", yml: minimal + "schedules:\n  summary:\n    cron: \"0 9 * * FRI-MON\"\n    timezone: UTC\n", want: []at{{10, "schedules.summary.cron", "ranges that run forwards"}}},
		// The old hand-written grammar let 7 through; the parser that runs the schedule refuses it.
		{name: "cron sunday as 7", yml: minimal + "schedules:\n  summary:\n    cron: \"0 9 * * 7\"\n    timezone: UTC\n", want: []at{{10, "schedules.summary.cron", "the day of week field \"7\" is not valid"}}},
		{name: "cron bad step", yml: minimal + "schedules:\n  summary:\n    cron: \"*/0 9 * * *\"\n    timezone: UTC\n", want: []at{{10, "schedules.summary.cron", "step"}}},
		{name: "cron with CRON_TZ", yml: minimal + "schedules:\n  summary:\n    cron: \"CRON_TZ=Asia/Seoul 0 9 * * *\"\n    timezone: UTC\n", want: []at{{10, "schedules.summary.cron", "set schedules.summary.timezone instead"}}},
		{name: "cron gibberish", yml: minimal + "schedules:\n  summary:\n    cron: every morning\n    timezone: UTC\n", want: []at{{10, "schedules.summary.cron", "five fields"}}},
		{name: "timezone KST", yml: minimal + "schedules:\n  summary:\n    timezone: KST\n", want: []at{{10, "schedules.summary.timezone", "write Asia/Seoul"}}},
		{name: "timezone lower case", yml: minimal + "schedules:\n  summary:\n    timezone: asia/seoul\n", want: []at{{10, "schedules.summary.timezone", "write Asia/Seoul"}}},
		{name: "timezone Local", yml: minimal + "schedules:\n  summary:\n    timezone: Local\n", want: []at{{10, "schedules.summary.timezone", "depends on the machine"}}},
		{name: "timezone offset", yml: minimal + "schedules:\n  summary:\n    timezone: UTC+9\n", want: []at{{10, "schedules.summary.timezone", "Asia/Seoul for UTC+9"}}},
		{name: "timezone unknown", yml: minimal + "schedules:\n  summary:\n    timezone: Mars/Olympus\n", want: []at{{10, "schedules.summary.timezone", "IANA time zone name"}}},
		{name: "watch interval too short", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    interval: 5s\n", want: []at{{11, "schedules.watch.interval", "from 10s to 1h"}}},
		{name: "warn percent as a share", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    warn:\n      cpuPercent: 0.9\n", want: []at{{12, "schedules.watch.warn.cpuPercent", "whole number"}}},
		{name: "warn percent too low", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    warn: {memoryPercent: 20}\n", want: []at{{11, "schedules.watch.warn.memoryPercent", "50 to 100"}}},
		{name: "warn for in minutes without a unit", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    warn: {for: 5}\n", want: []at{{11, "schedules.watch.warn.for", "5m for minutes"}}},
		{name: "quiet hours in words", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    warn:\n      quietHours: 11pm to 8am\n", want: []at{{12, "schedules.watch.warn.quietHours", `"23:00-08:00"`}}},
		{name: "quiet hours of no length", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    warn: {quietHours: \"08:00-8:00\"}\n", want: []at{{11, "schedules.watch.warn.quietHours", "same time"}}},
		{name: "unknown warn key", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    warn: {cpu: 90}\n", want: []at{{11, "schedules.watch.warn.cpu", "cpuPercent"}}},
		{name: "queue ARN", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    sqsQueueUrl: arn:aws:sqs:ap-northeast-2:123456789012:events\n", want: []at{{11, "schedules.watch.sqsQueueUrl", "https://sqs.ap-northeast-2.amazonaws.com/123456789012/events"}}},
		{name: "queue over http", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    sqsQueueUrl: http://sqs.ap-northeast-2.amazonaws.com/123456789012/events\n", want: []at{{11, "schedules.watch.sqsQueueUrl", "https://"}}},
		{name: "queue URL of the console", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    sqsQueueUrl: https://console.aws.amazon.com/sqs/v2/home\n", want: []at{{11, "schedules.watch.sqsQueueUrl", "/ACCOUNT-ID/QUEUE-NAME"}}},
		{name: "announce as text", yml: minimal + "schedules:\n  summary: {timezone: UTC}\n  watch:\n    announceDeployments: off\n", want: []at{{11, "schedules.watch.announceDeployments", "write false"}}},

		// storage, http, logging
		{name: "storage path empty", yml: minimal + "storage:\n  path: \"\"\n", want: []at{{9, "storage.path", "storage path is empty"}}},
		{name: "retention in days", yml: minimal + "storage:\n  retention: 30d\n", want: []at{{9, "storage.retention", "write 720h for 30 days"}}},
		{name: "retention too short", yml: minimal + "storage:\n  retention: 10m\n", want: []at{{9, "storage.retention", "at least 1h"}}},
		{name: "addr port only", yml: minimal + "http:\n  addr: 9090\n", want: []at{{9, "http.addr", "127.0.0.1:9090"}}},
		{name: "addr bad port", yml: minimal + "http:\n  addr: 127.0.0.1:99999\n", want: []at{{9, "http.addr", "1 to 65535"}}},
		{name: "addr a URL", yml: minimal + "http:\n  addr: http://localhost:9090\n", want: []at{{9, "http.addr", "HOST:PORT"}}},
		{name: "addr a host name", yml: minimal + "http:\n  addr: ecsmedic.internal:9090\n", want: []at{{9, "http.addr", "IP address"}}},
		{name: "log level warning", yml: minimal + "logging:\n  level: warning\n", want: []at{{9, "logging.level", "write warn"}}},
		{name: "log format yaml", yml: minimal + "logging:\n  format: yaml\n", want: []at{{9, "logging.format", "json, text, auto"}}},
		{name: "log level a list", yml: minimal + "logging:\n  level: [info]\n", want: []at{{9, "logging.level", "not a list"}}},

		// Several at once, in line order.
		{
			name: "several problems",
			yml: `discord:
  guildId: abc
aws:
  region: ap-northeast-2
  cluster: codedang
  maxAttempts: 100
services:
  backend:
    servce: backend
logging:
  level: loud
`,
			want: []at{
				{2, "discord.guildId", "Copy Server ID"},
				{6, "aws.maxAttempts", "from 1 to 20"},
				{9, "services.backend.servce", `did you mean "service"?`},
				{11, "logging.level", "debug, info, warn, error"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parse("test.yaml", []byte(tt.yml), env(tt.env))
			if err == nil {
				t.Fatalf("no error; the config is\n%s", cfg.Describe())
			}
			if cfg != nil {
				t.Error("a config came back with the error")
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("the error is a %T, not Errors: %v", err, err)
			}
			for _, e := range es {
				if e.File != "test.yaml" || e.Message == "" || e.Fix == "" {
					t.Errorf("an error lacks a file, message or fix: %#v", e)
				}
			}
			if diff := cmp.Diff(tt.want, problemsAt(es, tt.want)); diff != "" {
				t.Errorf("problems (-want +got):\n%s\nthe whole error:\n%v", diff, err)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	_, err := parse("ecsmedic.yaml", []byte(minimal+"logging:\n  levle: debug\n  format: yaml\n"), noEnv)
	want := `ecsmedic.yaml has 2 problems:
ecsmedic.yaml:9:3: logging.levle: "levle" is not a setting of logging
    fix: did you mean "level"? Rename the key
ecsmedic.yaml:10:11: logging.format: "yaml" is not one of json, text, auto
    fix: write one of json, text, auto`
	if err == nil {
		t.Fatal("no error")
	}
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error text (-want +got):\n%s", diff)
	}
	var one Error
	if !errors.As(err, &one) || one.Line != 9 {
		t.Errorf("errors.As(err, &Error{}) = %#v, want the first problem", one)
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	const roles = "  roles: {operators: [\"1183458322298253352\"], approvers: [\"1183458408256319549\"]}\n"
	const head = "discord:\n  guildId: \"1032547195402412062\"\n" + roles + "aws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n"
	const tz = "schedules:\n  summary: {timezone: Asia/Seoul}\n"
	tests := []struct {
		name string
		yml  string
		want []at
	}{
		{name: "none", yml: head + tz, want: []at{}},
		{name: "no guild: only the bot needs one", yml: "discord:\n  guildId:\n" + roles + "aws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n" + tz,
			want: []at{{2, "discord.guildId", "`ecsmedic run` cannot start"}}},
		{
			name: "no roles at all",
			yml:  "discord:\n  guildId: \"1032547195402412062\"\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n" + tz,
			want: []at{
				{1, "discord.roles.operators", "anyone who can post"},
				{1, "discord.roles.approvers", "changes are off in chat"},
			},
		},
		{
			name: "no approver role",
			yml:  "discord:\n  guildId: \"1032547195402412062\"\n  roles:\n    operators: [\"1183458322298253352\"]\naws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n" + tz,
			want: []at{{3, "discord.roles.approvers", "no approver role"}},
		},
		{name: "self-approval", yml: head + tz + "guards:\n  approval:\n    selfApprove: true\n", want: []at{{10, "guards.approval.selfApprove", "selfApprove: false"}}},
		{name: "expiry over a day", yml: head + tz + "guards:\n  approval:\n    expiry: 48h\n", want: []at{{10, "guards.approval.expiry", "48h"}}},
		{name: "expiry of exactly a day", yml: head + tz + "guards:\n  approval:\n    expiry: 24h\n", want: []at{}},
		{
			name: "short and long IDs",
			yml: "discord:\n  guildId: \"10325471954\"\n  applicationId: 123\n  channels:\n    commands: [\"118345700357133113312\"]\n    alerts: 1183457081170157619\n" +
				roles + "aws: {region: ap-northeast-2, cluster: c}\nservices: {a: {}}\n" + tz,
			want: []at{
				{2, "discord.guildId", "has 11 digits"},
				{3, "discord.applicationId", "General Information"},
				{5, "discord.channels.commands[0]", "has 21 digits"},
			},
		},
		{name: "plain-http endpoint allowed", yml: "discord:\n  guildId: \"1032547195402412062\"\n" + roles + "aws: {region: ap-northeast-2, cluster: c, endpoint: \"http://10.0.0.5:4566\", allowInsecureEndpoint: true}\nservices: {a: {}}\n" + tz,
			want: []at{{4, "aws.endpoint", "allowed by aws.allowInsecureEndpoint"}}},
		{name: "allowInsecureEndpoint not needed", yml: "discord:\n  guildId: \"1032547195402412062\"\n" + roles + "aws: {region: ap-northeast-2, cluster: c, endpoint: \"http://127.0.0.1:4566\", allowInsecureEndpoint: true}\nservices: {a: {}}\n" + tz,
			want: []at{{4, "aws.allowInsecureEndpoint", "changes nothing"}}},
		{name: "summary cron with no time zone", yml: head + "schedules:\n  summary:\n    cron: \"0 9 * * *\"\n", want: []at{{8, "schedules.summary.timezone", "Asia/Seoul"}}},
		{name: "default summary with no time zone", yml: head, want: []at{{0, "schedules.summary.timezone", `"0 9 * * *" runs in UTC`}}},
		{name: "summary section with no time zone", yml: head + "schedules:\n  watch: {interval: 1m}\n", want: []at{{6, "schedules.summary.timezone", "runs in UTC"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, tt.yml)
			ws := cfg.Warnings()
			es := make([]Error, len(ws))
			for i, w := range ws {
				es[i] = Error(w)
				if w.Message == "" || w.Fix == "" || w.File != "test.yaml" {
					t.Errorf("a warning lacks a file, message or fix: %#v", w)
				}
			}
			if diff := cmp.Diff(tt.want, problemsAt(es, tt.want)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWarningText(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, minimal+"schedules:\n  summary: {timezone: UTC}\n")
	ws := cfg.Warnings()
	if len(ws) == 0 {
		t.Fatal("no warnings")
	}
	want := "test.yaml:1:1: warning: discord.roles.operators: no operator role: anyone who can post in the command channels may ask for changes to AWS\n" +
		"    fix: add the role IDs of the people on call under discord.roles.operators"
	if diff := cmp.Diff(want, ws[0].String()); diff != "" {
		t.Errorf("warning text (-want +got):\n%s", diff)
	}
}

func TestRegionFromEnvironment(t *testing.T) {
	t.Parallel()
	yml := "discord: {guildId: \"1032547195402412062\"}\naws: {cluster: c}\nservices: {a: {}}\n"
	if _, err := parse("test.yaml", []byte(yml), noEnv); err == nil {
		t.Error("no region and no AWS_REGION: no error")
	}
	cfg, err := parse("test.yaml", []byte(yml), env(map[string]string{"AWS_REGION": "us-east-1"}))
	if err != nil {
		t.Fatalf("AWS_REGION set: %v", err)
	}
	if cfg.AWS.Region != "" {
		t.Errorf("Region = %q, want it left empty for the SDK to read AWS_REGION", cfg.AWS.Region)
	}
}

func TestTestdata(t *testing.T) {
	t.Parallel()
	full := &Config{
		File: "testdata/full.yaml",
		Discord: Discord{
			TokenEnv:      "ECSMEDIC_BOT_TOKEN",
			ApplicationID: "1183452213745926144",
			GuildID:       "1032547195402412062",
			Channels:      Channels{Commands: []string{"1183457003571331133", "1183457003571331134"}, Alerts: "1183457081170157619", Audit: "1183457137646452756"},
			Roles:         Roles{Operators: []string{"1183458322298253352"}, Approvers: []string{"1183458408256319549", "1183458408256319550"}},
			Prefix:        "?",
			Locale:        "en",
			APIBaseURL:    "https://discord-proxy.example.org/api/v10",
		},
		AWS: AWS{
			Region: "ap-northeast-2", Profile: "codedang", RoleARN: "arn:aws:iam::123456789012:role/ops/ecsmedic", ExternalID: "codedang-bot",
			Cluster: "codedang", Endpoint: "http://127.0.0.1:4566", CallTimeout: 90 * time.Second, MaxAttempts: 3,
		},
		Services: []Service{
			{Alias: "backend", Service: "codedang-backend", Container: "app", Cluster: "codedang"},
			{Alias: "frontend", Service: "codedang-frontend", Cluster: "codedang"},
			{Alias: "worker", Service: "worker", Cluster: "codedang-batch"},
		},
		Guards: Guards{
			Limits: Limits{
				CPU:    Range{Min: 512, Max: 16384, Step: 512},
				Memory: Range{Min: 1024, Max: 30720, Step: 1024},
				Count:  Range{Min: 1, Max: 20, Step: 1},
			},
			Healthcheck: Healthcheck{GraceMaxSeconds: 0},
			Approval:    Approval{Expiry: time.Hour, RequireApprovers: 2},
		},
		Schedules: Schedules{
			Summary: Summary{Cron: "0 9,18 * * MON-FRI", Timezone: "Asia/Seoul"},
			Watch: Watch{Interval: time.Minute, SQSQueueURL: "http://127.0.0.1:4566/000000000000/ecsmedic-events",
				AnnounceDeployments: true, AnnounceScaleIn: true,
				Warn: Warn{Enabled: true, CPUPercent: 85, MemoryPercent: 95, ClusterPercent: 100, For: 10 * time.Minute, Every: 2 * time.Hour,
					Interval: 2 * time.Minute, QuietHours: "00:30-07:00", QuietFrom: 30, QuietTo: 7 * 60}},
		},
		Storage: Storage{Engine: EngineBbolt, Path: "/data/ecsmedic.db", Retention: 2160 * time.Hour},
		HTTP:    HTTP{Addr: "0.0.0.0:9090"},
		Logging: Logging{Format: "json", Level: "debug"},
	}
	tests := []struct {
		file    string
		want    *Config
		wantErr []at
	}{
		{file: "testdata/full.yaml", want: full},
		{file: "testdata/anchors.yaml"},
		{file: "testdata/typos.yaml", wantErr: []at{
			{4, "discord.chanels", `did you mean "channels"?`},
			{9, "aws.clutser", `did you mean "cluster"?`},
			{14, "guards.limit", `did you mean "limits"?`},
			{18, "schedules.summary.timeZone", `did you mean "timezone"?`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := parse(tt.file, data, noEnv)
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, cfg, ignoreUnexported); diff != "" {
					t.Errorf("config (-want +got):\n%s", diff)
				}
			}
			var es Errors
			if err != nil && !errors.As(err, &es) {
				t.Fatalf("error is a %T: %v", err, err)
			}
			if diff := cmp.Diff(tt.wantErr, problemsAt(es, tt.wantErr), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("problems (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}
