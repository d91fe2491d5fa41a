package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// twoAccounts is the README's example: two accounts, three clusters.
const twoAccounts = `discord:
  guildId: "1032547195402412062"
targets:
  prod:
    roleArn: arn:aws:iam::111111111111:role/ecsmedic
    externalId: codedang-ecsmedic
    region: ap-northeast-2
    clusters: [prod-web, prod-batch]
    requireApprovers: 2
    services:
      backend: {cluster: prod-web}
      judge: {cluster: prod-batch, service: judge-worker, requireApprovers: 1}
  staging:
    roleArn: arn:aws:iam::222222222222:role/ecsmedic
    externalId: codedang-ecsmedic
    region: us-east-1
    clusters: [staging]
    services:
      backend: {}
`

func TestTargets(t *testing.T) {
	t.Parallel()
	c, err := parse("t.yaml", []byte(twoAccounts), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range c.Services {
		got = append(got, s.Name()+" "+s.Cluster+" "+s.Service)
	}
	want := []string{"prod/backend prod-web backend", "prod/judge prod-batch judge-worker", "staging/backend staging backend"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	if p, _ := c.TargetByName("prod"); p.RequireApprovers != 2 || p.ExternalID != "codedang-ecsmedic" || len(p.Clusters) != 2 {
		t.Errorf("prod = %+v", p)
	}
	if s, _ := c.ServiceByAlias("prod/backend"); s.RequireApprovers != 2 {
		t.Errorf("prod/backend needs %d approvers, want the target's 2", s.RequireApprovers)
	}
	if _, ok := c.ServiceByAlias("backend"); ok {
		t.Error("a bare alias two targets share resolved")
	}
	if s, ok := c.ServiceByAlias("judge"); !ok || s.Target != "prod" || s.RequireApprovers != 1 {
		t.Errorf("judge = %+v, %v", s, ok)
	}
	if d := c.Describe(); !strings.Contains(d, "staging: us-east-1, clusters staging; assumes arn:aws:iam::222222222222:role/ecsmedic") {
		t.Errorf("Describe does not name the targets:\n%s", d)
	}
}

func TestTargetErrors(t *testing.T) {
	t.Parallel()
	const head = "discord:\n  guildId: \"1032547195402412062\"\n" +
		"targets:\n  prod:\n    region: ap-northeast-2\n    clusters: [web, batch]\n" +
		"  staging:\n    region: ap-northeast-2\n    clusters: [web]\n    services:\n      backend: {}\n"
	tests := []struct {
		name string
		yml  string
		want []at
	}{
		{"bare alias two targets share", head + "services:\n  backend: {target: prod, cluster: web}\n",
			[]at{{13, "services.backend", "qualify it: write the key as prod/backend"}}},
		{"qualified alias", head + "services:\n  prod/backend: {cluster: web}\n", nil},
		{"bare alias before a qualified one of another target", head + "services:\n  api: {target: prod, cluster: web}\n  staging/api: {}\n",
			[]at{{13, "services.api", "qualify it: write the key as prod/api"}}},
		{"no target said", head + "services:\n  api: {}\n",
			[]at{{13, "services.api", "say which target holds api"}}},
		{"unknown target", head + "services:\n  qa/api: {}\n",
			[]at{{13, "services.qa/api", `there is no target "qa"`}}},
		{"cluster of another target", head + "services:\n  prod/api: {cluster: staging}\n",
			[]at{{13, "services.prod/api.cluster", "not one of target prod's clusters"}}},
		{"several clusters, none said", head + "services:\n  prod/api: {}\n",
			[]at{{13, "services.prod/api", "say which one holds api"}}},
		{"aws.cluster beside targets", head + "aws:\n  cluster: web\n",
			[]at{{13, "aws.cluster", "every cluster belongs to a target"}}},
		{"external id without role", "discord:\n  guildId: \"1032547195402412062\"\ntargets:\n  prod:\n    region: ap-northeast-2\n    externalId: x\n    clusters: web\n    services: {api: {}}\n",
			[]at{{6, "targets.prod.externalId", "no roleArn"}}},
		{"target without clusters", "discord:\n  guildId: \"1032547195402412062\"\ntargets:\n  prod:\n    region: ap-northeast-2\n    services: {api: {}}\n",
			[]at{{4, "targets.prod.clusters", "names no cluster"}}},
		{"bad target name", "discord:\n  guildId: \"1032547195402412062\"\ntargets:\n  Prod_1:\n    region: ap-northeast-2\n    clusters: [web]\n    services: {api: {}}\n",
			[]at{{4, "targets.Prod_1", "rename it to prod-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse("t.yaml", []byte(tt.yml), func(string) string { return "" })
			var es Errors
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.As(err, &es) {
				t.Fatalf("err = %v, want Errors", err)
			}
			if diff := cmp.Diff(tt.want, problemsAt(es, tt.want)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
