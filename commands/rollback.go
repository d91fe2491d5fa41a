package commands

import (
	"strconv"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
)

func rollbackCommand() command { return changeCommand("rollback") }

// RollbackRequest asks to go back to an earlier task definition revision.
type RollbackRequest struct {
	Service  string
	Revision int // 0 = the previous ACTIVE one
}

// Command is "rollback".
func (RollbackRequest) Command() string   { return "rollback" }
func (q RollbackRequest) service() string { return q.Service }

func (q RollbackRequest) request(target ServiceRef) (change.Request, error) {
	if q.Revision < 0 {
		return change.Request{}, badArg("usage.bad_revision", "Arg", strconv.Itoa(q.Revision))
	}
	return change.Request{Kind: change.KindRollback, Target: target, Value: q.Revision}, nil
}

// parseRollback reads `SERVICE [REVISION]`; REVISION is 42, backend:42 or
// an ARN.
func parseRollback(args []string) (ChangeRequest, error) {
	svc, args, err := serviceArg("rollback", args)
	q := RollbackRequest{Service: svc}
	if err != nil {
		return nil, err
	}
	switch len(args) {
	case 0:
		return q, nil
	case 1:
		s := args[0]
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			s = s[i+1:]
		}
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(s), "rev"))
		if err != nil || n < 1 {
			return q, badArg("usage.bad_revision", "Arg", clip(args[0], 60))
		}
		q.Revision = n
		return q, nil
	}
	return q, badArg("usage.unexpected", "Arg", clip(args[1], 40))
}
