package sim

import (
	"fmt"
	"strings"
	"time"
)

// STS answers who the caller is, which ecsmedic's doctor command prints,
// and hands out fake credentials for AssumeRole.

func init() {
	register(SvcSTS, "GetCallerIdentity", false, stsGetCallerIdentity)
	register(SvcSTS, "AssumeRole", false, stsAssumeRole)
}

func (s *Server) account() string {
	if s.w != nil && s.w.AccountID != "" {
		return s.w.AccountID
	}
	return "000000000000"
}

func stsGetCallerIdentity(s *Server, r *Request) (map[string]any, error) {
	return map[string]any{
		"Account": s.account(),
		"Arn":     "arn:aws:sts::" + s.account() + ":assumed-role/ecsmedic-sim/session",
		"UserId":  "AROASIMULATOR000000000:session",
	}, nil
}

func stsAssumeRole(s *Server, r *Request) (map[string]any, error) {
	role := str(r.Input, "RoleArn")
	session := str(r.Input, "RoleSessionName")
	if role == "" || session == "" {
		return nil, errorf("ValidationError", "AssumeRole needs RoleArn and RoleSessionName")
	}
	secs := int64(3600)
	if n, ok, err := intOf(r.Input, "DurationSeconds"); err != nil {
		return nil, errorf("ValidationError", "%v", err)
	} else if ok {
		if n < 900 || n > 43200 {
			return nil, errorf("ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200", n)
		}
		secs = n
	}
	name := role
	if i := strings.LastIndexByte(role, '/'); i >= 0 {
		name = role[i+1:]
	}
	account := s.account()
	if len(s.all()) > 1 || s.root != nil {
		// A world of several accounts: the role must be in one of them,
		// and the session's key names it (accounts.go).
		w, ok := s.roleWorld(role)
		denied := errorf("AccessDenied", "User: arn:aws:sts::%s:assumed-role/ecsmedic-sim/session is not authorized to perform: sts:AssumeRole on resource: %s", s.account(), role)
		denied.Status = 403
		if !ok {
			return nil, denied
		}
		if w.ExternalID != "" && str(r.Input, "ExternalId") != w.ExternalID {
			return nil, denied
		}
		account = w.AccountID
	}
	s.ids++
	return map[string]any{
		"AssumedRoleUser": map[string]any{
			"Arn":           fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, name, session),
			"AssumedRoleId": "AROASIMULATOR000000000:" + session,
		},
		"Credentials": map[string]any{
			"AccessKeyId":     fmt.Sprintf("ASIASIM%012s%d", account, s.ids%10),
			"SecretAccessKey": "simulated-secret-access-key",
			"SessionToken":    "simulated-session-token",
			"Expiration":      r.Now.Add(time.Duration(secs) * time.Second),
		},
	}, nil
}
