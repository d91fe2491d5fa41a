package discordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Call is one REST request the fake received, with the status it answered.
type Call struct {
	Method string
	Path   string // e.g. "/api/v9/channels/123/messages"
	Query  string // the raw query, without "?"
	Header http.Header
	Body   []byte // the JSON payload; for multipart, the payload_json part
	Files  []File // the files[n] parts of a multipart request
	Status int
	At     time.Time // by Options.Clock
}

// File is a file part of a multipart request.
type File struct {
	Name, ContentType string
	Data              []byte
}

// rateLimit is one RateLimit instruction.
type rateLimit struct {
	method, prefix string
	left           int
	retryAfter     time.Duration
}

// apiError is Discord's JSON error body.
type apiError struct {
	status int
	Code   int            `json:"code"`
	Msg    string         `json:"message"`
	Errors map[string]any `json:"errors,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s (%d)", e.status, e.Msg, e.Code) }

func errNotFound() *apiError {
	return &apiError{status: http.StatusNotFound, Code: 0, Msg: "404: Not Found"}
}

func errUnknown(what string, code int) *apiError {
	return &apiError{status: http.StatusNotFound, Code: code, Msg: "Unknown " + what}
}

// Discord's JSON error codes used by the fake.
const (
	CodeUnknownChannel      = 10003
	CodeUnknownMessage      = 10008
	CodeUnknownWebhook      = 10015
	CodeUnknownCommand      = 10063
	CodeUnknownInteraction  = 10062
	CodeMissingAccess       = 50001
	CodeCannotEditOthers    = 50005
	CodeEmptyMessage        = 50006
	CodeInvalidWebhookToken = 50027
	CodeInvalidFormBody     = 50035
	CodeAlreadyAcknowledged = 40060
)

// request is a parsed REST request handed to route handlers.
type request struct {
	method string
	segs   []string // path segments after /api/vN/
	query  string
	body   []byte
	files  []File
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if isUpgrade(r) && (r.URL.Path == "/" || r.URL.Path == "") {
		s.serveGateway(w, r)
		return
	}
	// Read the body before anything else so it is recorded even when the
	// request is refused. 64 MiB is above Discord's upload limit.
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	call := Call{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.RawQuery,
		Header: r.Header.Clone(),
		Body:   raw,
		At:     s.now(),
	}
	status, hdr, resp := s.handleREST(r, raw, &call)
	call.Status = status

	s.mu.Lock()
	// Record before answering: when the client's call returns, the test sees
	// it in Calls() without waiting.
	s.calls = append(s.calls, call)
	s.notifyLocked()
	s.mu.Unlock()

	for k, vs := range hdr {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if resp == nil || status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// apiVersion strips "/api/vN/" and returns the rest, or false.
func apiPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/api/")
	if !ok {
		return "", false
	}
	v, rest, ok := strings.Cut(rest, "/")
	if !ok || (v != "v9" && v != "v10") {
		return "", false
	}
	return rest, true
}

// handleREST answers one REST request: status, extra headers and a JSON body.
func (s *Server) handleREST(r *http.Request, raw []byte, call *Call) (int, http.Header, any) {
	hdr := http.Header{}
	rest, ok := apiPath(r.URL.Path)
	if !ok {
		return fail(errNotFound())
	}
	req := &request{method: r.Method, segs: strings.Split(strings.Trim(rest, "/"), "/"), query: r.URL.RawQuery, body: raw}

	if ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && ct == "multipart/form-data" {
		body, files, err := parseMultipart(raw, params["boundary"])
		if err != nil {
			return fail(&apiError{status: 400, Code: CodeInvalidFormBody, Msg: "Invalid Form Body"})
		}
		req.body, req.files = body, files
		call.Body, call.Files = body, files
	}

	// Authentication: the bot token on every route except the public gateway
	// URL; on interaction and webhook-token routes, which Discord
	// authenticates by the token in the path, a header is optional but must
	// be right when present.
	auth := r.Header.Get("Authorization")
	public := len(req.segs) == 1 && req.segs[0] == "gateway"
	tokenRoute := len(req.segs) > 0 && (req.segs[0] == "interactions" || req.segs[0] == "webhooks")
	if !public && !(tokenRoute && auth == "") && auth != "Bot "+s.opts.Token {
		return fail(&apiError{status: http.StatusUnauthorized, Code: 0, Msg: "401: Unauthorized"})
	}

	if rl := s.takeRateLimit(r.Method, r.URL.Path); rl != nil {
		return s.tooManyRequests(rl)
	}
	for k, v := range okRateLimitHeaders(req) {
		hdr[k] = v
	}
	status, body, err := s.route(req)
	if err != nil {
		st, h, b := fail(err)
		for k, v := range h {
			hdr[k] = v
		}
		return st, hdr, b
	}
	return status, hdr, body
}

func fail(err error) (int, http.Header, any) {
	e, ok := err.(*apiError)
	if !ok {
		e = &apiError{status: 500, Msg: err.Error()}
	}
	return e.status, nil, e
}

func parseMultipart(raw []byte, boundary string) ([]byte, []File, error) {
	if boundary == "" {
		return nil, nil, fmt.Errorf("no boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(raw), boundary)
	var body []byte
	var files []File
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return body, files, nil
		}
		if err != nil {
			return nil, nil, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, err
		}
		switch name := p.FormName(); {
		case name == "payload_json":
			body = data
		case strings.HasPrefix(name, "files[") || strings.HasPrefix(name, "file"):
			files = append(files, File{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
		}
	}
}

// RateLimit makes the next `times` calls whose method matches (empty matches
// any) and whose path starts with pathPrefix (e.g. "/api/v9/channels/")
// answer 429 with Retry-After, retry_after and X-RateLimit-* as Discord does;
// later calls succeed. Instructions are consumed in the order given.
func (s *Server) RateLimit(method, pathPrefix string, times int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimits = append(s.rateLimits, &rateLimit{method: method, prefix: pathPrefix, left: times, retryAfter: retryAfter})
}

func (s *Server) takeRateLimit(method, path string) *rateLimit {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rl := range s.rateLimits {
		if rl.left > 0 && (rl.method == "" || strings.EqualFold(rl.method, method)) && strings.HasPrefix(path, rl.prefix) {
			rl.left--
			return rl
		}
	}
	return nil
}

func (s *Server) tooManyRequests(rl *rateLimit) (int, http.Header, any) {
	secs := rl.retryAfter.Seconds()
	h := http.Header{}
	// Retry-After is whole seconds, rounded up; the precise value is in the
	// body and in X-RateLimit-Reset-After, which discordgo reads.
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(s.now().Add(rl.retryAfter).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "fake-"+strconv.FormatUint(uint64(len(rl.prefix)), 16))
	h.Set("X-RateLimit-Scope", "user")
	return http.StatusTooManyRequests, h, map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": secs,
		"global":      false,
	}
}

// okRateLimitHeaders are the headers Discord sends on successful calls; a
// roomy bucket, so discordgo never waits because of them.
func okRateLimitHeaders(req *request) http.Header {
	if len(req.segs) > 0 && req.segs[0] == "gateway" {
		return nil
	}
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "50")
	h.Set("X-RateLimit-Remaining", "49")
	h.Set("X-RateLimit-Reset-After", "0.001")
	h.Set("X-RateLimit-Bucket", "fake")
	return h
}

// Calls returns every REST call so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// WaitCall blocks until a call, past or future, matches; it returns the
// first match.
func (s *Server) WaitCall(ctx context.Context, match func(Call) bool) (Call, error) {
	var found Call
	err := s.WaitFor(ctx, func() bool {
		for _, c := range s.Calls() {
			if match(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}

// route dispatches on the path segments.
func (s *Server) route(req *request) (int, any, error) {
	seg := req.segs
	n := len(seg)
	switch {
	case n == 1 && seg[0] == "gateway":
		return only(req, "GET", func() (int, any, error) {
			return 200, map[string]any{"url": s.GatewayURL()}, nil
		})
	case n == 2 && seg[0] == "gateway" && seg[1] == "bot":
		return only(req, "GET", func() (int, any, error) {
			return 200, map[string]any{
				"url":    s.GatewayURL(),
				"shards": 1,
				"session_start_limit": map[string]any{
					"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1,
				},
			}, nil
		})
	case n == 2 && seg[0] == "users" && seg[1] == "@me":
		return only(req, "GET", func() (int, any, error) { return 200, s.botUserJSON(), nil })
	case n == 3 && seg[0] == "users" && seg[1] == "@me" && seg[2] == "channels":
		return only(req, "POST", func() (int, any, error) { return s.createDM(req) })
	case n == 2 && seg[0] == "applications" && seg[1] == "@me":
		return only(req, "GET", func() (int, any, error) {
			return 200, map[string]any{
				"id": s.opts.ApplicationID, "name": s.opts.BotName, "description": "",
				"bot_public": false, "bot_require_code_grant": false, "flags": 0,
				"bot": s.botUserJSON(),
			}, nil
		})
	case n >= 3 && seg[0] == "applications" && seg[2] == "commands":
		return s.routeCommands(req, seg[1], "", seg[3:])
	case n >= 5 && seg[0] == "applications" && seg[2] == "guilds" && seg[4] == "commands":
		return s.routeCommands(req, seg[1], seg[3], seg[5:])
	case n == 2 && seg[0] == "channels":
		return only(req, "GET", func() (int, any, error) { return s.getChannel(seg[1]) })
	case n == 3 && seg[0] == "channels" && seg[2] == "typing":
		return only(req, "POST", func() (int, any, error) { return http.StatusNoContent, nil, nil })
	case n == 3 && seg[0] == "channels" && seg[2] == "messages":
		switch req.method {
		case "POST":
			return s.createChannelMessage(seg[1], req)
		case "GET":
			return s.listMessages(seg[1], req)
		}
		return methodNotAllowed()
	case n == 4 && seg[0] == "channels" && seg[2] == "messages":
		switch req.method {
		case "GET":
			return s.getMessage(seg[1], seg[3])
		case "PATCH":
			return s.editChannelMessage(seg[1], seg[3], req)
		case "DELETE":
			return s.deleteChannelMessage(seg[1], seg[3])
		}
		return methodNotAllowed()
	case n == 4 && seg[0] == "interactions" && seg[3] == "callback":
		return only(req, "POST", func() (int, any, error) { return s.interactionCallback(seg[1], seg[2], req) })
	case n == 3 && seg[0] == "webhooks":
		return only(req, "POST", func() (int, any, error) { return s.webhookExecute(seg[1], seg[2], req) })
	case n == 5 && seg[0] == "webhooks" && seg[3] == "messages":
		return s.webhookMessage(seg[1], seg[2], seg[4], req)
	}
	return 0, nil, errNotFound()
}

func only(req *request, method string, f func() (int, any, error)) (int, any, error) {
	if req.method != method {
		return methodNotAllowed()
	}
	return f()
}

func methodNotAllowed() (int, any, error) {
	return 0, nil, &apiError{status: http.StatusMethodNotAllowed, Code: 0, Msg: "405: Method Not Allowed"}
}

// formError builds Discord's 50035 "Invalid Form Body" with the nested
// errors object ({"content": {"_errors": [{code, message}]}}).
type formError struct{ errs map[string]any }

func (f *formError) add(path []string, code, msg string) {
	if f.errs == nil {
		f.errs = map[string]any{}
	}
	m := f.errs
	for _, p := range path {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	list, _ := m["_errors"].([]map[string]any)
	m["_errors"] = append(list, map[string]any{"code": code, "message": msg})
}

func (f *formError) err() error {
	if f.errs == nil {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, Code: CodeInvalidFormBody, Msg: "Invalid Form Body", Errors: f.errs}
}
