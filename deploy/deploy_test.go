package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// secretName is an environment variable name that holds a secret: those
// come from the task definition's `secrets`, never its `environment`, and
// never from the image.
var secretName = regexp.MustCompile(`(?i)TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|(^|_)KEY($|_)|ACCESS_KEY`)

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestJSONFilesParse(t *testing.T) {
	files, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dynamodb-table.json", "eventbridge-rule.json", "eventbridge-targets.json", "execution-role-policy.json",
		"grafana-dashboard.json", "service-replicas.json", "service.json", "sqs-queue-policy.json", "task-definition-replicas.json",
		"task-definition.json", "task-role-trust.json"}
	if !slices.Equal(files, want) {
		t.Errorf("deploy/*.json = %v, want %v (update docs/production.md too)", files, want)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			var v map[string]any
			readJSON(t, f, &v)
			if strings.Contains(f, "policy") || strings.Contains(f, "trust") {
				if v["Version"] != "2012-10-17" {
					t.Errorf("IAM document %s: Version %v", f, v["Version"])
				}
			}
		})
	}
}

type kv struct {
	Name      string `json:"name"`
	Value     string `json:"value,omitempty"`
	ValueFrom string `json:"valueFrom,omitempty"`
}

type containerDef struct {
	Name                   string            `json:"name"`
	Image                  string            `json:"image"`
	Essential              bool              `json:"essential"`
	EntryPoint             []string          `json:"entryPoint"`
	Command                []string          `json:"command"`
	Memory                 int               `json:"memory"`
	MemoryReservation      int               `json:"memoryReservation"`
	User                   string            `json:"user"`
	ReadonlyRootFilesystem bool              `json:"readonlyRootFilesystem"`
	DependsOn              []map[string]any  `json:"dependsOn"`
	Environment            []kv              `json:"environment"`
	Secrets                []kv              `json:"secrets"`
	MountPoints            []map[string]any  `json:"mountPoints"`
	HealthCheck            *healthCheck      `json:"healthCheck"`
	StopTimeout            int               `json:"stopTimeout"`
	LogConfiguration       *logConfiguration `json:"logConfiguration"`
}

type healthCheck struct {
	Command                                 []string `json:"command"`
	Interval, Timeout, Retries, StartPeriod int
}

type logConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

type taskDefinition struct {
	Family                  string           `json:"family"`
	TaskRoleArn             string           `json:"taskRoleArn"`
	ExecutionRoleArn        string           `json:"executionRoleArn"`
	NetworkMode             string           `json:"networkMode"`
	RequiresCompatibilities []string         `json:"requiresCompatibilities"`
	CPU                     string           `json:"cpu"`
	Memory                  string           `json:"memory"`
	ContainerDefinitions    []containerDef   `json:"containerDefinitions"`
	Volumes                 []map[string]any `json:"volumes"`
	PlacementConstraints    []map[string]any `json:"placementConstraints"`
	RuntimePlatform         map[string]any   `json:"runtimePlatform"`
}

func TestTaskDefinition(t *testing.T) {
	var td taskDefinition
	readJSON(t, "task-definition.json", &td)
	if td.CPU != "256" || (td.Memory != "128" && td.Memory != "192" && td.Memory != "256") {
		t.Errorf("cpu %s, memory %s: want 256 and 128–256 MiB (the bot's RSS is 43 MB idle, 50 MB busy)", td.CPU, td.Memory)
	}
	if !strings.Contains(td.TaskRoleArn, ":role/") || !strings.Contains(td.ExecutionRoleArn, ":role/") {
		t.Errorf("task role %q, execution role %q", td.TaskRoleArn, td.ExecutionRoleArn)
	}
	var bot *containerDef
	for i, c := range td.ContainerDefinitions {
		for _, e := range c.Environment {
			if secretName.MatchString(e.Name) {
				t.Errorf("container %s: environment %s looks like a secret in plain text: move it to secrets (SSM or Secrets Manager)", c.Name, e.Name)
			}
		}
		for _, s := range c.Secrets {
			if !strings.HasPrefix(s.ValueFrom, "arn:aws:ssm:") && !strings.HasPrefix(s.ValueFrom, "arn:aws:secretsmanager:") {
				t.Errorf("container %s: secret %s from %q: want an SSM or Secrets Manager ARN", c.Name, s.Name, s.ValueFrom)
			}
			if s.Value != "" {
				t.Errorf("container %s: secret %s has a plain value", c.Name, s.Name)
			}
		}
		if c.LogConfiguration == nil || c.LogConfiguration.LogDriver != "awslogs" {
			t.Errorf("container %s: want the awslogs log driver", c.Name)
		}
		if c.Name == "ecsmedic" {
			bot = &td.ContainerDefinitions[i]
		}
	}
	if bot == nil {
		t.Fatal("no container named ecsmedic")
	}
	if !bot.Essential || bot.StopTimeout != 30 || !bot.ReadonlyRootFilesystem {
		t.Errorf("ecsmedic: essential %v, stopTimeout %d, readonlyRootFilesystem %v", bot.Essential, bot.StopTimeout, bot.ReadonlyRootFilesystem)
	}
	if bot.User == "" || strings.HasPrefix(bot.User, "0") || strings.HasPrefix(bot.User, "root") {
		t.Errorf("ecsmedic runs as %q; want a non-root user", bot.User)
	}
	if !slices.ContainsFunc(bot.Secrets, func(s kv) bool { return s.Name == "DISCORD_TOKEN" }) {
		t.Error("ecsmedic: DISCORD_TOKEN is not among the secrets")
	}
	if bot.HealthCheck == nil || !slices.Equal(bot.HealthCheck.Command, []string{"CMD", "/ecsmedic", "health"}) {
		t.Errorf("ecsmedic: health check %+v, want CMD /ecsmedic health", bot.HealthCheck)
	}
	mounted := map[string]bool{}
	for _, m := range bot.MountPoints {
		mounted[m["containerPath"].(string)] = true
	}
	if !mounted["/var/lib/ecsmedic"] || !mounted["/etc/ecsmedic"] {
		t.Errorf("ecsmedic mounts %v; want the store at /var/lib/ecsmedic and the config at /etc/ecsmedic", mounted)
	}
}

func TestServiceRunsOneReplica(t *testing.T) {
	var svc struct {
		Cluster                 string `json:"cluster"`
		ServiceName             string `json:"serviceName"`
		TaskDefinition          string `json:"taskDefinition"`
		DesiredCount            int    `json:"desiredCount"`
		LaunchType              string `json:"launchType"`
		SchedulingStrategy      string `json:"schedulingStrategy"`
		DeploymentConfiguration struct {
			MaximumPercent           int            `json:"maximumPercent"`
			MinimumHealthyPercent    int            `json:"minimumHealthyPercent"`
			DeploymentCircuitBreaker map[string]any `json:"deploymentCircuitBreaker"`
		} `json:"deploymentConfiguration"`
		EnableECSManagedTags bool   `json:"enableECSManagedTags"`
		PropagateTags        string `json:"propagateTags"`
	}
	readJSON(t, "service.json", &svc)
	d := svc.DeploymentConfiguration
	if svc.DesiredCount != 1 || d.MaximumPercent != 100 || d.MinimumHealthyPercent != 0 {
		t.Errorf("desiredCount %d, maximumPercent %d, minimumHealthyPercent %d: want 1, 100, 0 so that a deployment never runs two bots",
			svc.DesiredCount, d.MaximumPercent, d.MinimumHealthyPercent)
	}
}

func TestEventBridgeRuleMatchesTheWatcher(t *testing.T) {
	var rule struct {
		Name, Description, State, EventPattern string
	}
	readJSON(t, "eventbridge-rule.json", &rule)
	var pat struct {
		Source     []string `json:"source"`
		DetailType []string `json:"detail-type"`
		Detail     struct {
			LastStatus []string `json:"lastStatus"`
			ClusterArn []string `json:"clusterArn"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(rule.EventPattern), &pat); err != nil {
		t.Fatalf("EventPattern: %v", err)
	}
	// watch/event.go accepts exactly these.
	if !slices.Equal(pat.Source, []string{"aws.ecs"}) || !slices.Equal(pat.DetailType, []string{"ECS Task State Change"}) ||
		!slices.Equal(pat.Detail.LastStatus, []string{"STOPPED"}) || len(pat.Detail.ClusterArn) == 0 {
		t.Errorf("event pattern %+v", pat)
	}
	var pol struct {
		Version   string
		Statement []struct {
			Sid, Effect, Action, Resource string
			Principal                     map[string]string
			Condition                     map[string]map[string]string
		}
	}
	readJSON(t, "sqs-queue-policy.json", &pol)
	if len(pol.Statement) != 1 || pol.Statement[0].Principal["Service"] != "events.amazonaws.com" ||
		!strings.HasSuffix(pol.Statement[0].Condition["ArnEquals"]["aws:SourceArn"], ":rule/"+rule.Name) {
		t.Errorf("the queue policy should let only the rule %s send: %+v", rule.Name, pol)
	}
}

// TestDynamoDBTable: the table file has the keys the DynamoDB store
// (store/dynamo) reads and writes, and on-demand capacity.
func TestDynamoDBTable(t *testing.T) {
	type attr struct{ AttributeName, AttributeType, KeyType string }
	var tbl struct {
		TableName, BillingMode    string
		AttributeDefinitions      []attr
		KeySchema                 []attr
		SSESpecification          struct{ Enabled bool }
		DeletionProtectionEnabled bool
	}
	readJSON(t, "dynamodb-table.json", &tbl)
	keys := map[string]string{}
	for _, a := range tbl.AttributeDefinitions {
		keys[a.AttributeName] = a.AttributeType
	}
	if keys["pk"] != "S" || keys["sk"] != "S" || len(keys) != 2 {
		t.Errorf("attributes %v, want pk and sk, strings", keys)
	}
	if len(tbl.KeySchema) != 2 || tbl.KeySchema[0] != (attr{AttributeName: "pk", KeyType: "HASH"}) || tbl.KeySchema[1] != (attr{AttributeName: "sk", KeyType: "RANGE"}) {
		t.Errorf("key schema %v, want pk HASH, sk RANGE", tbl.KeySchema)
	}
	if tbl.BillingMode != "PAY_PER_REQUEST" || !tbl.SSESpecification.Enabled || !tbl.DeletionProtectionEnabled {
		t.Errorf("billing %s, encryption %v, deletion protection %v", tbl.BillingMode, tbl.SSESpecification.Enabled, tbl.DeletionProtectionEnabled)
	}
}

// TestReplicas: the Fargate service runs two replicas with no volume but
// the config's (its store is the DynamoDB table), so that a task on a
// failed host is replaced while the other answers.
func TestReplicas(t *testing.T) {
	var td taskDefinition
	readJSON(t, "task-definition-replicas.json", &td)
	if td.NetworkMode != "awsvpc" || !slices.Equal(td.RequiresCompatibilities, []string{"FARGATE"}) || td.CPU != "256" || td.Memory != "512" {
		t.Errorf("network %s, compatibilities %v, cpu %s, memory %s: want awsvpc, FARGATE, 256, 512", td.NetworkMode, td.RequiresCompatibilities, td.CPU, td.Memory)
	}
	if len(td.PlacementConstraints) != 0 {
		t.Errorf("placement constraints %v: a replica must run on any host", td.PlacementConstraints)
	}
	for _, v := range td.Volumes {
		if v["host"] != nil || v["efsVolumeConfiguration"] != nil {
			t.Errorf("volume %v: the replicas keep no state on a volume", v)
		}
	}
	for _, c := range td.ContainerDefinitions {
		for _, m := range c.MountPoints {
			if m["containerPath"] == "/var/lib/ecsmedic" {
				t.Errorf("container %s mounts a store volume", c.Name)
			}
		}
		for _, s := range c.Secrets {
			if !strings.HasPrefix(s.ValueFrom, "arn:aws:ssm:") && !strings.HasPrefix(s.ValueFrom, "arn:aws:secretsmanager:") {
				t.Errorf("container %s: secret %s from %q", c.Name, s.Name, s.ValueFrom)
			}
		}
		if c.Name == "ecsmedic" && (!c.ReadonlyRootFilesystem || c.User == "" || strings.HasPrefix(c.User, "0")) {
			t.Errorf("ecsmedic: read-only root %v, user %q", c.ReadonlyRootFilesystem, c.User)
		}
	}
	var svc struct {
		Cluster, ServiceName, TaskDefinition, LaunchType, SchedulingStrategy, PropagateTags string
		DesiredCount                                                                        int
		EnableECSManagedTags                                                                bool
		DeploymentConfiguration                                                             struct {
			MaximumPercent, MinimumHealthyPercent int
			DeploymentCircuitBreaker              map[string]any
		}
		NetworkConfiguration struct {
			AwsvpcConfiguration struct {
				Subnets, SecurityGroups []string
				AssignPublicIp          string
			}
		}
	}
	readJSON(t, "service-replicas.json", &svc)
	if svc.DesiredCount < 2 || svc.LaunchType != "FARGATE" || svc.TaskDefinition != td.Family {
		t.Errorf("desiredCount %d, launch type %s, task definition %s: want 2 or more, FARGATE, %s", svc.DesiredCount, svc.LaunchType, svc.TaskDefinition, td.Family)
	}
	if d := svc.DeploymentConfiguration; d.MinimumHealthyPercent < 50 {
		t.Errorf("minimumHealthyPercent %d: a deployment should keep one replica answering", d.MinimumHealthyPercent)
	}
	if n := svc.NetworkConfiguration.AwsvpcConfiguration; len(n.Subnets) < 2 || n.AssignPublicIp != "DISABLED" {
		t.Errorf("subnets %v, public IP %s: want two subnets (two zones) and no public IP", n.Subnets, n.AssignPublicIp)
	}
}
