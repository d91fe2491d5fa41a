package bot

import (
	"fmt"
	"net/http"
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
	// otherInstance counts alerts seen from another instance of the bot.
	otherInstance prometheus.Counter
	// trims counts the times the bot gave freed memory back after a
	// burst of commands (trimmer).
	trims prometheus.Counter
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
		otherInstance: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ecsmedic_other_instance_seen_total", Help: "Alerts or summaries in the alerts channel posted by another ecsmedic instance (run exactly one).",
		}),
	}
	m.trims = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ecsmedic_memory_trims_total", Help: "Times the bot returned the memory a burst of commands freed to the system, once quiet.",
	})
	m.reg.MustRegister(m.commands, m.seconds, m.awsCalls, m.awsErrors, m.gateway, m.restRetries, m.otherInstance, m.trims,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Register adds a collector to the registry /metrics serves: the fleet's
// gauges (fleetmetrics), which main builds beside the bot.
func (m *Metrics) Register(c prometheus.Collector) error {
	if err := m.reg.Register(c); err != nil {
		return fmt.Errorf("adding metrics to /metrics: %w", err)
	}
	return nil
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *Metrics) observeCommand(command, outcome string, d time.Duration) {
	m.commands.WithLabelValues(command, outcome).Inc()
	m.seconds.WithLabelValues(command).Observe(d.Seconds())
}

// ObserveAWS counts one AWS operation; runBot hands it to the AWS clients
// (aws.Clients.Observe).
func (m *Metrics) ObserveAWS(service, operation string, _ time.Duration, err error) {
	m.awsCalls.WithLabelValues(service).Inc()
	if err != nil {
		m.awsErrors.WithLabelValues(service).Inc()
	}
}
