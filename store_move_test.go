package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/internal/mototest"
	"github.com/ecsmedic/ecsmedic/store"
)

// TestStoreMoveToDynamoDB is the README's migration, run as a person runs
// it: export the bbolt file, create the table (moto's DynamoDB), import,
// and read the records back from the table.
func TestStoreMoveToDynamoDB(t *testing.T) {
	url := mototest.URL(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "ecsmedic.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []store.Change{
		{ID: "done0001", Kind: "scale-cpu", Cluster: "codedang", Service: "backend", Status: store.StatusApplied},
		{ID: "live0001", Kind: "scale-count", Cluster: "codedang", Service: "frontend", Status: store.StatusApproved},
	} {
		if err := st.CreateChange(c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Audit(store.AuditRecord{Event: "approved", ChangeID: "done0001", Actor: "200"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordStop(store.StopRecord{TaskArn: "arn:aws:ecs:ap-northeast-2:1:task/codedang/t1", Cluster: "codedang", Service: "backend", StoppedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	cfg := filepath.Join(dir, "ecsmedic.yaml")
	yml := fmt.Sprintf("aws: {region: ap-northeast-2, cluster: codedang}\nservices: {backend: {}, frontend: {}}\n"+
		"storage: {engine: dynamodb, table: ecsmedic-move-%d, endpoint: %s}\n", os.Getpid(), url)
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		args     []string
		wantCode int
		says     string
	}{
		{[]string{"store", "export", "--path", db, "-o", "export.jsonl"}, 0, "Exported 2 changes, 1 audit records, 1 stops"},
		{[]string{"--config", cfg, "store", "create-table"}, 0, "is ready"},
		{[]string{"--config", cfg, "store", "import", "export.jsonl"}, 0, "Imported 2 changes, 1 audit records, 1 stops, 0 schedule keys into DynamoDB table"},
		{[]string{"--config", cfg, "store", "import", "export.jsonl"}, 1, "add --merge"},
		{[]string{"--config", cfg, "store", "import", "--merge", "export.jsonl"}, 0, "Imported 0 changes"},
		{[]string{"--config", cfg, "store", "check"}, 1, "point-in-time recovery"},
		{[]string{"--config", cfg, "store", "export", "-o", "back.jsonl"}, 0, "Exported 2 changes, 1 audit records, 1 stops"},
		{[]string{"--config", cfg, "store", "export", "-o", "back.jsonl"}, 1, "never overwrites"},
	}
	for _, s := range steps {
		r := ecsmedic(t, dir, s.args...)
		if r.code != s.wantCode || !strings.Contains(r.stdout+r.stderr, s.says) {
			t.Fatalf("ecsmedic %s: exit %d, want %d saying %q\n%s%s", strings.Join(s.args, " "), r.code, s.wantCode, s.says, r.stdout, r.stderr)
		}
	}
	a, _ := os.ReadFile(filepath.Join(dir, "export.jsonl"))
	b, _ := os.ReadFile(filepath.Join(dir, "back.jsonl"))
	_, a1, _ := strings.Cut(string(a), "\n") // the header holds the time
	_, b1, _ := strings.Cut(string(b), "\n")
	if a1 != b1 {
		t.Errorf("the table's export differs from the file's:\n%s\n---\n%s", a1, b1)
	}
}
