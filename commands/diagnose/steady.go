package diagnose

import "time"

// Steady reports whether a service event's message says the service
// reached a steady state, read as the diagnosis reads events: the moment
// a post-mortem calls the service healthy again.
func Steady(msg string) bool { return parseEvent(time.Time{}, msg).Kind == evSteady }
