// Package aws is ecsmedic's AWS layer: the clients, the readers that gather a
// snapshot of a service or a cluster, the writers behind guarded changes and
// the wording of AWS errors for the student on call.
package aws

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/ecsmedic/ecsmedic/internal/loopback"
)

// Defaults for Config's zero values.
const (
	DefaultCallTimeout = 10 * time.Second
	DefaultMaxAttempts = 5
)

// CloudWatch wire protocols. The SDK speaks Smithy RPC v2 CBOR by default;
// some emulators only know the older two.
const (
	CloudWatchCBOR  = "cbor"
	CloudWatchQuery = "query"
	CloudWatchJSON  = "json"
)

// Config says how to reach AWS. Zero values mean the SDK's defaults.
type Config struct {
	Region     string
	Profile    string // a shared-config profile (~/.aws/config)
	RoleARN    string // a role to assume on top of the default credentials
	ExternalID string // the role's sts:ExternalId condition, if any
	Endpoint   string // overrides AWS_ENDPOINT_URL for every client

	CallTimeout time.Duration // per API operation, retries included; default 10s
	MaxAttempts int           // per API operation; default 5

	// CloudWatchProtocol is "" or "cbor" (the SDK default), "query" or
	// "json", for emulators that do not speak CBOR.
	CloudWatchProtocol string

	backoff retry.BackoffDelayer // tests: no waiting between retries
}

// Option changes a Config; for NewClientsForEndpoint and tests.
type Option func(*Config)

// WithCallTimeout sets Config.CallTimeout.
func WithCallTimeout(d time.Duration) Option { return func(c *Config) { c.CallTimeout = d } }

// WithMaxAttempts sets Config.MaxAttempts.
func WithMaxAttempts(n int) Option { return func(c *Config) { c.MaxAttempts = n } }

// WithCloudWatchProtocol sets Config.CloudWatchProtocol.
func WithCloudWatchProtocol(p string) Option { return func(c *Config) { c.CloudWatchProtocol = p } }

// WithRetryBackoff replaces the retry backoff, so that tests against a
// throttling simulator do not wait for real.
func WithRetryBackoff(b retry.BackoffDelayer) Option { return func(c *Config) { c.backoff = b } }

// Clients holds one client per AWS service ecsmedic uses.
type Clients struct {
	ECS            *ecs.Client
	CloudWatch     *cloudwatch.Client
	Logs           *cloudwatchlogs.Client
	ELB            *elasticloadbalancingv2.Client
	AutoScaling    *autoscaling.Client
	AppAutoScaling *applicationautoscaling.Client
	STS            *sts.Client
	// SQS reads the queue of task stops. It has the others' credentials,
	// retryer and observer, but no call timeout: a receive is a long poll.
	SQS    *sqs.Client
	Region string

	// Now is the present for default time windows; nil means time.Now. A
	// frozen simulated world sets it to the world's moment.
	Now func() time.Time

	transport *http.Transport
	observer  *atomic.Pointer[Observer]
}

// CloseIdleConnections closes the kept-alive connections, e.g. before a
// simulator shuts down (a connection dialled but never used would
// otherwise hold its shutdown for seconds).
func (c *Clients) CloseIdleConnections() {
	if c.transport != nil {
		c.transport.CloseIdleConnections()
	}
}

// CurrentTime is the present for these clients: the world's moment when a
// frozen simulated world set Now, else the clock's.
func (c *Clients) CurrentTime() time.Time { return c.now() }

func (c *Clients) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// NewClients builds the clients from the default credential chain
// (environment, shared files, ECS task role, EC2 instance role), an optional
// profile and an optional role to assume. An endpoint on this machine (the
// config's aws.endpoint or AWS_ENDPOINT_URL, such as `ecsmedic sim`) gets
// dummy keys instead: the credential chain, the profile and the instance
// metadata service are never asked, so a simulator run cannot reach for an
// account's credentials.
func NewClients(ctx context.Context, cfg Config, opts ...Option) (*Clients, error) {
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	ac, tr, err := cfg.sdk(ctx)
	if err != nil {
		return nil, err
	}
	c := cfg.build(ac)
	c.transport = tr
	return c, nil
}

// sdk is the SDK configuration cfg describes: dummy keys for a simulator
// or emulator on this machine, else the default credential chain and the
// profile, with the role assumed on top when cfg names one.
func (cfg *Config) sdk(ctx context.Context) (aws.Config, *http.Transport, error) {
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	var ac aws.Config
	var tr *http.Transport
	if loopback.URL(endpoint) {
		cfg.Endpoint = endpoint
		cfg.Region = cmp.Or(cfg.Region, os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
		if cfg.Region == "" {
			return aws.Config{}, nil, errNoRegion
		}
		ac, tr = cfg.static()
	} else {
		var err error
		if ac, err = cfg.load(ctx); err != nil {
			return aws.Config{}, nil, err
		}
		// Keep the transport the SDK built (custom CA bundle included)
		// within reach, for CloseIdleConnections.
		if b, ok := ac.HTTPClient.(*awshttp.BuildableClient); ok {
			tr = b.GetTransport()
			ac.HTTPClient = plainClient(tr)
		}
	}
	if cfg.RoleARN != "" {
		stsc := sts.NewFromConfig(ac, cfg.stsOptions)
		prov := stscreds.NewAssumeRoleProvider(stsc, cfg.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "ecsmedic"
			if cfg.ExternalID != "" {
				o.ExternalID = aws.String(cfg.ExternalID)
			}
		})
		ac.Credentials = aws.NewCredentialsCache(prov)
	}
	return ac, tr, nil
}

var errNoRegion = errors.New("no AWS Region is set: put region in the config's aws section, or set AWS_REGION (e.g. AWS_REGION=ap-northeast-2)")

// load reads the SDK's configuration: the default credential chain and
// the profile.
func (cfg *Config) load(ctx context.Context) (aws.Config, error) {
	var load []func(*config.LoadOptions) error
	if cfg.Region != "" {
		load = append(load, config.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(cfg.Profile))
	}
	load = append(load, config.WithRetryer(cfg.retryer))
	ac, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		if cfg.Profile != "" {
			return ac, fmt.Errorf("could not load the AWS profile %q: %w; check that it exists in ~/.aws/config (aws configure list-profiles)", cfg.Profile, err)
		}
		return ac, fmt.Errorf("could not load the AWS configuration: %w", err)
	}
	if ac.Region == "" {
		return ac, errNoRegion
	}
	return ac, nil
}

// static is the SDK configuration for a simulator or an emulator: dummy
// static keys and nothing read from the environment.
func (cfg *Config) static() (aws.Config, *http.Transport) {
	tr := awshttp.NewBuildableClient().GetTransport()
	return aws.Config{
		Region:      cfg.Region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("ecsmedic", "ecsmedic", "")),
		Retryer:     cfg.retryer,
		HTTPClient:  plainClient(tr),
	}, tr
}

// plainClient is an HTTP client on tr that, like the SDK's, does not follow
// redirects.
func plainClient(tr *http.Transport) *http.Client {
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// NewClientsForEndpoint builds clients for a simulator or an emulator at url,
// with dummy static credentials.
func NewClientsForEndpoint(url, region string, opts ...Option) *Clients {
	cfg := Config{Region: region, Endpoint: url}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	ac, tr := cfg.static()
	c := cfg.build(ac)
	c.transport = tr
	return c
}

func (cfg *Config) check() error {
	switch strings.ToLower(cfg.CloudWatchProtocol) {
	case "", CloudWatchCBOR, CloudWatchQuery, CloudWatchJSON:
	default:
		return fmt.Errorf("unknown CloudWatch protocol %q: use cbor (the default), query or json", cfg.CloudWatchProtocol)
	}
	if cfg.CallTimeout < 0 || cfg.MaxAttempts < 0 {
		return errors.New("the AWS call timeout and max attempts must not be negative")
	}
	return nil
}

// retryer is adaptive so that a throttled account slows down instead of
// hammering ECS's token bucket.
func (cfg *Config) retryer() aws.Retryer {
	attempts := cfg.MaxAttempts
	if attempts == 0 {
		attempts = DefaultMaxAttempts
	}
	return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = attempts
			if cfg.backoff != nil {
				so.Backoff = cfg.backoff
			}
		})
	})
}

func (cfg *Config) timeout() time.Duration {
	if cfg.CallTimeout == 0 {
		return DefaultCallTimeout
	}
	return cfg.CallTimeout
}

func (cfg *Config) stsOptions(o *sts.Options) {
	if cfg.Endpoint != "" {
		o.BaseEndpoint = aws.String(cfg.Endpoint)
	}
}

func (cfg *Config) build(ac aws.Config) *Clients {
	observer := &atomic.Pointer[Observer]{}
	ac.APIOptions = append(ac.APIOptions, func(s *middleware.Stack) error {
		if err := s.Initialize.Add(callTimeout{d: cfg.timeout()}, middleware.Before); err != nil {
			return err
		}
		// Innermost, so the clients that register their service id in a
		// middleware of their own have done so by then.
		return s.Initialize.Add(observeMiddleware{slot: observer}, middleware.After)
	})
	var base *string
	if cfg.Endpoint != "" {
		base = aws.String(cfg.Endpoint)
	}
	return &Clients{
		ECS: ecs.NewFromConfig(ac, func(o *ecs.Options) { setBase(&o.BaseEndpoint, base) }),
		CloudWatch: cloudwatch.NewFromConfig(ac, func(o *cloudwatch.Options) {
			setBase(&o.BaseEndpoint, base)
			switch strings.ToLower(cfg.CloudWatchProtocol) {
			case CloudWatchQuery:
				o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
			case CloudWatchJSON:
				o.Protocol = awsjson.New10(cwschemas.GraniteServiceVersion20100801)
			}
		}),
		Logs:           cloudwatchlogs.NewFromConfig(ac, func(o *cloudwatchlogs.Options) { setBase(&o.BaseEndpoint, base) }),
		ELB:            elasticloadbalancingv2.NewFromConfig(ac, func(o *elasticloadbalancingv2.Options) { setBase(&o.BaseEndpoint, base) }),
		AutoScaling:    autoscaling.NewFromConfig(ac, func(o *autoscaling.Options) { setBase(&o.BaseEndpoint, base) }),
		AppAutoScaling: applicationautoscaling.NewFromConfig(ac, func(o *applicationautoscaling.Options) { setBase(&o.BaseEndpoint, base) }),
		STS:            sts.NewFromConfig(ac, func(o *sts.Options) { setBase(&o.BaseEndpoint, base) }),
		SQS: sqs.NewFromConfig(ac, func(o *sqs.Options) {
			setBase(&o.BaseEndpoint, base)
			o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
				_, err := s.Initialize.Remove(callTimeout{}.ID())
				return err
			})
		}),
		Region:   ac.Region,
		observer: observer,
	}
}

func setBase(dst **string, base *string) {
	if base != nil {
		*dst = base
	}
}

// callTimeout puts a deadline on each operation (its retries included), so
// one stuck call fails on its own instead of holding up a whole gather.
type callTimeout struct{ d time.Duration }

func (callTimeout) ID() string { return "ecsmedic.CallTimeout" }

func (m callTimeout) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	cctx, cancel := context.WithTimeout(ctx, m.d)
	defer cancel()
	out, md, err := next.HandleInitialize(cctx, in)
	if err != nil && errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = &TimeoutError{After: m.d, Err: err}
	}
	return out, md, err
}

// TimeoutError is an operation that AWS did not answer within the call
// timeout.
type TimeoutError struct {
	After time.Duration
	Err   error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no answer within %s: %v", e.After, e.Err)
}

func (e *TimeoutError) Unwrap() error { return e.Err }
