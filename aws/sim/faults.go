package sim

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Fault is one --fail rule: which calls to answer with an injected error
// instead of running them.
type Fault struct {
	Service   string // "" matches any service
	Operation string
	From      int  // 1-based call number of that operation; 0 = every call
	Onward    bool // with From: that call and every later one
	Kind      string
}

// Fault kinds with a special meaning; any other kind is an error code.
const (
	FaultThrottle     = "throttle"
	Fault500          = "500"
	Fault503          = "503"
	FaultTimeout      = "timeout"
	FaultAccessDenied = "accessdenied"
	// FaultReset closes the connection without an answer and without
	// running the call: the client sees a connection reset and AWS is
	// unchanged.
	FaultReset = "reset"
	// FaultResetAfter runs the call (a write is applied) and then closes
	// the connection without an answer: the lost answer a client must not
	// mistake for a refusal.
	FaultResetAfter = "reset-after"
)

const faultExample = `expected e.g. DescribeServices@3=throttle, ecs:UpdateService=500 or GetMetricData@2+=timeout`

// ParseFault reads a --fail spec: [SERVICE:]OPERATION[@N|@N+][=KIND].
func ParseFault(spec string) (Fault, error) {
	bad := func(why string) (Fault, error) {
		return Fault{}, fmt.Errorf("--fail %q: %s; %s", spec, why, faultExample)
	}
	var f Fault
	rest := strings.TrimSpace(spec)
	if rest == "" {
		return bad("the spec is empty")
	}
	if i := strings.IndexByte(rest, '='); i >= 0 {
		f.Kind = strings.TrimSpace(rest[i+1:])
		rest = rest[:i]
		if f.Kind == "" {
			return bad("nothing after '='; name a kind (throttle, 500, 503, timeout, accessdenied, reset, reset-after) or an error code")
		}
		if !isWord(f.Kind) {
			return bad("the kind " + strconv.Quote(f.Kind) + " must be a single word such as throttle or ThrottlingException")
		}
	} else {
		f.Kind = Fault500
	}
	if k := strings.ToLower(f.Kind); k == FaultThrottle || k == FaultTimeout || k == FaultAccessDenied || k == FaultReset || k == FaultResetAfter {
		f.Kind = k
	}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		n := rest[i+1:]
		rest = rest[:i]
		if strings.HasSuffix(n, "+") {
			f.Onward = true
			n = strings.TrimSuffix(n, "+")
		}
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 {
			return bad("after '@' comes the call number, counting from 1 (like @3 or @2+)")
		}
		f.From = v
	}
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		f.Service = strings.ToLower(strings.TrimSpace(rest[:i]))
		rest = rest[i+1:]
		if f.Service == "cloudwatch" {
			f.Service = SvcCloudWatch
		}
		if f.Service == "elbv2" {
			f.Service = SvcELBv2
		}
		known := false
		for _, s := range []string{SvcECS, SvcLogs, SvcAppAutoScaling, SvcELBv2, SvcAutoScaling, SvcSTS, SvcCloudWatch} {
			known = known || s == f.Service
		}
		if !known {
			return bad("unknown service " + strconv.Quote(f.Service) + " (use ecs, logs, application-autoscaling, elasticloadbalancing, autoscaling, sts or monitoring)")
		}
	}
	f.Operation = strings.TrimSpace(rest)
	if f.Operation == "" {
		return bad("the operation name is missing")
	}
	if !isWord(f.Operation) {
		return bad("the operation " + strconv.Quote(f.Operation) + " must be an API name such as DescribeServices")
	}
	return f, nil
}

func isWord(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return s != ""
}

func (f Fault) String() string {
	s := f.Operation
	if f.Service != "" {
		s = f.Service + ":" + s
	}
	if f.From > 0 {
		s += "@" + strconv.Itoa(f.From)
		if f.Onward {
			s += "+"
		}
	}
	return s + "=" + f.Kind
}

// matches reports whether the n-th call (1-based) of service.op is hit.
func (f Fault) matches(service, op string, n int) bool {
	if f.Operation != op || (f.Service != "" && f.Service != service) {
		return false
	}
	switch {
	case f.From == 0:
		return true
	case f.Onward:
		return n >= f.From
	default:
		return n == f.From
	}
}

// queryServices speak awsQuery, whose error codes differ from the JSON ones.
func queryService(service string) bool {
	return service == SvcELBv2 || service == SvcAutoScaling || service == SvcSTS
}

// iamPrefix is the service prefix of IAM actions, as AccessDenied names it.
func iamPrefix(service string) string {
	if service == SvcCloudWatch {
		return "cloudwatch"
	}
	return service
}

// resets reports whether the fault closes the connection instead of
// answering.
func (f Fault) resets() bool { return f.Kind == FaultReset || f.Kind == FaultResetAfter }

// resetConn closes the request's connection without an answer. On TCP the
// close sends a RST (linger 0), so the client reads "connection reset by
// peer", as when a load balancer or NAT drops a connection.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// Not hijackable (HTTP/2): an aborted handler still drops the
		// stream without an answer.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// faultError is the error a fault answers with (not for timeout or reset).
func (s *Server) faultError(f Fault, service, op string) *APIError {
	query := queryService(service)
	switch f.Kind {
	case FaultThrottle:
		code := "ThrottlingException"
		if query || service == SvcCloudWatch {
			code = "Throttling"
		}
		return &APIError{Code: code, Message: "Rate exceeded", Status: http.StatusBadRequest}
	case Fault500:
		return &APIError{Code: "InternalFailure", Message: "We encountered an internal error. Please try again.", Status: http.StatusInternalServerError}
	case Fault503:
		return &APIError{Code: "ServiceUnavailable", Message: "The service is unavailable. Please try again shortly.", Status: http.StatusServiceUnavailable}
	case FaultAccessDenied:
		code := "AccessDeniedException"
		if query || service == SvcCloudWatch {
			code = "AccessDenied"
		}
		account := "000000000000"
		if s.w != nil && s.w.AccountID != "" {
			account = s.w.AccountID
		}
		return &APIError{Code: code, Status: http.StatusBadRequest, Message: fmt.Sprintf(
			"User: arn:aws:sts::%s:assumed-role/ecsmedic/session is not authorized to perform: %s:%s on resource: %s because no identity-based policy allows the %s:%s action",
			account, iamPrefix(service), op, s.arn(iamPrefix(service), "*"), iamPrefix(service), op)}
	}
	return &APIError{Code: f.Kind, Message: "Injected by --fail " + f.String(), Status: http.StatusBadRequest}
}
