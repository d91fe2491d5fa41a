package world

import "github.com/ecsmedic/ecsmedic/internal/yamlpos"

// Error is one problem in a world file, with where it is; the config file
// reports its problems in the same shape.
type Error = yamlpos.Error

// Errors is every problem found in one file, in file order.
type Errors = yamlpos.Errors
