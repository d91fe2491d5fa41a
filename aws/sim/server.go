package sim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// maxHold caps how long a timeout fault holds a request, in case the
// client never gives up.
const maxHold = 5 * time.Minute

// New makes a simulator serving a copy of w. Unless opts.Freeze, every
// timestamp is shifted so that the world's Now is the present on the wall
// clock, which makes a captured incident look like it just happened.
func New(w *world.World, opts Options) *Server {
	if w == nil {
		w = &world.World{}
	}
	s := &Server{
		opts:    opts,
		w:       w.Clone(),
		seq:     map[string]int{},
		closing: make(chan struct{}),
	}
	if opts.Freeze {
		s.frozen = s.w.Now
	} else {
		now := s.clock()
		if !s.w.Now.IsZero() {
			s.shift = now.Sub(s.w.Now)
			s.w.Shift(s.shift)
		}
		s.w.Now = now
	}
	s.serveAccounts(w, opts)
	return s
}

func (s *Server) clock() time.Time {
	if s.opts.Clock != nil {
		return s.opts.Clock()
	}
	return time.Now()
}

// Now is the simulated present: the world's Now when frozen, else the
// wall clock.
func (s *Server) Now() time.Time {
	if s.opts.Freeze {
		return s.frozen
	}
	return s.clock()
}

// Shift is how far New moved the world's times (0 when frozen).
func (s *Server) Shift() time.Duration { return s.shift }

// World returns a copy of the current state, with the changes mutating
// calls made and times as served (shifted), e.g. for --save.
func (s *Server) World() *world.World {
	s.wmu.RLock()
	defer s.wmu.RUnlock()
	return s.w.Clone()
}

// ServeHTTP answers one AWS API call on whichever protocol it came in.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var placeErr *APIError
	if len(s.others) > 0 {
		var to *Server
		if to, placeErr = s.place(r); to != nil && to != s {
			to.ServeHTTP(w, r)
			return
		}
	}
	arrived := s.event.Add(1)
	start := time.Now()
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
	defer s.requestDone()
	reqID := newRequestID()
	rt, apiErr := route(r)
	if apiErr == nil && placeErr != nil {
		apiErr = placeErr
	}

	s.mu.Lock()
	s.nseq++
	call := Call{Seq: s.nseq, Service: rt.service, Operation: rt.op, Start: start, Arrived: arrived}
	op, known := operations[rt.service][rt.op]
	call.Mutating = known && op.mutating
	var fault *Fault
	if apiErr == nil {
		key := rt.service + "." + rt.op
		s.seq[key]++
		for i := range s.opts.Faults {
			if s.opts.Faults[i].matches(rt.service, rt.op, s.seq[key]) {
				fault = &s.opts.Faults[i]
				break
			}
		}
	}
	s.mu.Unlock()
	var out map[string]any
	switch {
	case apiErr != nil:
	case fault != nil && (fault.Kind == FaultTimeout || fault.Kind == FaultReset):
		call.Injected = true
	case fault != nil && fault.Kind != FaultResetAfter:
		call.Injected = true
		apiErr = s.faultError(*fault, rt.service, rt.op)
	case !known:
		apiErr = unknownOperation(rt)
	default:
		// reset-after runs the call; only its answer is lost.
		call.Injected = fault != nil
		unlock := s.lockWorld(worldLock(rt.service, rt.op, op))
		out, apiErr = s.run(op.handler, &Request{
			Service: rt.service, Operation: rt.op, Input: rt.input, Now: s.Now(), RequestID: reqID,
		})
		unlock()
	}

	if fault != nil && fault.resets() {
		call.ErrorCode = "ConnectionReset"
		call.End, call.Answered = time.Now(), s.event.Add(1)
		s.record(call)
		resetConn(w)
		return
	}
	if fault != nil && fault.Kind == FaultTimeout {
		s.hold(r.Context())
		call.Status, call.ErrorCode = http.StatusGatewayTimeout, "RequestTimeout"
		call.End, call.Answered = time.Now(), s.event.Add(1)
		s.record(call)
		http.Error(w, "held by --fail "+fault.String(), http.StatusGatewayTimeout)
		return
	}

	// Latency is served outside the lock so that concurrent calls overlap,
	// as they would against AWS.
	if s.opts.Latency > 0 || s.settle.Load() {
		s.wait(r.Context(), max(s.opts.Latency, time.Nanosecond))
	}

	var body []byte
	var status int
	var encErr error
	if apiErr == nil {
		body, encErr = encodeOutput(rt, out, reqID)
		if encErr != nil {
			slog.Error("sim: cannot encode the answer", "service", rt.service, "operation", rt.op, "err", encErr)
			apiErr = &APIError{Code: "InternalFailure", Message: "the simulator could not encode its answer: " + encErr.Error(), Status: 500}
		}
	}
	if apiErr != nil {
		if apiErr.Status == 0 {
			apiErr.Status = http.StatusBadRequest
		}
		body = encodeError(w.Header(), rt, apiErr, reqID)
		status = apiErr.Status
		call.ErrorCode = apiErr.Code
	} else {
		status = http.StatusOK
		setContentType(w.Header(), rt.wire)
	}
	call.Status = status
	// Answered is taken before the answer is written, so a call the client
	// makes after reading it always arrives later: RoundTrips counts the
	// two as sequential.
	call.End, call.Answered = time.Now(), s.event.Add(1)
	s.record(call)

	w.Header().Set("X-Amzn-Requestid", reqID)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// How a call holds the world's lock.
type lockKind int

const (
	lockRead  lockKind = iota // shared with other reads
	lockWrite                 // alone
	lockNone                  // reads only what no call changes
)

// readsThatWrite are operations that do not change AWS for the caller but
// do change the simulator's state: DescribeServices moves a service the
// scheduler is working on one step (ecs_deploy.go), AssumeRole counts the
// credentials it makes up.
var readsThatWrite = map[string]bool{SvcECS + ".DescribeServices": true, SvcSTS + ".AssumeRole": true}

// immutableReads read only the metrics, which no call changes.
var immutableReads = map[string]bool{
	SvcCloudWatch + ".GetMetricData": true, SvcCloudWatch + ".GetMetricStatistics": true, SvcCloudWatch + ".ListMetrics": true,
}

func worldLock(service, name string, op operation) lockKind {
	key := service + "." + name
	switch {
	case op.mutating || readsThatWrite[key]:
		return lockWrite
	case immutableReads[key]:
		return lockNone
	}
	return lockRead
}

// lockWorld takes the world's lock as k says and returns its release.
func (s *Server) lockWorld(k lockKind) (unlock func()) {
	switch k {
	case lockWrite:
		s.wmu.Lock()
		return s.wmu.Unlock
	case lockRead:
		s.wmu.RLock()
		return s.wmu.RUnlock
	}
	return func() {}
}

// run calls a handler, turning a panic or a plain error into a 500 so a
// bug in one operation cannot take the simulator down.
func (s *Server) run(h Handler, req *Request) (out map[string]any, apiErr *APIError) {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("sim: handler panicked", "service", req.Service, "operation", req.Operation, "panic", p, "stack", string(debug.Stack()))
			out, apiErr = nil, &APIError{Code: "InternalFailure", Message: fmt.Sprintf("the simulator's %s handler crashed: %v", req.Operation, p), Status: 500}
		}
	}()
	out, err := h(s, req)
	if err == nil {
		return out, nil
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return nil, ae
	}
	slog.Error("sim: handler failed", "service", req.Service, "operation", req.Operation, "err", err)
	return nil, &APIError{Code: "InternalFailure", Message: err.Error(), Status: 500}
}

// hold blocks a timed-out call until the client gives up, the simulator
// closes, or maxHold passes.
func (s *Server) hold(ctx context.Context) {
	t := time.NewTimer(maxHold)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-s.closing:
	case <-t.C:
	}
}

// wait serves latency, cut short when the client leaves.
func (s *Server) wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-s.closing:
	case <-t.C:
	}
}

func encodeOutput(rt routed, out map[string]any, reqID string) ([]byte, error) {
	switch rt.wire {
	case wireJSON10, wireJSON11:
		return encodeJSON(out)
	case wireCBOR:
		return encodeCBOR(out)
	case wireQuery:
		return encodeQuery(rt.service, rt.op, out, reqID)
	}
	return nil, fmt.Errorf("no protocol to answer in")
}

func setContentType(h http.Header, p wire) {
	switch p {
	case wireJSON10:
		h.Set("Content-Type", "application/x-amz-json-1.0")
	case wireJSON11:
		h.Set("Content-Type", "application/x-amz-json-1.1")
	case wireCBOR:
		h.Set("Content-Type", "application/cbor")
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
	case wireQuery:
		h.Set("Content-Type", "text/xml")
	}
}

// encodeError writes the headers and returns the body of an error in the
// shape of the request's protocol.
func encodeError(h http.Header, rt routed, e *APIError, reqID string) []byte {
	setContentType(h, rt.wire)
	if rt.service == SvcCloudWatch && rt.wire != wireQuery {
		// CloudWatch is awsQueryCompatible: SDKs take the code from here.
		h.Set("X-Amzn-Query-Error", e.Code+";"+faultType(e.Status))
	}
	switch rt.wire {
	case wireJSON10, wireJSON11:
		h.Set("X-Amzn-Errortype", e.Code)
		return jsonError(e)
	case wireCBOR:
		return cborError(rt.service, e)
	case wireQuery:
		return queryError(rt.service, e, reqID)
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Errortype", e.Code)
	return jsonError(e)
}

func faultType(status int) string {
	if status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// newRequestID returns a random UUID-shaped id, as AWS's request ids are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Listen serves on addr (empty: a free loopback port) in the background
// and returns the base URL to give SDKs as their endpoint. It refuses a
// non-loopback address unless Options.AllowRemote: the simulator has no
// authentication.
func (s *Server) Listen(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("sim: listen address %q is not HOST:PORT (e.g. 127.0.0.1:4566): %w", addr, err)
	}
	if !s.opts.AllowRemote && !isLoopback(host) {
		return "", fmt.Errorf("sim: refusing to listen on %q: the simulator has no authentication and would serve its world, and accept changes, from anyone who can reach it; listen on 127.0.0.1:PORT, or allow remote access explicitly (AllowRemote / --allow-remote)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sim: cannot listen on %s: %w", addr, err)
	}
	s.serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// serve answers on ln in the background until Close.
func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.http = srv
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("sim: server stopped", "err", err)
		}
	}()
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Close stops serving: it releases calls held by timeout faults, lets
// calls in flight finish (for up to 5 seconds) and closes the listener.
func (s *Server) Close() error {
	s.once.Do(func() { close(s.closing) })
	s.mu.Lock()
	srv := s.http
	s.http = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	srv.SetKeepAlivesEnabled(false)
	s.mu.Lock()
	var wait chan struct{}
	if s.active > 0 {
		s.drained = make(chan struct{})
		wait = s.drained
	}
	s.mu.Unlock()
	if wait != nil {
		t := time.NewTimer(5 * time.Second)
		defer t.Stop()
		select {
		case <-wait:
		case <-t.C:
			_ = srv.Close()
			return fmt.Errorf("sim: calls were still running 5 s after closing began")
		}
	}
	// Nothing is being answered: what is left are idle or unused
	// connections, which can go at once.
	return srv.Close()
}

// requestDone ends a request's share of Close's wait.
func (s *Server) requestDone() {
	s.mu.Lock()
	s.active--
	if s.active == 0 && s.drained != nil {
		close(s.drained)
		s.drained = nil
	}
	s.mu.Unlock()
}

// plain turns a handler's output into the few types the encoders know:
// map[string]any, xmlMap, []any, string, bool, int64, uint64, float64,
// time.Time and nil. Other kinds of slices and maps (e.g. []string,
// []map[string]any) are converted by reflection; nil map values are
// dropped, as AWS leaves out absent members.
func plain(v any) any {
	switch v := v.(type) {
	case nil, string, bool, int64, float64, time.Time:
		return v
	case *time.Time:
		if v == nil {
			return nil
		}
		return *v
	case xmlMap:
		out := make(xmlMap, len(v))
		for k, e := range v {
			if e = plain(e); e != nil {
				out[k] = e
			}
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if e = plain(e); e != nil {
				out[k] = e
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plain(e)
		}
		return out
	case []byte:
		return string(v)
	case fmt.Stringer:
		if reflect.ValueOf(v).Kind() != reflect.Map && reflect.ValueOf(v).Kind() != reflect.Slice {
			return v.String()
		}
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint()
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return plain(rv.Elem().Interface())
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = plain(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return fmt.Sprint(v)
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			if e := plain(it.Value().Interface()); e != nil {
				out[it.Key().String()] = e
			}
		}
		return out
	}
	return fmt.Sprint(v)
}
