package sim

import (
	"net/http"
	"strings"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// A world with accounts (world.World.Accounts) is served by one server per
// account and region. Each request goes to the one its signature names:
// the region from the SigV4 credential scope, the account from the access
// key, which for credentials the simulator's AssumeRole handed out holds
// the role's account (ASIASIM + 12 digits + 1); any other key is the
// world's own account. docs/world-format.md, "Several accounts and
// regions".

// serveAccounts makes the servers of the world's other accounts.
func (s *Server) serveAccounts(w *world.World, opts Options) {
	s.w.Accounts = nil
	for _, a := range w.Accounts {
		sub := a.Clone()
		sub.Now = w.Now // one present for the whole world
		o := New(sub, opts)
		o.root = s
		s.others = append(s.others, o)
	}
}

// Account is the server of one account and region of the world (nil if
// there is none), for tests that read its calls.
func (s *Server) Account(account, region string) *Server {
	for _, o := range s.all() {
		if o.account() == account && o.w.Region == region {
			return o
		}
	}
	return nil
}

func (s *Server) all() []*Server {
	top := s
	if s.root != nil {
		top = s.root
	}
	return append([]*Server{top}, top.others...)
}

// place is the server a request is for.
func (s *Server) place(r *http.Request) (*Server, *APIError) {
	key, region := signedBy(r.Header.Get("Authorization"))
	account := s.account()
	if len(key) == 20 && strings.HasPrefix(key, "ASIASIM") {
		account = key[7:19]
	}
	var same []*Server
	for _, o := range s.all() {
		if o.account() == account {
			same = append(same, o)
		}
	}
	if len(same) == 0 {
		return nil, &APIError{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid.", Status: 400}
	}
	for _, o := range same {
		if o.w.Region == region {
			return o, nil
		}
	}
	if len(same) == 1 {
		return same[0], nil // an account in one region answers any, as a one-account world does
	}
	return nil, errorf("UnrecognizedClientException", "The simulated world has account %s, but not in region %q.", account, region)
}

// signedBy is the access key and region of a SigV4 Authorization header.
func signedBy(auth string) (key, region string) {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return "", ""
	}
	return parts[0], parts[2]
}

// roleWorld is the world of the account a role ARN names, and whether the
// simulated world has that account.
func (s *Server) roleWorld(roleARN string) (*world.World, bool) {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return nil, false
	}
	for _, o := range s.all() {
		if o.account() == parts[4] {
			return o.w, true
		}
	}
	return nil, false
}
