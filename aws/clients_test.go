package aws

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecsmedic/ecsmedic/aws/sim"
)

func TestNewClients(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		env       bool // endpoint through AWS_ENDPOINT_URL rather than Config
		faults    []string
		wantErr   string // from NewClients
		wantCall  string // from GetCallerIdentity, "" for success
		assumedAs string
	}{
		{name: "endpoint from the config", cfg: Config{Region: "ap-northeast-2"}},
		{name: "endpoint from AWS_ENDPOINT_URL", cfg: Config{Region: "ap-northeast-2"}, env: true},
		{name: "assumed role", cfg: Config{Region: "ap-northeast-2", RoleARN: "arn:aws:iam::111122223333:role/ecsmedic", ExternalID: "club"}},
		{name: "assume role refused", cfg: Config{Region: "ap-northeast-2", RoleARN: "arn:aws:iam::111122223333:role/ecsmedic"},
			faults:   []string{"AssumeRole=AccessDenied"},
			wantCall: "could not assume the configured role: AccessDenied: User: arn:aws:sts::111122223333:assumed-role/ecsmedic/session is not authorized to perform: sts:AssumeRole on resource: arn:aws:sts:ap-northeast-2:111122223333:* because no identity-based policy allows the sts:AssumeRole action; check the role ARN, its trust policy (it must trust the identity ecsmedic runs as) and the external id"},
		{name: "unknown CloudWatch protocol", cfg: Config{Region: "ap-northeast-2", CloudWatchProtocol: "xml"},
			wantErr: `unknown CloudWatch protocol "xml": use cbor (the default), query or json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := serveWorld(t, loadWorld(t, "backend137.yaml"), sim.Options{Faults: faults(t, tt.faults...)})
			// Only the environment's keys: no shared files of whoever runs
			// the tests.
			t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			t.Setenv("AWS_ENDPOINT_URL", "")
			if tt.env {
				t.Setenv("AWS_ENDPOINT_URL", url)
			} else {
				tt.cfg.Endpoint = url
			}
			c, err := NewClients(context.Background(), tt.cfg, WithRetryBackoff(noBackoff), WithMaxAttempts(1))
			if tt.wantErr != "" || err != nil {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("NewClients error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			defer c.CloseIdleConnections()
			id, err := c.STS.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if got := errString(Explain(err)); got != tt.wantCall {
				t.Errorf("GetCallerIdentity: got %q, want %q", got, tt.wantCall)
			}
			if err == nil && aws.ToString(id.Account) != "111122223333" {
				t.Errorf("answered by account %q, not the simulator's", aws.ToString(id.Account))
			}
			if c.Region != "ap-northeast-2" {
				t.Errorf("Region = %q", c.Region)
			}
		})
	}
}

func TestNewClientsNeedsRegion(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	_, err := NewClients(context.Background(), Config{})
	want := "no AWS Region is set: put region in the config's aws section, or set AWS_REGION (e.g. AWS_REGION=ap-northeast-2)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A simulator on this machine gets dummy keys: with no credentials in the
// environment, neither the credential chain nor the instance metadata
// service (here a local stand-in that counts probes) is asked.
func TestLoopbackEndpointNeverAsksForCredentials(t *testing.T) {
	var probes atomic.Int32
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probes.Add(1)
		http.NotFound(w, r)
	}))
	defer imds.Close()
	_, url := serveWorld(t, loadWorld(t, "backend137.yaml"), sim.Options{})
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": t.TempDir() + "/none", "AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/none",
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.URL,
		"AWS_ENDPOINT_URL": "", "AWS_REGION": "",
	} {
		t.Setenv(k, v)
	}
	for _, tt := range []struct {
		name string
		cfg  Config
		env  string // AWS_ENDPOINT_URL
	}{
		{name: "aws.endpoint", cfg: Config{Region: "ap-northeast-2", Endpoint: url}},
		{name: "AWS_ENDPOINT_URL", cfg: Config{Region: "ap-northeast-2"}, env: url},
		{name: "localhost, a profile that does not exist", cfg: Config{Region: "ap-northeast-2", Profile: "nope", Endpoint: strings.Replace(url, "127.0.0.1", "localhost", 1)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL", tt.env)
			c, err := NewClients(context.Background(), tt.cfg, WithMaxAttempts(1))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			if _, err := c.ECS.ListClusters(context.Background(), &ecs.ListClustersInput{}); err != nil {
				t.Fatalf("ListClusters: %v", err)
			}
			if n := probes.Load(); n != 0 {
				t.Errorf("the instance metadata service was asked %d times", n)
			}
		})
	}
}
