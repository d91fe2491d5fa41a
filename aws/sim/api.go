// Package sim serves a world file over the AWS wire protocols, so that the
// aws-sdk-go-v2 clients, the AWS CLI or any SDK can talk to it through
// AWS_ENDPOINT_URL. It is ecsmedic's stand-in for AWS in the demo, in tests
// and when replaying an incident.
package sim

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// Service ids are the SigV4 signing names, which every request carries in
// its Authorization header's credential scope.
const (
	SvcECS            = "ecs"
	SvcLogs           = "logs"
	SvcAppAutoScaling = "application-autoscaling"
	SvcELBv2          = "elasticloadbalancing"
	SvcAutoScaling    = "autoscaling"
	SvcSTS            = "sts"
	SvcCloudWatch     = "monitoring"
)

// Request is one decoded API call, independent of the wire protocol it came
// in on. Input keys are the member names of the operation's input shape.
// For awsQuery, scalar values arrive as strings; use the num/str/boolean
// helpers rather than type assertions.
type Request struct {
	Service   string
	Operation string
	Input     map[string]any
	Now       time.Time // the simulated present
	RequestID string
}

// Handler answers one operation. A mutating operation's handler holds the
// world's lock and may change s.w freely; the others hold it for reading
// (see worldLock), so calls that only read run side by side. It returns the output shape as a map
// (keys are the output member names; timestamps as time.Time) or an error;
// an *APIError is sent in the protocol's error shape, anything else as a
// 500 InternalFailure.
type Handler func(s *Server, r *Request) (map[string]any, error)

type operation struct {
	handler  Handler
	mutating bool
}

var operations = map[string]map[string]operation{}

// register adds an operation. Service files call it from init.
func register(service, op string, mutating bool, h Handler) {
	if operations[service] == nil {
		operations[service] = map[string]operation{}
	}
	if _, dup := operations[service][op]; dup {
		panic(fmt.Sprintf("sim: %s %s registered twice", service, op))
	}
	operations[service][op] = operation{handler: h, mutating: mutating}
}

// APIError is an error in AWS's shape: its code (the exception name for
// JSON and CBOR protocols, the error code for awsQuery), its message and
// HTTP status. Sender is false for server faults (5xx).
type APIError struct {
	Code    string
	Message string
	Status  int
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// errorf builds a 400 client error.
func errorf(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...), Status: 400}
}

// Call is one entry of the call log that tests and benchmarks read.
type Call struct {
	Seq       int
	Service   string
	Operation string
	Mutating  bool
	Start     time.Time // when the request arrived, by the time package's clock
	End       time.Time // when its answer was about to be written
	// Arrived and Answered place the request's arrival and its answer in
	// one order of events, for RoundTrips.
	Arrived, Answered int64
	Status            int    // 0 when the connection was reset without an answer
	ErrorCode         string // "" on success; "ConnectionReset" for a reset fault
	Injected          bool   // the answer came from --fail
}

// Options configure a simulator.
type Options struct {
	Latency time.Duration // added to every answer, outside the lock
	Faults  []Fault       // from --fail
	// Freeze keeps the world's own times: the present is the world's Now
	// for the whole run. Without it every timestamp is shifted so that the
	// world's Now becomes the wall-clock present at New.
	Freeze bool
	// Clock is the wall clock; nil means time.Now. Tests set it.
	Clock func() time.Time
	// AllowRemote lets Listen bind a non-loopback address. The simulator
	// has no authentication, so by default it only listens on loopback.
	AllowRemote bool
}

// Server is a running simulated AWS. Its state is the world, changed in
// memory by mutating calls. wmu guards the world (and ids, ecsBusy): reads
// share it, changes take it alone, and the metrics, which no call changes,
// are read without it. mu guards the rest: the call log, the fault counts
// and the HTTP server; it is never held while a handler runs.
type Server struct {
	opts Options

	wmu   sync.RWMutex
	w     *world.World
	shift time.Duration // added to world times at New (0 when frozen)
	ids   int           // counter for ids the simulator makes up

	metricsOnce sync.Once
	metrics     map[string]*world.Metric // by metricKey, built once

	mu    sync.Mutex
	calls []Call
	seq   map[string]int // calls so far per "service.Operation", for faults
	nseq  int            // calls started, for Call.Seq
	event atomic.Int64   // the last Call.Arrived or Call.Answered given

	// settle is set by ListenPipe: every answer then waits on the bubble's
	// clock, however small the latency (see ListenPipe).
	settle atomic.Bool

	frozen  time.Time     // the present when Options.Freeze
	closing chan struct{} // closed by Close, releases held (timeout) calls
	once    sync.Once
	http    *http.Server
	// active counts requests being answered; drained is closed when it
	// reaches zero after Close began. http.Server.Shutdown alone would
	// wait 5 s for pooled connections that never sent a request.
	active  int
	drained chan struct{}

	// ecsBusy holds the ARNs of services whose scheduler has work set in
	// motion by a call (see ecs_deploy.go); other services are left as
	// the world describes them, so that reads never change an incident.
	ecsBusy map[string]bool
	// scaledAt is when the clock last evaluated cluster scaling;
	// activities are the Auto Scaling activities the simulator made,
	// newest first (ecs_capacity_scaling.go). Both under wmu.
	scaledAt   time.Time
	activities []map[string]any
	live       liveMetrics // reservation points the simulator recorded (metrics_live.go)

	// others serve the world's other accounts and regions; root is the
	// server that holds them (accounts.go).
	others []*Server
	root   *Server
}
