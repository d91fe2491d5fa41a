package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/fleetmetrics"
	"github.com/ecsmedic/ecsmedic/iampolicy"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// account is one simulated AWS account: a simulator on loopback and the
// STS requests it was sent (their form bodies), to see the role and
// external id the bot assumed.
type account struct {
	sim *sim.Server
	url string

	mu  sync.Mutex
	sts []string
}

func newAccount(t *testing.T) *account {
	t.Helper()
	w, err := loadWorld(incidentWorld)
	if err != nil {
		t.Fatal(err)
	}
	// Not frozen: the credentials AssumeRole hands out must expire in the
	// future, or the SDK asks again at every call.
	a := &account{sim: sim.New(w, sim.Options{})}
	hs := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte("Action=AssumeRole")) {
			a.mu.Lock()
			a.sts = append(a.sts, string(body))
			a.mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		a.sim.ServeHTTP(rw, r)
	}))
	t.Cleanup(hs.Close)
	a.url = hs.URL
	return a
}

// ecsCalls counts the ECS calls the account was sent.
func (a *account) ecsCalls() int {
	n := 0
	for _, c := range a.sim.Calls() {
		if strings.EqualFold(c.Service, "ecs") {
			n++
		}
	}
	return n
}

// twoAccountsConfig: prod and staging in two accounts, three clusters;
// both accounts have a cluster codedang with a service backend.
func twoAccountsConfig(t *testing.T, prod, staging *account) (config, storePath string) {
	t.Helper()
	storePath = filepath.Join(t.TempDir(), "ecsmedic.db")
	yml := fmt.Sprintf(`discord:
  guildId: "1032547195402412062"
targets:
  prod:
    roleArn: arn:aws:iam::111111111111:role/ecsmedic
    externalId: prod-external-id
    region: ap-northeast-2
    endpoint: %s
    clusters: [codedang, batch]
    requireApprovers: 2
    services:
      backend: {cluster: codedang, container: backend}
  staging:
    roleArn: arn:aws:iam::222222222222:role/ecsmedic
    externalId: staging-external-id
    region: ap-northeast-2
    endpoint: %s
    clusters: [codedang]
    services:
      backend: {container: backend}
      frontend: {container: frontend}
storage:
  path: %s
`, prod.url, staging.url, storePath)
	path := filepath.Join(t.TempDir(), "ecsmedic.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, storePath
}

func TestWhyAnswersFromTheTargetsAccount(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	prod, staging := newAccount(t), newAccount(t)
	cfg, _ := twoAccountsConfig(t, prod, staging)

	out, err := run(t, "", "check-config", "--config", cfg)
	if err != nil {
		t.Fatalf("check-config: %v\n%s", err, out)
	}
	for _, want := range []string{"prod/backend", "staging/frontend", "prod: ap-northeast-2, clusters codedang, batch"} {
		if !strings.Contains(out, want) {
			t.Errorf("check-config does not say %q:\n%s", want, out)
		}
	}

	tests := []struct {
		service     string
		from, not   *account
		externalID  string
		wantInReply string
	}{
		{"prod/backend", prod, staging, "prod-external-id", "!reservation on cluster prod/codedang"},
		{"staging/backend", staging, prod, "staging-external-id", "!scale staging/backend cpu 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			for _, a := range []*account{prod, staging} {
				a.sim.ResetCalls()
				a.mu.Lock()
				a.sts = nil
				a.mu.Unlock()
			}
			out, err := run(t, "", "why", tt.service, "--config", cfg)
			if err != nil {
				t.Fatalf("why %s: %v\n%s", tt.service, err, out)
			}
			if !strings.Contains(out, tt.wantInReply) {
				t.Errorf("the reply does not name %s:\n%s", tt.wantInReply, out)
			}
			if tt.from.ecsCalls() == 0 {
				t.Errorf("why %s sent no ECS call to its account", tt.service)
			}
			if n := tt.not.ecsCalls(); n != 0 {
				t.Errorf("why %s sent %d ECS calls to the other account", tt.service, n)
			}
			// Only the service's target is set up: the other role is
			// not assumed.
			tt.not.mu.Lock()
			if len(tt.not.sts) != 0 {
				t.Errorf("why %s assumed the other target's role too: %q", tt.service, tt.not.sts)
			}
			tt.not.mu.Unlock()
			tt.from.mu.Lock()
			defer tt.from.mu.Unlock()
			if len(tt.from.sts) != 1 || !strings.Contains(tt.from.sts[0], "ExternalId="+tt.externalID) {
				t.Errorf("AssumeRole requests = %q; want one with ExternalId=%s", tt.from.sts, tt.externalID)
			}
		})
	}

	out, err = run(t, "", "why", "backend", "--config", cfg)
	if err == nil || !strings.Contains(out, "prod/backend, staging/backend") {
		t.Errorf("why backend (two targets have it) = %v:\n%s", err, out)
	}
}

// A change goes to its target's account only, and names the target.
func TestChangeGoesToTheTargetsAccount(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	prod, staging := newAccount(t), newAccount(t)
	cfg, storePath := twoAccountsConfig(t, prod, staging)
	out, err := run(t, "", "healthcheck", "staging/backend", "grace", "90", "--yes", "--config", cfg)
	if err != nil {
		t.Fatalf("healthcheck: %v\n%s", err, out)
	}
	if !strings.Contains(out, "staging/backend") || !strings.Contains(out, "Applied") {
		t.Errorf("the change's reply does not name staging/backend, or did not apply:\n%s", out)
	}
	mutating := func(a *account) (n int) {
		for _, c := range a.sim.Calls() {
			if c.Mutating {
				n++
			}
		}
		return n
	}
	if mutating(staging) == 0 || mutating(prod) != 0 {
		t.Errorf("writes: staging %d, prod %d; want them all in staging", mutating(staging), mutating(prod))
	}

	// The post-mortem of staging/backend finds the change, filed under
	// staging/codedang.
	out, err = run(t, "", "postmortem", "staging/backend", "--config", cfg)
	if err != nil || !strings.Contains(out, "Change applied by ecsmedic (0 → 90) — staging/backend") {
		t.Errorf("postmortem staging/backend: %v\n%s", err, out)
	}

	// A cluster-wide change names target/cluster, as why suggests it.
	out, err = run(t, "", "reservation", "on", "cluster", "prod/codedang", "--dry-run", "--config", cfg)
	if err != nil || !strings.Contains(out, "Dry run: cluster prod/codedang") {
		t.Errorf("reservation on cluster prod/codedang: %v\n%s", err, out)
	}

	// The store keys the change (and its lock) by target/cluster: both
	// accounts have a cluster codedang.
	st, err := store.Open(storePath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := st.Changes(store.ChangeFilter{})
	if err != nil || len(cs) != 1 || cs[0].Cluster != "staging/codedang" || cs[0].RequireApprovers > 1 {
		t.Errorf("stored changes = %+v, %v; want one in staging/codedang, needing one approval", cs, err)
	}
	st.Close()

	// prod's requireApprovers: 2 applies to its services.
	if out, err := run(t, "", "healthcheck", "prod/backend", "grace", "90", "--config", cfg); err != nil {
		t.Fatalf("planning for prod/backend: %v\n%s", err, out)
	}
	st, err = store.Open(storePath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs, err = st.Changes(store.ChangeFilter{})
	var prodChange *store.Change
	for i := range cs {
		if cs[i].Cluster == "prod/codedang" {
			prodChange = &cs[i]
		}
	}
	if err != nil || prodChange == nil || prodChange.RequireApprovers != 2 {
		t.Errorf("prod/backend's change = %+v, %v; want it to need 2 approvals", prodChange, err)
	}
}

// The summary and status read every target's clusters, each from its own
// account, and name them target/cluster and target/alias.
func TestSummaryCoversEveryTarget(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	prod, staging := newAccount(t), newAccount(t)
	cfg, _ := twoAccountsConfig(t, prod, staging)
	out, err := run(t, "", "summary", "--config", cfg)
	if err != nil {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	for _, want := range []string{"prod/codedang", "staging/codedang", "staging/frontend"} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary does not name %s:\n%s", want, out)
		}
	}
	if prod.ecsCalls() == 0 || staging.ecsCalls() == 0 {
		t.Errorf("ECS calls: prod %d, staging %d; want both accounts read", prod.ecsCalls(), staging.ecsCalls())
	}

	out, err = run(t, "", "status", "--config", cfg)
	if err != nil || !strings.Contains(out, "prod/backend") || !strings.Contains(out, "staging/frontend") {
		t.Errorf("status does not name every target's services: %v\n%s", err, out)
	}
}

// iam-policy prints one policy per target's role, scoped to its account,
// region and services, the trust policy that requires its external id, and
// the bot role's sts:AssumeRole on them.
func TestIAMPolicyPerTarget(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	cfg, _ := twoAccountsConfig(t, &account{url: "http://127.0.0.1:1"}, &account{url: "http://127.0.0.1:2"})
	const bot = "arn:aws:iam::999999999999:role/ecsmedic-task"

	out, _, err := runSplit(t, "iam-policy", "--config", cfg, "--bot-role", bot)
	if err != nil {
		t.Fatal(err)
	}
	var all targetPolicies
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		t.Fatalf("not the policies' JSON: %v\n%s", err, out)
	}
	if got := all.BotRole.Statement[0].Resource; strings.Join(got, ",") != "arn:aws:iam::111111111111:role/ecsmedic,arn:aws:iam::222222222222:role/ecsmedic" {
		t.Errorf("the bot role may assume %v", got)
	}
	prod := all.Targets["prod"]
	if res := strings.Join(prod.Policy.Statement[1].Resource, ","); res != "arn:aws:ecs:ap-northeast-2:111111111111:service/codedang/backend" {
		t.Errorf("prod's services statement = %s", res)
	}
	trust := all.Targets["staging"].TrustPolicy.Statement[0]
	if trust.Principal["AWS"] != bot || trust.Condition["StringEquals"]["sts:ExternalId"] != "staging-external-id" {
		t.Errorf("staging's trust policy = %+v", trust)
	}

	// --target prints one document, ready for aws iam put-role-policy.
	out, _, err = runSplit(t, "iam-policy", "--config", cfg, "--target", "staging", "--trust", "--bot-role", bot)
	if err != nil {
		t.Fatal(err)
	}
	var p iampolicy.Policy
	if err := json.Unmarshal([]byte(out), &p); err != nil || len(p.Statement) != 1 || p.Statement[0].Action[0] != "sts:AssumeRole" {
		t.Errorf("--target staging --trust = %v\n%s", err, out)
	}
}

// The README shows config/targets.example.yaml as it is, and the README's
// test runs check-config on it.
func TestREADMEShowsTheTargetsExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("config/targets.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte("```yaml\n"+string(example)+"```\n")) {
		t.Error("README.md's section \"Several accounts, regions and clusters\" does not show config/targets.example.yaml as it is: copy the file into its yaml block")
	}
}

// Each target's fleet gauges register beside the others' under their own
// target label, as the bot registers them.
func TestFleetGaugesPerTarget(t *testing.T) {
	reg := prometheus.NewRegistry()
	for _, target := range []string{"prod", "staging"} {
		f := fleetmetrics.New(fleetmetrics.Config{Cluster: "codedang", Services: []svcref.Ref{{Target: target, Alias: "backend", Cluster: "codedang", Service: "backend"}}}, nil)
		if err := reg.Register(prometheus.WrapCollectorWith(prometheus.Labels{"target": target}, f)); err != nil {
			t.Fatalf("registering %s's gauges: %v", target, err)
		}
	}
}

// One simulator holding both accounts (a world with accounts:), reached
// through aws.endpoint, which every target shares: each target's
// AssumeRole credentials name its account, and why answers from it.
// oneSimulatorTwoAccounts is the config of two targets, prod and staging,
// in two accounts and regions of one simulator.
func oneSimulatorTwoAccounts(t *testing.T) (cfg string) {
	t.Helper()
	data, err := os.ReadFile("aws/world/builtin/incident.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Parse("incident.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("111122223333"), []byte("444455556666")), []byte("ap-northeast-2"), []byte("us-east-1"))
	other, err := world.Parse("staging.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	other.ExternalID = "staging-external-id"
	w.Accounts = []*world.World{other}
	hs := httptest.NewServer(sim.New(w, sim.Options{}))
	t.Cleanup(hs.Close)

	cfg = filepath.Join(t.TempDir(), "ecsmedic.yaml")
	yml := fmt.Sprintf(`discord:
  guildId: "1032547195402412062"
aws:
  endpoint: %s
targets:
  prod:
    roleArn: arn:aws:iam::111122223333:role/ecsmedic
    region: ap-northeast-2
    clusters: [codedang]
    services: {backend: {container: backend}}
  staging:
    roleArn: arn:aws:iam::444455556666:role/ecsmedic
    externalId: staging-external-id
    region: us-east-1
    clusters: [codedang]
    services: {backend: {container: backend}}
storage:
  path: %s
`, hs.URL, filepath.Join(t.TempDir(), "ecsmedic.db"))
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestTargetsInOneSimulator(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	cfg := oneSimulatorTwoAccounts(t)
	for service, account := range map[string]string{"prod/backend": "111122223333", "staging/backend": "444455556666"} {
		out, err := run(t, "", "why", service, "--format", "json", "--config", cfg)
		if err != nil {
			t.Fatalf("why %s: %v\n%s", service, err, out)
		}
		if !strings.Contains(out, ":"+account+":task/codedang/") {
			t.Errorf("why %s did not answer from account %s:\n%.2000s", service, account, out)
		}
	}
}

// TestCaptureTwoTargets: `capture prod/backend staging/backend` reads
// each service with its target's role and writes one world holding both
// accounts, each with its own service and tasks, which loads again (the
// simulator serves such a world: aws/sim/accounts_test.go).
func TestCaptureTwoTargets(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	cfg := oneSimulatorTwoAccounts(t)
	out := filepath.Join(t.TempDir(), "both.yaml")
	got, err := run(t, "", "capture", "prod/backend", "staging/backend", "--config", cfg, "-o", out, "--since", "1h")
	if err != nil {
		t.Fatalf("capture: %v\n%s", err, got)
	}
	if !strings.Contains(got, "in 2 accounts or regions") {
		t.Errorf("capture says:\n%s", got)
	}
	w, err := world.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if w.AccountID != "111122223333" || len(w.Accounts) != 1 || w.Accounts[0].AccountID != "444455556666" || w.Accounts[0].Region != "us-east-1" {
		t.Fatalf("the world is %s/%s with accounts %+v", w.AccountID, w.Region, w.Accounts)
	}
	for _, x := range []*world.World{w, w.Accounts[0]} {
		if len(x.Services) != 1 || len(x.Tasks) == 0 {
			t.Errorf("account %s holds %d services and %d tasks, want backend and its tasks", x.AccountID, len(x.Services), len(x.Tasks))
		}
	}
}
