package commands

// ErrNotAChange is ParseChange's error for a name that is not a guarded
// change command, for a front-end that proposes changes (the MCP server).
var ErrNotAChange = errUnknownChange
