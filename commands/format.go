package commands

import (
	"errors"

	"github.com/ecsmedic/ecsmedic/commands/explain"
)

// errNoAWS is a router built without an AWS connection.
var errNoAWS = errors.New("no AWS connection is configured")

// The formatting and the limits every reply shares live in explain, below
// the router, where the watcher draws its alerts too.
var (
	pct            = explain.Pct
	clock          = explain.Clock
	clip           = explain.Clip
	shortID        = explain.ShortID
	codeSafe       = explain.CodeSafe
	codeSafeInline = explain.CodeSafeInline
	codeBlock      = explain.CodeBlock
	shortARNs      = explain.ShortARNs
	bullets        = explain.Bullets
	fit            = explain.Fit
	fitAll         = explain.FitAll
	total          = explain.Total
)
