package commands

import (
	"errors"

	"github.com/ecsmedic/ecsmedic/commands/explain"
)

// errNoAWS is a router built without an AWS connection.
var errNoAWS = errors.New("no AWS connection is configured")

// clip is explain.Clip, the short name the commands' files use.
var clip = explain.Clip
