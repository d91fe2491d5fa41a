package sim_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

// multiWorld is the club's incident (111122223333, Seoul) with a second
// account in another region that holds a cluster of its own and asks
// for an external id.
func multiWorld(t *testing.T) *world.World {
	t.Helper()
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	other, err := fleet.World(2, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	other.AccountID, other.Region, other.ExternalID = "444455556666", "us-east-1", "club-prod"
	w.Accounts = []*world.World{other}
	return w
}

// TestAccountsAndRegions: one simulator serves a world of two accounts in
// two regions; the SDK's clients of each, the second through AssumeRole
// with its external id, see only their own account.
func TestAccountsAndRegions(t *testing.T) {
	w := multiWorld(t)
	// The world survives a save and a load.
	var b bytes.Buffer
	if err := world.Encode(&b, w); err != nil {
		t.Fatal(err)
	}
	w, err := world.Parse("multi.yaml", b.Bytes())
	if err != nil {
		t.Fatalf("the saved world does not load: %v\n%s", err, b.String())
	}
	if len(w.Accounts) != 1 || w.Accounts[0].AccountID != "444455556666" || w.Accounts[0].ExternalID != "club-prod" {
		t.Fatalf("accounts after a round trip: %+v", w.Accounts)
	}
	s := sim.New(w, sim.Options{Freeze: true})
	hs := httptest.NewServer(s)
	defer hs.Close()
	ctx := context.Background()
	clusters := func(cfg aws.Config) ([]string, error) {
		c, err := aws.NewClients(ctx, cfg)
		if err != nil {
			return nil, err
		}
		out, err := c.ECS.ListClusters(ctx, &ecs.ListClustersInput{})
		if err != nil {
			return nil, err
		}
		return out.ClusterArns, nil
	}
	tests := []struct {
		name     string
		cfg      aws.Config
		want     string // a cluster ARN's tail
		wantCode string
	}{
		{"the world's own account", aws.Config{Region: "ap-northeast-2", Endpoint: hs.URL}, "111122223333:cluster/codedang", ""},
		{"another account by its role", aws.Config{Region: "us-east-1", Endpoint: hs.URL, RoleARN: "arn:aws:iam::444455556666:role/ecsmedic-read", ExternalID: "club-prod"}, "cluster/club", ""}, // the fleet world writes its ARNs with the first account
		{"the wrong external id", aws.Config{Region: "us-east-1", Endpoint: hs.URL, RoleARN: "arn:aws:iam::444455556666:role/ecsmedic-read", ExternalID: "guess"}, "", "AccessDenied"},
		{"an account the world does not have", aws.Config{Region: "us-east-1", Endpoint: hs.URL, RoleARN: "arn:aws:iam::999999999999:role/ecsmedic-read"}, "", "AccessDenied"},
		{"a region the account is not in", aws.Config{Region: "eu-west-1", Endpoint: hs.URL, RoleARN: "arn:aws:iam::444455556666:role/ecsmedic-read", ExternalID: "club-prod"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := clusters(tt.cfg)
			if tt.wantCode != "" {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode {
					t.Fatalf("err %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				return // a one-region account answers any region, as a one-account world does
			}
			if !slices.ContainsFunc(got, func(a string) bool { return len(a) > len(tt.want) && a[len(a)-len(tt.want):] == tt.want }) || len(got) != 1 {
				t.Errorf("clusters %v, want only …%s", got, tt.want)
			}
		})
	}
	// Who am I, as the assumed role.
	c, err := aws.NewClients(ctx, aws.Config{Region: "us-east-1", Endpoint: hs.URL, RoleARN: "arn:aws:iam::444455556666:role/ecsmedic-read", ExternalID: "club-prod"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Account != "444455556666" {
		t.Errorf("GetCallerIdentity = %v, %v; want account 444455556666", id, err)
	}
	if o := s.Account("444455556666", "us-east-1"); o == nil || len(o.Calls()) == 0 {
		t.Error("the second account's server saw no calls")
	}
}
