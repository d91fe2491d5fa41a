package motocheck_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/mototest"
)

const (
	region  = "us-east-1"
	account = "123456789012" // moto's default account
)

// clients are the SDK clients of one endpoint, moto's or the simulator's.
type clients struct {
	name string // "moto" or "sim"
	ecs  *ecs.Client
	elb  *elasticloadbalancingv2.Client
	asg  *autoscaling.Client
	aas  *applicationautoscaling.Client
	cw   *cloudwatch.Client
	logs *cloudwatchlogs.Client

	tg  string // the ARN of target group "api", which moto makes up
	url string
}

func newClients(name, url string) *clients {
	cfg := aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: 30 * time.Second},
	}
	return &clients{
		name: name,
		url:  url,
		ecs:  ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = aws.String(url) }),
		elb:  elasticloadbalancingv2.NewFromConfig(cfg, func(o *elasticloadbalancingv2.Options) { o.BaseEndpoint = aws.String(url) }),
		asg:  autoscaling.NewFromConfig(cfg, func(o *autoscaling.Options) { o.BaseEndpoint = aws.String(url) }),
		aas:  applicationautoscaling.NewFromConfig(cfg, func(o *applicationautoscaling.Options) { o.BaseEndpoint = aws.String(url) }),
		// moto serves CloudWatch over awsQuery and awsJson 1.0 but not
		// the SDK's default, Smithy RPC v2 CBOR. Both sides use awsQuery,
		// so the simulator's query path is what gets compared.
		cw: cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
			o.BaseEndpoint = aws.String(url)
			o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
		}),
		logs: cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(url) }),
	}
}

// pair is moto and the simulator, to be sent the same calls.
type pair struct {
	moto, sim *clients
	server    *sim.Server
	now       time.Time // the world's present, also used for moto's data
}

func (p pair) both() []*clients { return []*clients{p.moto, p.sim} }

// newPair resets moto and starts a frozen simulator on testdata/world.yaml,
// moved so that its present is the current minute: moto rejects log events
// older than 14 days and keeps its own clock.
func newPair(t *testing.T) pair {
	t.Helper()
	url := mototest.URL(t)
	mototest.Reset(t, url)
	w, err := world.Load(filepath.Join("testdata", "world.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	w.Shift(now.Sub(w.Now))
	s := sim.New(w, sim.Options{Freeze: true})
	surl, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	sc := newClients("sim", surl)
	sc.tg = simTG
	return pair{moto: newClients("moto", url), sim: sc, server: s, now: now}
}

// failure is what an invalid request came back with.
type failure struct {
	Code   string
	Status int
}

func failureOf(err error) failure {
	if err == nil {
		return failure{}
	}
	f := failure{Code: errNotAPI.Error() + ": " + err.Error()}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		f.Code = ae.ErrorCode()
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		f.Status = re.HTTPStatusCode()
	}
	return f
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// step fails the test on a setup error: step(t, "what")(client.Op(...)).
func step(t *testing.T, what string) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
}

// cmpCase is one SDK call sent to moto and then to the simulator.
type cmpCase struct {
	name string
	call func(c context.Context, cl *clients) (any, error)
	// For a valid call: the accepted differences of shape, and an optional
	// check of values both sides must agree on.
	known known
	check func(t *testing.T, moto, sim any)
	// For an invalid call: what AWS answers, and accepted deviations per
	// side ("moto" or "sim") with the reason.
	fail *failure
	gaps map[string]string
}

// run sends each case, in order, to both sides; cases may change state
// that later cases read.
func run(t *testing.T, p pair, cases []cmpCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ctx(t)
			mo, merr := tc.call(c, p.moto)
			so, serr := tc.call(c, p.sim)
			if tc.fail != nil {
				checkFailure(t, tc.name, *tc.fail, merr, serr, tc.gaps)
				return
			}
			if merr != nil || serr != nil {
				t.Fatalf("moto: %v; sim: %v", merr, serr)
			}
			checkShape(t, tc.name, mo, so, tc.known)
			if tc.check != nil {
				tc.check(t, mo, so)
			}
		})
	}
}
