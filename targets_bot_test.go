package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/bot/discordtest"
)

// The bot with two targets runs a watcher per target: the same incident in
// two accounts is announced twice in #alerts, once as prod/backend and
// once as staging/backend, each read from its own account.
func TestBotAlertsNameTheTarget(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	t.Setenv("GOMEMLIMIT", "off") // the test process keeps its own limit
	t.Setenv("TARGETS_TEST_TOKEN", discordtest.DefaultToken)
	fake, err := discordtest.New(discordtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)

	prod := newAccount(t)
	// staging: the same incident in another account, whose ARNs differ
	// as AWS's do.
	data, err := os.ReadFile("aws/world/builtin/incident.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Parse("staging.yaml", bytes.ReplaceAll(data, []byte("111122223333"), []byte("444455556666")))
	if err != nil {
		t.Fatal(err)
	}
	staging := newAccount(t)
	staging.sim = sim.New(w, sim.Options{})

	cfg := botTargetsConfig(t, prod, staging, fake, nil)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		root := newRoot()
		var out bytes.Buffer
		root.SetArgs([]string{"run", "--config", cfg})
		root.SetOut(&out)
		root.SetErr(&out)
		done <- root.ExecuteContext(ctx)
	}()
	alerts := func() string { return alertTitles(fake) }
	wctx, wcancel := context.WithTimeout(ctx, patience)
	err = fake.WaitFor(wctx, func() bool {
		a := alerts()
		return strings.Contains(a, "prod/backend") && strings.Contains(a, "staging/backend")
	})
	wcancel()
	cancel()
	t.Log(alerts())
	if runErr := <-done; runErr != nil {
		t.Errorf("run: %v", runErr)
	}
	if err != nil {
		t.Fatalf("#alerts does not name both targets' backend: %v\n%s", err, alerts())
	}
}

// botTargetsConfig is twoAccountsConfig for `ecsmedic run`: the bot logs in
// to fake with the token in $TARGETS_TEST_TOKEN, posts alerts to its
// #alerts and serves HTTP on a free port. edit, if set, changes the YAML
// further.
func botTargetsConfig(t *testing.T, prod, staging *account, fake *discordtest.Server, edit func([]byte) []byte) string {
	t.Helper()
	cfg, _ := twoAccountsConfig(t, prod, staging)
	yml, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	yml = bytes.Replace(yml, []byte("discord:\n  guildId: \"1032547195402412062\"\n"), fmt.Appendf(nil,
		"discord:\n  guildId: %q\n  tokenEnv: TARGETS_TEST_TOKEN\n  apiBaseUrl: %s\n  channels: {alerts: %q}\nhttp:\n  addr: %s\n",
		discordtest.DefaultGuildID, fake.URL(), discordtest.DefaultAlertsID, freeAddr(t)), 1)
	if edit != nil {
		yml = edit(yml)
	}
	cfg = filepath.Join(t.TempDir(), "ecsmedic.yaml")
	if err := os.WriteFile(cfg, yml, 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// alertTitles are the titles of the alerts in fake's #alerts, a line each.
func alertTitles(fake *discordtest.Server) string {
	var b strings.Builder
	for _, m := range fake.Messages(discordtest.DefaultAlertsID) {
		for _, e := range m.Embeds {
			b.WriteString(e.Title + "\n")
		}
	}
	return b.String()
}
