package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxProblems is how many structural problems Check reports: past a few,
// the advice (restore a backup) is the same.
const maxProblems = 20

// Report is what Check found in a store.
type Report struct {
	Path string
	Size int64
	// Records counts the readable records by bucket (changes, audit, stops…).
	Records map[string]int
	// Bad are the records that cannot be read: lists skip them.
	Bad []BadRecordError
	// Problems are damage to the file's structure found by bbolt's full
	// check; the store should then be restored from a backup.
	Problems []string
}

// OK reports whether nothing is wrong.
func (r Report) OK() bool { return len(r.Bad) == 0 && len(r.Problems) == 0 }

// Check checks all of the store at path, reading only: its header (as Open
// does), every page (bbolt's consistency check) and every record. A file
// too damaged to open gives a *DamagedError; damage found inside is in the
// Report.
func Check(path string, timeout time.Duration) (Report, error) {
	s, err := Open(path, Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return Report{}, err
	}
	defer s.Close()
	return s.check()
}

func (s *Store) check() (Report, error) {
	rep := Report{Path: s.path, Records: map[string]int{}}
	// The records first, in this goroutine, where a fault on the mapping
	// is recovered (view): bbolt's check walks the same pages from a
	// goroutine of its own, where a fault would end the process.
	err := s.view(func(tx *bolt.Tx) error {
		rep.Size = tx.Size()
		for _, name := range append(allBuckets, laterBuckets...) {
			b := tx.Bucket(name)
			if b == nil && slices.ContainsFunc(laterBuckets, func(l []byte) bool { return bytes.Equal(l, name) }) {
				continue
			}
			if b == nil {
				rep.Problems = append(rep.Problems, fmt.Sprintf("the %s records are missing", name))
				continue
			}
			err := b.ForEach(func(k, v []byte) error {
				key, err := checkRecord(name, k, v)
				if err != nil {
					rep.Bad = append(rep.Bad, BadRecordError{Bucket: string(name), Key: key, Err: err})
				} else {
					rep.Records[string(name)]++
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		for err := range tx.Check() {
			if len(rep.Problems) < maxProblems {
				rep.Problems = append(rep.Problems, err.Error())
			}
		}
		return nil
	})
	return rep, err
}

// checkRecord reads one record as the store's methods do.
func checkRecord(bucket, k, v []byte) (key string, err error) {
	key = string(k)
	switch string(bucket) {
	case string(bucketChanges):
		err = json.Unmarshal(v, new(Change))
	case string(bucketAudit):
		if len(k) == 8 {
			key = strconv.FormatUint(binary.BigEndian.Uint64(k), 10)
		}
		err = json.Unmarshal(v, new(AuditRecord))
	case string(bucketStops):
		err = json.Unmarshal(v, new(StopRecord))
	case string(bucketStopIndex):
		if _, _, _, arn, ok := parseStopIndexKey(k); !ok {
			err = errors.New("not a stop index key")
		} else {
			key = arn
		}
	case string(bucketLeases):
		err = json.Unmarshal(v, new(Lease))
	case string(bucketLocks):
		if len(v) == 0 {
			err = errors.New("a lock held by no change")
		}
	}
	return key, err
}

// Backup writes a consistent copy of the open store to dst (a snapshot of
// one read transaction, so writes may go on meanwhile), replacing dst only
// once the copy is complete and on disk.
func (s *Store) Backup(dst string) error {
	return s.view(func(tx *bolt.Tx) error {
		return writeAtomically(dst, func(w io.Writer) error {
			_, err := tx.WriteTo(w)
			return err
		})
	})
}

// Backup copies the store at path to dst without a running ecsmedic: it
// opens the store for reading, which fails with ErrInUse while the bot has
// it (the bot keeps its own copy at BackupPath).
func Backup(path, dst string, timeout time.Duration) error {
	s, err := Open(path, Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Backup(dst); err != nil {
		return fmt.Errorf("writing the backup of %s to %s: %w", path, dst, err)
	}
	return nil
}

// Restore puts the backup in place of the store at path, after checking
// it, while no process has the store open. The file it replaces is kept
// beside it; aside names it ("" when there was none).
func Restore(backup, path string, timeout time.Duration) (aside string, rep Report, err error) {
	if _, err := os.Stat(backup); err != nil {
		return "", rep, fmt.Errorf("no backup to restore: %w", err)
	}
	rep, err = Check(backup, timeout)
	if err != nil {
		return "", rep, fmt.Errorf("the backup %s cannot be restored: %w", backup, err)
	}
	if len(rep.Problems) > 0 {
		return "", rep, fmt.Errorf("the backup %s is damaged (%s): restore an older backup", backup, rep.Problems[0])
	}
	put := func(string) error {
		return writeAtomically(path, func(w io.Writer) error {
			f, err := os.Open(backup)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		})
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", rep, err
		}
		return "", rep, put(path)
	}
	aside = path + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
	err = withExclusiveLock(path, func(string) error {
		// A hard link keeps the old file, and the rename in put swaps the
		// new one in: the path is never missing, so nothing re-creates it
		// empty meanwhile.
		if err := os.Link(path, aside); err != nil {
			return fmt.Errorf("keeping the current store aside as %s: %w", aside, err)
		}
		return put(path)
	})
	if errors.Is(err, ErrInUse) {
		return "", rep, fmt.Errorf("%w: %s is open in another ecsmedic (the bot?): stop it, then restore", err, path)
	}
	if err != nil {
		return "", rep, err
	}
	return aside, rep, nil
}

// writeAtomically writes dst through a temporary file beside it, synced
// before it is renamed into place.
func writeAtomically(dst string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), dst)
}
