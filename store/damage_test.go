package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fillStore writes a store with changes, audit records and enough stops to
// span many pages, closes it and returns its path and bytes.
func fillStore(t testing.TB) (string, []byte) {
	t.Helper()
	s, _, path := openTest(t)
	for i := range 3 {
		if err := s.CreateChange(newChange(fmt.Sprintf("chg%05d", i), fmt.Sprintf("svc%d", i), t0)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Audit(AuditRecord{Event: "request", ChangeID: fmt.Sprintf("chg%05d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		r := StopRecord{TaskArn: fmt.Sprintf("arn:aws:ecs:task/prod/%032d", i), Cluster: "prod", Service: "api",
			StoppedAt: t0.Add(time.Duration(i) * time.Second), StoppedReason: strings.Repeat("Essential container in task exited ", 20)}
		if _, err := s.RecordStop(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// TestDamagedFile is the fault table for a damaged store file: every
// open, read-only or not, and Check refuse it with what is wrong and what
// to do, never panic, and leave the file byte for byte as it was.
func TestDamagedFile(t *testing.T) {
	_, good := fillStore(t)
	page := 4096
	if m, err := readMeta(bytes.NewReader(good), 0); err == nil {
		page = int(m.pageSize)
	}
	random := make([]byte, len(good))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	freelistZapped := bytes.Clone(good)
	if m, err := readMeta(bytes.NewReader(good), int64(page)); err == nil {
		// Page 5 named free twice, or the id past the end: the freelist
		// panic the issue saw.
		m0, _ := readMeta(bytes.NewReader(good), 0)
		if m0.txid > m.txid {
			m = m0
		}
		off := int(m.freelist)*page + pageHeaderSize
		for i := range 3 {
			copy(freelistZapped[off+8*i:], []byte{0xff, 0xff, 0, 0, 0, 0, 0, 0})
		}
		freelistZapped[int(m.freelist)*page+10] = 3 // count
	}
	tests := []struct {
		name string
		data []byte
		want string // in the message
	}{
		{"0 bytes", nil, "empty (0 bytes)"},
		{"truncated to 100 bytes", good[:100], "truncated"},
		{"truncated to one page", good[:page], "truncated"},
		{"truncated to two pages", good[:2*page], "truncated"},
		{"truncated to half", good[:len(good)/2], "truncated"},
		{"truncated by one page of data", good[:hwm(t, good)-page], "truncated"},
		{"truncated inside a page", good[:len(good)/2+17], "truncated"},
		{"random bytes", random, "not an ecsmedic store"},
		{"text", bytes.Repeat([]byte("not a store "), 4000), "not an ecsmedic store"},
		{"freelist out of range", freelistZapped, "free pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ecsmedic.db")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			check := func(what string, err error) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s: no error, want the file refused", what)
				}
				if !errors.Is(err, ErrDamaged) {
					t.Errorf("%s: %v is not ErrDamaged", what, err)
				}
				for _, w := range []string{tt.want, path, "store restore", "move the file aside"} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: %q does not say %q", what, err, w)
					}
				}
			}
			s, err := Open(path, Options{Timeout: 100 * time.Millisecond})
			if err == nil {
				_ = s.Close()
			}
			check("Open", err)
			s, err = Open(path, Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
			if err == nil {
				_ = s.Close()
			}
			check("Open read-only", err)
			_, err = Check(path, 100*time.Millisecond)
			check("Check", err)
			_, _, err = Restore(path, filepath.Join(t.TempDir(), "restored.db"), 100*time.Millisecond)
			check("Restore from it", err)
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, tt.data) {
				t.Errorf("the damaged file was changed (%d bytes, was %d)", len(after), len(tt.data))
			}
			if _, err := os.Stat(path + ".pid"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a .pid file was left beside a refused store: %v", err)
			}
		})
	}
}

// hwm is the high water mark of a store's bytes: where its data ends.
func hwm(t testing.TB, b []byte) int {
	t.Helper()
	m, err := readMeta(bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	if m1, err := readMeta(bytes.NewReader(b), int64(m.pageSize)); err == nil && m1.txid > m.txid {
		m = m1
	}
	return int(m.pgid * m.pageSize)
}

// TestTruncatedSlack: bbolt grows its file ahead of the data; cutting
// only that unused tail loses nothing, and the store opens.
func TestTruncatedSlack(t *testing.T) {
	path, good := fillStore(t)
	end := hwm(t, good)
	if end >= len(good) {
		t.Skipf("no slack: high water mark %d, file %d", end, len(good))
	}
	if err := os.WriteFile(path, good[:end], 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(path, time.Second)
	if err != nil || !rep.OK() {
		t.Fatalf("Check: %+v, %v", rep, err)
	}
	if rep.Records["stops"] != 100 || rep.Records["changes"] != 3 {
		t.Errorf("records %v, want 100 stops and 3 changes", rep.Records)
	}
}

// putRaw writes a raw value into a closed store, as damage would.
func putRaw(t *testing.T, path string, bucket []byte, key, value []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, value) }); err != nil {
		t.Fatal(err)
	}
}

// TestBadRecord: one record that does not decode is skipped by every list
// (and reported once), asked for by name gives ErrDamaged, and blocks
// nothing else.
func TestBadRecord(t *testing.T) {
	path, _ := fillStore(t)
	putRaw(t, path, bucketChanges, []byte("broken01"), []byte(`{"id":"broken01","status":`))
	putRaw(t, path, bucketAudit, seqKey(99), []byte(`not json`))
	putRaw(t, path, bucketStops, []byte("arn:aws:ecs:task/prod/"+fmt.Sprintf("%032d", 7)), []byte(`{"cluster":1}`))

	s, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	cs, err := s.Changes(ChangeFilter{Statuses: []Status{StatusPending}})
	if err != nil || len(cs) != 3 {
		t.Fatalf("Changes: %d changes, %v; want the 3 good ones", len(cs), err)
	}
	if _, err := s.Change("broken01"); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "store check") {
		t.Errorf("Change(broken01): %v, want ErrDamaged naming `store check`", err)
	}
	if _, err := s.Transition("broken01", []Status{StatusPending}, StatusApproved, nil); !errors.Is(err, ErrDamaged) {
		t.Errorf("Transition(broken01): %v, want ErrDamaged", err)
	}
	if c, err := s.Transition("chg00001", []Status{StatusPending}, StatusApproved, nil); err != nil || c.Status != StatusApproved {
		t.Errorf("approving another change: %+v, %v", c, err)
	}
	if err := s.LockService("prod", "svc1", "chg00001"); err != nil {
		t.Errorf("locking another service: %v", err)
	}
	if log, err := s.AuditLog(time.Time{}, 0); err != nil || len(log) != 3 {
		t.Errorf("AuditLog: %d records, %v; want the 3 good ones", len(log), err)
	}
	if stops, err := s.Stops("prod", "api", time.Time{}); err != nil || len(stops) != 99 {
		t.Errorf("Stops: %d, %v; want 99", len(stops), err)
	}
	// ECS reporting the damaged stop again replaces it.
	badArn := "arn:aws:ecs:task/prod/" + fmt.Sprintf("%032d", 7)
	if isNew, err := s.RecordStop(StopRecord{TaskArn: badArn, Cluster: "prod", Service: "api", StoppedAt: t0.Add(7 * time.Second)}); err != nil || !isNew {
		t.Errorf("RecordStop over the damaged stop: new %v, %v", isNew, err)
	}
	if r, err := s.Stop(badArn); err != nil || r.Cluster != "prod" {
		t.Errorf("the replaced stop: %+v, %v", r, err)
	}
	if _, err := s.Prune(t0.Add(time.Hour)); err != nil {
		t.Errorf("Prune: %v", err)
	}
	skipped := s.Skipped()
	var got []string
	for _, b := range skipped {
		got = append(got, b.Bucket+"/"+b.Key)
	}
	want := []string{"audit/99", "changes/broken01", "stops/arn:aws:ecs:task/prod/" + fmt.Sprintf("%032d", 7)}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Skipped = %v, want %v", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || len(rep.Bad) != 2 {
		// Prune removed the old stops, the bad one with them.
		t.Errorf("Check: problems %v, bad %v; want the bad change and audit record", rep.Problems, rep.Bad)
	}
	// The bad change was kept: it may yet be repaired by hand.
	if rep.Records["changes"] != 3 {
		t.Errorf("readable changes %d, want 3", rep.Records["changes"])
	}
}

// TestBackupRestore: a backup taken while the store is open is complete;
// restore refuses while the store is open, then puts it back and keeps
// the replaced file.
func TestBackupRestore(t *testing.T) {
	path, _ := fillStore(t)
	s, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(backup); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if err := Backup(path, backup, 50*time.Millisecond); !errors.Is(err, ErrInUse) {
		t.Errorf("Backup of a store in use: %v, want ErrInUse", err)
	}
	if _, _, err := Restore(backup, path, 50*time.Millisecond); !errors.Is(err, ErrInUse) {
		t.Errorf("Restore over a store in use: %v, want ErrInUse", err)
	}
	if _, err := s.Transition("chg00000", nil, StatusCancelled, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil { // the store is lost
		t.Fatal(err)
	}
	aside, rep, err := Restore(backup, path, time.Second)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if rep.Records["changes"] != 3 || rep.Records["stops"] != 100 {
		t.Errorf("restored records %v", rep.Records)
	}
	if fi, err := os.Stat(aside); err != nil || fi.Size() != 0 {
		t.Errorf("the replaced file %s: %v, %v", aside, fi, err)
	}
	s, err = Open(path, Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("Open after Restore: %v", err)
	}
	defer s.Close()
	if c, err := s.Change("chg00000"); err != nil || c.Status != StatusPending {
		t.Errorf("restored change: %+v, %v; want it pending, as in the backup", c, err)
	}
}

// TestReadOnlyNeverCreates: a read-only open of a missing store creates
// nothing.
func TestReadOnlyNeverCreates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "ecsmedic.db")
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open of a missing store: %v, want ErrNotExist", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("read-only Open created %v", entries)
	}
}

// TestDamagedPages: random bytes over the data pages, behind a sound
// header, pass the check on open; reading them must still end in an
// error (bbolt's panic or a fault on the mapping, recovered), and Check
// must find them.
func TestDamagedPages(t *testing.T) {
	path, good := fillStore(t)
	m, err := readMeta(bytes.NewReader(good), 0)
	if err != nil {
		t.Fatal(err)
	}
	if m1, err := readMeta(bytes.NewReader(good), int64(m.pageSize)); err == nil && m1.txid > m.txid {
		m = m1
	}
	bad := bytes.Clone(good)
	rng := rand.New(rand.NewPCG(3, 4))
	ps := int(m.pageSize)
	for id := 2; id < int(m.pgid); id++ {
		if uint64(id) == m.root || uint64(id) == m.freelist {
			continue
		}
		for i := id * ps; i < (id+1)*ps; i++ {
			bad[i] = byte(rng.UintN(256))
		}
	}
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(path, time.Second)
	if err == nil && rep.OK() {
		t.Errorf("Check found nothing wrong in random pages")
	}
	s, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("Open: %v, want ErrDamaged", err)
		}
		return
	}
	defer s.Close()
	_, err1 := s.Changes(ChangeFilter{})
	_, err2 := s.Stops("prod", "api", time.Time{})
	_, err3 := s.AuditLog(time.Time{}, 0)
	if errors.Join(err1, err2, err3) == nil && len(s.Skipped()) == 0 {
		t.Errorf("reading random pages gave no error and skipped nothing")
	}
	for _, err := range []error{err1, err2, err3} {
		if err != nil && !errors.Is(err, ErrDamaged) {
			t.Errorf("%v, want ErrDamaged", err)
		}
	}
}
