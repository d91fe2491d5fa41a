package dynamo

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/store/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestExportImportRoundTrip moves a store from bbolt to DynamoDB (moto)
// and back: the records are the same, a change in flight holds its lock
// again, and an import run twice with --merge adds nothing.
func TestExportImportRoundTrip(t *testing.T) {
	clk := storetest.NewClock()
	src := openBolt(t, clk)
	must(t, src.CreateChange(store.Change{ID: "done0001", Kind: "scale-cpu", Cluster: "c", Service: "api", Status: store.StatusApplied,
		Approvals: []store.Approval{{By: "200", ByName: "bob", At: storetest.T0}}}))
	must(t, src.CreateChange(store.Change{ID: "live0001", Kind: "scale-count", Cluster: "c", Service: "web", Status: store.StatusApproved}))
	must(t, src.LockService("c", "web", "live0001"))
	for _, ev := range []string{"requested", "approved", "applied"} {
		_, err := src.Audit(store.AuditRecord{Event: ev, ChangeID: "done0001", Actor: "200"})
		must(t, err)
	}
	_, err := src.RecordStop(store.StopRecord{TaskArn: "arn:aws:ecs:r:1:task/c/t1", Cluster: "c", Service: "api", StoppedAt: storetest.T0, StopCode: "EssentialContainerExited"})
	must(t, err)
	_, err = src.ClaimAnnouncement("arn:aws:ecs:r:1:task/c/t1")
	must(t, err)
	must(t, src.Set("summary:2026-11-25", "posted"))

	var first bytes.Buffer
	n, err := store.Export(src, &first, clk.Now())
	must(t, err)
	if n.String() != "2 changes, 3 audit records, 1 stops, 1 schedule keys" {
		t.Errorf("exported %s", n)
	}
	ddb := openMoto(t, clk.Now)
	if _, err := store.Import(ddb, bytes.NewReader(first.Bytes()), store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if held, err := ddb.ServiceLock("c", "web"); err != nil || held != "live0001" {
		t.Errorf("the change in flight holds %q, %v; want its lock again", held, err)
	}
	if _, err := store.Import(ddb, bytes.NewReader(first.Bytes()), store.ImportOptions{}); !errors.Is(err, store.ErrNotEmpty) {
		t.Errorf("importing into a full store: %v, want ErrNotEmpty", err)
	}
	again, err := store.Import(ddb, bytes.NewReader(first.Bytes()), store.ImportOptions{Merge: true})
	must(t, err)
	if again.String() != "0 changes, 0 audit records, 0 stops, 0 schedule keys" {
		t.Errorf("a second merge added %s", again)
	}
	var second bytes.Buffer
	_, err = store.Export(ddb, &second, clk.Now())
	must(t, err)
	back := openBolt(t, clk)
	_, err = store.Import(back, bytes.NewReader(second.Bytes()), store.ImportOptions{})
	must(t, err)
	var third bytes.Buffer
	_, err = store.Export(back, &third, clk.Now())
	must(t, err)
	if diff := cmp.Diff(first.String(), second.String()); diff != "" {
		t.Errorf("bbolt → DynamoDB changed the records (-bbolt +dynamodb):\n%s", diff)
	}
	if diff := cmp.Diff(first.String(), third.String()); diff != "" {
		t.Errorf("back to bbolt changed the records:\n%s", diff)
	}
}

// TestImportDamaged: a damaged export changes nothing and says which line.
func TestImportDamaged(t *testing.T) {
	clk := storetest.NewClock()
	dst := openBolt(t, clk)
	for _, c := range []struct{ name, in, says string }{
		{"not an export", "hello\n", "not an ecsmedic export"},
		{"newer", `{"ecsmedicExport":9}` + "\n", "newer than this ecsmedic reads"},
		{"cut short", `{"ecsmedicExport":1}` + "\n" + `{"change":{"id":"a1b2c3d4","cluster":"c"}}` + "\n" + `{"audit":{"ev`, "line 3 of the export is damaged"},
	} {
		_, err := store.Import(dst, strings.NewReader(c.in), store.ImportOptions{})
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want it to say %q", c.name, err, c.says)
		}
	}
	if cs, _ := dst.Changes(store.ChangeFilter{}); len(cs) != 0 {
		t.Errorf("a damaged import wrote %d changes", len(cs))
	}
}

func openBolt(t *testing.T, clk *storetest.Clock) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "ecsmedic.db"), store.Options{Now: clk.Now, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
