// Package store is ecsmedic's embedded store: guarded changes and their
// approvals, the per-service change lock, the append-only audit log, the
// history of stopped tasks (kept after AWS forgets them, about an hour after
// they stop) and a little key/value state for schedules.
//
// It is built on go.etcd.io/bbolt: a single-file, transactional (ACID),
// pure-Go embedded key/value store, maintained by the etcd project, that needs
// no server and no cgo, so the bot stays one static binary with one data file
// (storage.path in the config). Every method runs in its own bbolt
// transaction; write transactions are serialised by bbolt, which is what makes
// Transition, Claim, ClaimAnnouncement and LockService exactly-once across
// goroutines. bbolt also holds an exclusive lock on the file, so a second
// ecsmedic pointed at the same storage.path fails to open it (ErrInUse)
// instead of corrupting it or double-posting alerts.
//
// Records are stored as JSON (readable with the bbolt command-line tool).
// Keys are laid out for range scans:
//
//	changes       id                                        → Change
//	locks         cluster 0x00 service                      → change id
//	audit         seq (8 bytes, big-endian)                  → AuditRecord
//	stops         task ARN                                  → StopRecord
//	stops_by_svc  cluster 0x00 service 0x00 time(8) task ARN → (empty)
//	kv            key                                       → value
//	leases        name                                      → Lease
//
// where time is the stop's StoppedAt (else StoppingAt, else FirstSeen) as
// order-preserving big-endian nanoseconds.
package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors, for errors.Is. The errors returned wrap them with a message for
// people.
var (
	// ErrInUse: another process (most likely another ecsmedic) has the store
	// file open.
	ErrInUse = errors.New("store in use")
	// ErrNotFound: no such change, stop record or key.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change is not in a status the transition allows, or
	// the service is locked by another change.
	ErrConflict = errors.New("conflict")
	// ErrExists: a change with that id already exists.
	ErrExists = errors.New("already exists")
	// ErrDamaged: the store file, or one record in it, is damaged (a
	// *DamagedError or a *BadRecordError).
	ErrDamaged = errors.New("store damaged")
)

// DefaultTimeout is how long Open waits for the file lock when
// Options.Timeout is zero.
const DefaultTimeout = time.Second

// Options for Open.
type Options struct {
	// Timeout is how long to wait for the file lock held by another process;
	// zero or negative means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock (for tests); nil means time.Now.
	Now func() time.Time
	// ReadOnly opens an existing store for reading only: it never creates
	// the file, its directory or a .pid file, and shares the file with
	// other readers (not with a writer, such as the bot). A missing file
	// gives an error wrapping fs.ErrNotExist.
	ReadOnly bool
}

// Store is an open store. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	pidPath  string
	readOnly bool
	now      func() time.Time
	bad      badRecords
}

var (
	bucketChanges   = []byte("changes")
	bucketLocks     = []byte("locks")
	bucketAudit     = []byte("audit")
	bucketStops     = []byte("stops")
	bucketStopIndex = []byte("stops_by_svc")
	bucketKV        = []byte("kv")
	bucketLeases    = []byte("leases")
	allBuckets      = [][]byte{bucketChanges, bucketLocks, bucketAudit, bucketStops, bucketStopIndex, bucketKV}
	// laterBuckets came with later versions: a writer adds them, and a
	// store without them is still whole (a reader finds no records).
	laterBuckets = [][]byte{bucketLeases}
)

// DamagedError is a store file that cannot be used as it is: empty,
// truncated, overwritten or not a store at all. Open refuses it and leaves
// it as it is.
type DamagedError struct {
	Path string
	What string // what is wrong, for people
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("the store at %s (storage.path) is damaged: %s. ecsmedic left it as it is. "+
		"Restore a backup with `ecsmedic store restore BACKUP` (the bot keeps one at %s), "+
		"or move the file aside (mv %s %s.damaged) to start with an empty store: "+
		"pending approvals, the audit log and the stop history then start again from nothing",
		e.Path, e.What, BackupPath(e.Path), e.Path, e.Path)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// BackupPath is where the bot keeps its own backup of the store at path.
func BackupPath(path string) string { return path + ".bak" }

// Open opens the store at path, creating it (and its directory) if there is
// no file there yet, unless opts.ReadOnly. An existing file is checked
// first (checkHeader): an empty, truncated or foreign file is refused with
// a *DamagedError, never re-created. If another process has it open, Open
// waits up to opts.Timeout and then returns an error wrapping ErrInUse.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("no store path: set storage.path in the config")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	pidPath := path + ".pid"
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, fmt.Errorf("the store path %s (storage.path) is a directory: name a file in it, such as %s", path, filepath.Join(path, "ecsmedic.db"))
	case err == nil:
		// Check the header while holding a shared lock, so that a writer
		// (the bot) is not half-way through a commit: the lock also tells
		// who holds the store before bbolt waits for it.
		if err := withSharedLock(path, timeout, checkHeader); err != nil {
			return nil, inUse(err, path, pidPath, timeout)
		}
	case errors.Is(err, fs.ErrNotExist) && opts.ReadOnly:
		return nil, fmt.Errorf("there is no store at %s yet: %w", path, err)
	case errors.Is(err, fs.ErrNotExist):
		// First start: a fresh store.
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("creating the directory for the store at %s (storage.path): %w", path, err)
			}
		}
	default:
		return nil, fmt.Errorf("opening the store at %s (storage.path): %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: opts.ReadOnly})
	if err != nil {
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, inUse(err, path, pidPath, timeout)
		case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
			return nil, &DamagedError{Path: path, What: fmt.Sprintf("it is not an ecsmedic store, or its header is damaged (%v)", err)}
		default:
			return nil, fmt.Errorf("opening the store at %s (storage.path): %w", path, err)
		}
	}
	s := &Store{db: db, path: path, readOnly: opts.ReadOnly, now: now}
	if opts.ReadOnly {
		err = s.view(func(tx *bolt.Tx) error {
			for _, b := range allBuckets {
				if tx.Bucket(b) == nil {
					return fmt.Errorf("the store at %s has no %s records: it was made by an older ecsmedic; "+
						"let the bot or a change command open it once to bring it up to date", path, b)
				}
			}
			return nil
		})
	} else {
		err = s.update(func(tx *bolt.Tx) error {
			for _, b := range append(allBuckets, laterBuckets...) {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("preparing the store at %s: %w", path, err)
	}
	if !opts.ReadOnly {
		// Best effort: tell a second ecsmedic who holds the lock.
		s.pidPath = pidPath
		_ = os.WriteFile(pidPath, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	}
	return s, nil
}

// inUse words a lock timeout as ErrInUse, naming the holder from its .pid
// file; other errors pass through.
func inUse(err error, path, pidPath string, timeout time.Duration) error {
	if !errors.Is(err, berrors.ErrTimeout) && !errors.Is(err, ErrInUse) {
		return err
	}
	who := "another ecsmedic"
	if b, rerr := os.ReadFile(pidPath); rerr == nil {
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
			who = fmt.Sprintf("another ecsmedic (pid %d?)", pid)
		}
	}
	return fmt.Errorf("%w: the store at %s is in use by %s: waited %s for it. "+
		"Only one ecsmedic can use a storage.path at a time; stop the other one "+
		"(or the other replica of the service: run a single task), or give this one a different storage.path",
		ErrInUse, path, who, timeout)
}

// Close closes the store. It is safe to call more than once.
func (s *Store) Close() error {
	if s.pidPath == "" {
		return s.closeDB()
	}
	if b, err := os.ReadFile(s.pidPath); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		_ = os.Remove(s.pidPath)
	}
	return s.closeDB()
}

func (s *Store) closeDB() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing the store at %s: %w", s.path, err)
	}
	return nil
}

// Path is the file the store lives in.
func (s *Store) Path() string { return s.path }

// Size is the size of the store file in bytes.
func (s *Store) Size() (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}

func (s *Store) clock() time.Time { return s.now().UTC().Round(0) }

func put(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// timeKey encodes t as 8 bytes that sort like the times (zero time first).
func timeKey(t time.Time) []byte {
	var k [8]byte
	if !t.IsZero() {
		binary.BigEndian.PutUint64(k[:], uint64(t.UnixNano())^(1<<63))
	}
	return k[:]
}

func timeFromKey(k []byte) time.Time {
	u := binary.BigEndian.Uint64(k)
	if u == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(u^(1<<63))).UTC()
}

func join(parts ...string) []byte {
	return []byte(strings.Join(parts, "\x00"))
}
