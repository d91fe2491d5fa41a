package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// minimal is the smallest valid config: lines 1–7.
const minimal = `discord:
  guildId: "1032547195402412062"
aws:
  region: ap-northeast-2
  cluster: codedang
services:
  backend:
`

// noEnv is an environment with nothing set.
func noEnv(string) string { return "" }

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func mustParse(t *testing.T, yml string) *Config {
	t.Helper()
	cfg, err := parse("test.yaml", []byte(yml), noEnv)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return cfg
}

var ignoreUnexported = cmpopts.IgnoreUnexported(Config{})

func TestDefaults(t *testing.T) {
	t.Parallel()
	want := Defaults()
	want.File = "test.yaml"
	want.Discord.GuildID = "1032547195402412062"
	want.AWS.Region = "ap-northeast-2"
	want.AWS.Cluster = "codedang"
	want.Services = []Service{{Alias: "backend", Service: "backend", Cluster: "codedang"}}

	tests := []struct {
		name   string
		yml    string
		change func(*Config)
	}{
		{name: "minimal", yml: minimal, change: func(*Config) {}},
		{
			name: "explicit empty values keep the defaults",
			yml: minimal + `guards:
  limits:
    cpu: {min: ~, max: null}
  approval:
    expiry:
storage:
  path:
logging: {}
`,
			change: func(*Config) {},
		},
		{
			name: "a partial range keeps the other defaults",
			yml: minimal + `guards:
  limits:
    cpu: {max: 8192}
    count: {max: 4}
`,
			change: func(c *Config) {
				c.Guards.Limits.CPU.Max = 8192
				c.Guards.Limits.Count.Max = 4
			},
		},
		{
			name: "region from the environment stays empty",
			yml: `discord: {guildId: "1032547195402412062"}
aws: {cluster: codedang}
services: {backend: {}}
`,
			change: func(c *Config) { c.AWS.Region = "" },
		},
		{
			name: "service overrides and cluster ARN",
			yml: `discord: {guildId: "1032547195402412062"}
aws:
  region: ap-northeast-2
  cluster: arn:aws:ecs:ap-northeast-2:123456789012:cluster/codedang
services:
  backend: {service: backend-svc, container: app, cluster: other}
`,
			change: func(c *Config) {
				c.Services = []Service{{Alias: "backend", Service: "backend-svc", Container: "app", Cluster: "other"}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parse("test.yaml", []byte(tt.yml), env(map[string]string{"AWS_REGION": "ap-northeast-2"}))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			w := *want
			w.Services = append([]Service(nil), want.Services...)
			tt.change(&w)
			if diff := cmp.Diff(&w, cfg, ignoreUnexported); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("ecsmedic.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parse("ecsmedic.example.yaml", data, noEnv)
	if err != nil {
		t.Fatalf("the example does not load:\n%v", err)
	}
	if diff := cmp.Diff([]Warning(nil), cfg.Warnings()); diff != "" {
		t.Errorf("the example has warnings (-want +got):\n%s", diff)
	}
	want := &Config{
		File: "ecsmedic.example.yaml",
		Discord: Discord{
			TokenEnv:      "DISCORD_TOKEN",
			ApplicationID: "1183452213745926144",
			GuildID:       "1032547195402412062",
			Channels:      Channels{Commands: []string{"1183457003571331133"}, Alerts: "1183457081170157619", Audit: "1183457137646452756"},
			Roles:         Roles{Operators: []string{"1183458322298253352"}, Approvers: []string{"1183458408256319549"}},
			Prefix:        "!",
			Locale:        "ko",
		},
		AWS: AWS{Region: "ap-northeast-2", Cluster: "codedang", CallTimeout: 10 * time.Second, MaxAttempts: 5},
		Services: []Service{
			{Alias: "backend", Service: "backend", Container: "backend", Cluster: "codedang"},
			{Alias: "frontend", Service: "frontend", Container: "frontend", Cluster: "codedang"},
		},
		Guards: Guards{
			Limits: Limits{
				CPU:    Range{Min: 256, Max: 4096, Step: 256},
				Memory: Range{Min: 512, Max: 8192, Step: 512},
				Count:  Range{Min: 1, Max: 6, Step: 1},
			},
			Healthcheck: Healthcheck{GraceMaxSeconds: 600},
			Approval:    Approval{Expiry: 10 * time.Minute, RequireApprovers: 1},
		},
		Schedules: Schedules{
			Summary: Summary{Cron: "0 9 * * *", Timezone: "Asia/Seoul"},
			Watch: Watch{Interval: 30 * time.Second, AnnounceDeployments: true,
				Warn: Warn{Enabled: true, CPUPercent: 90, MemoryPercent: 90, ClusterPercent: 90, For: 5 * time.Minute, Every: time.Hour,
					Interval: time.Minute, QuietHours: "23:00-08:00", QuietFrom: 23 * 60, QuietTo: 8 * 60}},
		},
		Storage: Storage{Engine: EngineBbolt, Path: "./ecsmedic.db", Retention: 720 * time.Hour},
		HTTP:    HTTP{Addr: "127.0.0.1:9090"},
		Logging: Logging{Format: "auto", Level: "info"},
		Redact:  Redact{Emails: true},
	}
	if diff := cmp.Diff(want, cfg, ignoreUnexported); diff != "" {
		t.Errorf("the example (-want +got):\n%s", diff)
	}
	if got := cfg.Schedules.Summary.Location().String(); got != "Asia/Seoul" {
		t.Errorf("Location() = %s, want Asia/Seoul", got)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(minimal+"  frontend: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", maxFileSize/8)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_REGION", "")
	t.Setenv(EnvConfig, good)

	tests := []struct {
		name      string
		path      string
		wantAlias []string
		wantErr   string
		notExist  bool
	}{
		{name: "a path", path: good, wantAlias: []string{"backend", "frontend"}},
		{name: "ECSMEDIC_CONFIG when no path", path: "", wantAlias: []string{"backend", "frontend"}},
		{name: "missing file", path: filepath.Join(dir, "nope.yaml"), wantErr: "copy config/ecsmedic.example.yaml", notExist: true},
		{name: "a file that is too big", path: big, wantErr: "is it the right file?"},
		{name: "a directory", path: dir, wantErr: "reading the config file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v, want one containing %q", err, tt.wantErr)
				}
				if got := errors.Is(err, fs.ErrNotExist); got != tt.notExist {
					t.Errorf("errors.Is(err, fs.ErrNotExist) = %v, want %v", got, tt.notExist)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(tt.wantAlias, cfg.ServiceAliases()); diff != "" {
				t.Errorf("aliases (-want +got):\n%s", diff)
			}
			if cfg.File != good {
				t.Errorf("File = %q, want %q", cfg.File, good)
			}
		})
	}
}

func TestPath(t *testing.T) {
	t.Setenv(EnvConfig, "")
	if got := Path(""); got != DefaultFile {
		t.Errorf(`Path("") = %q, want %q`, got, DefaultFile)
	}
	t.Setenv(EnvConfig, "/etc/ecsmedic.yaml")
	for in, want := range map[string]string{"": "/etc/ecsmedic.yaml", "x.yaml": "x.yaml"} {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServiceByAlias(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `discord: {guildId: "1032547195402412062"}
aws: {region: ap-northeast-2, cluster: codedang}
services:
  backend: {service: codedang-backend}
  web: {service: frontend}
  frontend: {service: legacy-frontend}
  api: {service: Api-Gateway}
`)
	tests := []struct {
		name    string
		wantSvc string
		wantOK  bool
	}{
		{"backend", "codedang-backend", true},
		{"BACKEND", "codedang-backend", true},
		{" backend ", "codedang-backend", true},
		{"codedang-backend", "codedang-backend", true},
		{"Codedang-Backend", "codedang-backend", true},
		{"arn:aws:ecs:ap-northeast-2:123456789012:service/codedang/codedang-backend", "codedang-backend", true},
		{"frontend", "legacy-frontend", true}, // an alias wins over a service name
		{"legacy-frontend", "legacy-frontend", true},
		{"Api-Gateway", "Api-Gateway", true},
		{"api-gateway", "Api-Gateway", true},
		{"nope", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := cfg.ServiceByAlias(tt.name)
		if ok != tt.wantOK || got.Service != tt.wantSvc {
			t.Errorf("ServiceByAlias(%q) = %q, %v; want %q, %v", tt.name, got.Service, ok, tt.wantSvc, tt.wantOK)
		}
	}
	var nilCfg *Config
	if _, ok := nilCfg.ServiceByAlias("backend"); ok {
		t.Error("a nil config found a service")
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `discord:
  tokenEnv: ECSMEDIC_TEST_TOKEN_THAT_IS_NEVER_SET
  guildId: "1032547195402412062"
  channels: {commands: "1183457003571331133", audit: "1183457137646452756"}
  roles: {operators: ["1183458322298253352"]}
  locale: ko
aws:
  region: ap-northeast-2
  cluster: codedang
  profile: club
services:
  backend: {container: app}
  frontend: {service: web}
guards:
  approval: {selfApprove: true, expiry: 30m}
schedules:
  summary: {cron: "30 8 * * 1-5", timezone: Asia/Seoul}
  watch: {sqsQueueUrl: "https://sqs.ap-northeast-2.amazonaws.com/123456789012/ecsmedic-events", announceScaleIn: true}
`)
	want := `Config test.yaml
Discord
  server 1032547195402412062, bot token from $ECSMEDIC_TEST_TOKEN_THAT_IS_NEVER_SET (NOT set here: the bot cannot log in without it)
  text commands start with "!"; replies in Korean (한국어)
  commands: in channel 1183457003571331133
  alerts: not posted (no channel); audit: 1183457137646452756
  may ask for changes: role 1183458322298253352
  may approve: nobody in chat: changes are off until discord.roles.approvers is set (the terminal still may); 1 approval(s) needed, their own requests too; requests expire after 30m
AWS
  cluster codedang in ap-northeast-2
  credentials: profile club
  each call: up to 5 attempts within 10s
Services
  backend   ECS service backend in codedang, container app
  frontend  ECS service web in codedang
Guards
  cpu 256–4096 units in steps of 256; memory 512–8192 MiB in steps of 512; tasks 0–10
  health check grace period at most 600s
Schedules
  daily summary: on cron "30 8 * * 1-5", Asia/Seoul
  watch: events from https://sqs.ap-northeast-2.amazonaws.com/123456789012/ecsmedic-events
  announces deployments: no; scale-ins: yes
  early warning: CPU ≥ 90 % or memory ≥ 90 % of the reservation for 5m, failing targets, cluster reservation ≥ 90 % with scaling off
    checked every 1m; at most one warning per service and kind every 1h; no quiet hours
Storage ./ecsmedic.db, kept 720h
HTTP /healthz and /metrics on 127.0.0.1:9090
Logging auto at level info
`
	if diff := cmp.Diff(want, cfg.Describe()); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}
}

func TestRangeAllows(t *testing.T) {
	t.Parallel()
	r := Range{Min: 256, Max: 4096, Step: 256}
	for v, want := range map[int]bool{256: true, 512: true, 4096: true, 128: false, 300: false, 4352: false} {
		if got := r.Allows(v); got != want {
			t.Errorf("Allows(%d) = %v, want %v", v, got, want)
		}
	}
}

func TestToken(t *testing.T) {
	t.Setenv("ECSMEDIC_TEST_TOKEN", " abc.def.ghi \n")
	tok, err := Discord{TokenEnv: "ECSMEDIC_TEST_TOKEN"}.Token()
	if err != nil || tok != "abc.def.ghi" {
		t.Errorf("Token() = %q, %v", tok, err)
	}
	t.Setenv("ECSMEDIC_TEST_TOKEN", "")
	if _, err := (Discord{TokenEnv: "ECSMEDIC_TEST_TOKEN"}).Token(); err == nil || !strings.Contains(err.Error(), "ECSMEDIC_TEST_TOKEN") {
		t.Errorf("Token() with no token: %v, want an error naming the variable", err)
	}
}
