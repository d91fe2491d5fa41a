package bot

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the bot's Prometheus metrics, in a registry of their own
// (no global state, so tests and several bots in one process do not mix).
type Metrics struct {
	reg         *prometheus.Registry
	commands    *prometheus.CounterVec
	seconds     *prometheus.HistogramVec
	awsCalls    *prometheus.CounterVec
	awsErrors   *prometheus.CounterVec
	gateway     prometheus.Gauge
	restRetries prometheus.Counter
}

// Command outcomes, the outcome label of ecsmedic_commands_total.
const (
	outcomeOK      = "ok"      // answered
	outcomeFailed  = "failed"  // answered with a problem: bad arguments, an AWS error
	outcomeTimeout = "timeout" // the command ran out of time
	outcomePanic   = "panic"   // a bug, answered with an apology
)

// NewMetrics makes the metrics and their registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecsmedic_commands_total", Help: "Chat commands answered, by command and outcome (ok, failed, timeout, panic).",
		}, []string{"command", "outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ecsmedic_command_seconds", Help: "Time to answer a chat command, AWS reads included.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 45, 90},
		}, []string{"command"}),
		awsCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecsmedic_aws_calls_total", Help: "AWS API calls (HTTP attempts), by AWS service.",
		}, []string{"service"}),
		awsErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecsmedic_aws_errors_total", Help: "AWS API calls that failed (HTTP status >= 400 or no answer), by AWS service.",
		}, []string{"service"}),
		gateway: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ecsmedic_gateway_connected", Help: "1 while the Discord gateway is connected and READY, else 0.",
		}),
		restRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ecsmedic_discord_rest_retries_total", Help: "Discord REST answers that make the client retry (429 rate limited, 502).",
		}),
	}
	m.reg.MustRegister(m.commands, m.seconds, m.awsCalls, m.awsErrors, m.gateway, m.restRetries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *Metrics) observeCommand(command, outcome string, d time.Duration) {
	m.commands.WithLabelValues(command, outcome).Inc()
	m.seconds.WithLabelValues(command).Observe(d.Seconds())
}

// AWSTransport counts the AWS calls made through next, by the service in
// their SigV4 credential scope.
//
// TODO(aws): aws.Clients builds its own http.Client and keeps the
// transport unexported, so nothing wraps it yet: an aws.Option such as
// WithTransport(func(http.RoundTripper) http.RoundTripper) applied in
// clients.go would let runBot pass this in. Until then the two AWS
// counters stay at zero.
func (m *Metrics) AWSTransport(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		svc := awsService(req)
		m.awsCalls.WithLabelValues(svc).Inc()
		resp, err := next.RoundTrip(req)
		if err != nil || resp.StatusCode >= 400 {
			m.awsErrors.WithLabelValues(svc).Inc()
		}
		return resp, err
	})
}

// awsService reads the service from a SigV4 Authorization header:
// "... Credential=AKID/20240101/ap-northeast-2/ecs/aws4_request, ...".
func awsService(req *http.Request) string {
	auth := req.Header.Get("Authorization")
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "unknown"
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return "unknown"
	}
	return parts[3]
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
