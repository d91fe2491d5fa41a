package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/store"
)

// TestChangeOneShotStoreInUse: while another process (the bot) holds the
// store, a one-shot change command answers that changes are not available
// here and exits non-zero; it never dereferences the engine it has not.
func TestChangeOneShotStoreInUse(t *testing.T) {
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	srv := sim.New(w, sim.Options{Freeze: true})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	dir := t.TempDir()
	db := filepath.Join(dir, "ecsmedic.db")
	held, err := store.Open(db, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	cfg := filepath.Join(dir, "ecsmedic.yaml")
	yaml := "discord:\n  tokenEnv: ECSMEDIC_TEST_TOKEN_THAT_IS_NEVER_SET\n  guildId: \"1032547195402412062\"\n" +
		"aws:\n  region: " + w.Region + "\n  cluster: codedang\n  endpoint: " + url + "\n" +
		"services:\n  backend: {}\nstorage:\n  path: " + db + "\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "example")
	for _, args := range [][]string{{"approve", "k0000001"}, {"cancel", "k0000001"}, {"scale", "backend", "count", "2", "--yes"}} {
		out, err := run(t, "", append(args, "--config", cfg)...)
		if err == nil || !strings.Contains(err.Error(), "in use by another ecsmedic") || !strings.Contains(err.Error(), "make changes in Discord") {
			t.Errorf("%v: error %v, want the store in use, and to make changes in Discord\n%s", args, err, out)
		}
	}
	for _, c := range srv.Calls() {
		if c.Mutating {
			t.Errorf("a write while the store is held: %s", c.Operation)
		}
	}
}
