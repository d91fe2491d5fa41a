//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often a wait for the file lock tries again (bbolt's own
// wait polls at the same rate).
const lockPoll = 50 * time.Millisecond

// withSharedLock runs fn on the file while holding a shared flock on it,
// the lock bbolt's readers take; bbolt's writer holds it exclusively. It
// waits up to timeout for a writer to let go, then returns ErrInUse.
func withSharedLock(path string, timeout time.Duration, fn func(path string) error) error {
	return withLock(path, syscall.LOCK_SH, timeout, fn)
}

// withExclusiveLock runs fn while no one else, reader or writer, has the
// file open through bbolt; it does not wait.
func withExclusiveLock(path string, fn func(path string) error) error {
	return withLock(path, syscall.LOCK_EX, 0, fn)
}

func withLock(path string, how int, timeout time.Duration, fn func(path string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening the store at %s: %w", path, err)
	}
	defer f.Close()
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("locking the store at %s: %w", path, err)
		}
		if !time.Now().Before(deadline) {
			return ErrInUse
		}
		time.Sleep(lockPoll)
	}
	defer func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }()
	return fn(path)
}
