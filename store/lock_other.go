//go:build !unix

package store

import "time"

// Without flock (Windows), bbolt's own lock is the only one: the header is
// checked without it.
func withSharedLock(path string, _ time.Duration, fn func(path string) error) error {
	return fn(path)
}

func withExclusiveLock(path string, fn func(path string) error) error { return fn(path) }
