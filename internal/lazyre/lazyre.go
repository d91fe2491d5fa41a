// Package lazyre compiles a regular expression when it is first used
// rather than at start-up. Every ecsmedic command runs the package inits of
// the whole binary, so a package-level regexp.MustCompile costs each
// command its compile (tens of microseconds to milliseconds) whether or
// not the command ever matches it.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns a function that compiles expr on its first call and gives
// every caller, from any goroutine, the same *regexp.Regexp. expr must be
// a constant that compiles, as for regexp.MustCompile: the package using
// it must have a test that matches with it.
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
