package sim

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"
)

// asMap turns an SDK value into plain JSON data, minus the read-only
// fields a registration makes up.
func asMap(t *testing.T, v any, drop ...string) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range drop {
		delete(m, k)
	}
	return m
}

func TestTaskDefinitionRoundTrip(t *testing.T) {
	_, c := ecsSim(t, ecsTestWorld())
	d, err := c.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String(tArn + "task-definition/backend:1"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
	})
	if err != nil {
		t.Fatal(err)
	}
	old := d.TaskDefinition
	if diff := cmp.Diff([]string{"team=club"}, tagList(d.Tags)); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	reg, err := c.RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{
		Family: old.Family, ContainerDefinitions: old.ContainerDefinitions, Cpu: old.Cpu, Memory: old.Memory,
		EnableFaultInjection: old.EnableFaultInjection, EphemeralStorage: old.EphemeralStorage,
		ExecutionRoleArn: old.ExecutionRoleArn, IpcMode: old.IpcMode,
		NetworkMode: old.NetworkMode, PidMode: old.PidMode, PlacementConstraints: old.PlacementConstraints,
		ProxyConfiguration: old.ProxyConfiguration, RequiresCompatibilities: old.RequiresCompatibilities,
		RuntimePlatform: old.RuntimePlatform, Tags: d.Tags, TaskRoleArn: old.TaskRoleArn, Volumes: old.Volumes,
	})
	if err != nil {
		t.Fatal(err)
	}
	readOnly := []string{"TaskDefinitionArn", "Revision", "RegisteredAt", "RegisteredBy"}
	if diff := cmp.Diff(asMap(t, old, readOnly...), asMap(t, reg.TaskDefinition, readOnly...)); diff != "" {
		t.Errorf("registered copy differs (-old +new):\n%s", diff)
	}
	newArn := aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
	if newArn != tArn+"task-definition/backend:2" || reg.TaskDefinition.Status != types.TaskDefinitionStatusActive {
		t.Errorf("registered %s %s", newArn, reg.TaskDefinition.Status)
	}
	again, err := c.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("backend"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(asMap(t, reg.TaskDefinition), asMap(t, again.TaskDefinition)); diff != "" {
		t.Errorf("described differs from registered (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"team=club"}, tagList(again.Tags)); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	up, err := c.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("backend"), TaskDefinition: aws.String(newArn)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(up.Service.TaskDefinition); got != newArn {
		t.Errorf("service runs %s, want %s", got, newArn)
	}
}

func tagList(tags []types.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	return out
}

func TestTaskDefinitionListsAndDeregister(t *testing.T) {
	_, c := ecsSim(t, ecsTestWorld())
	for range 2 {
		if _, err := c.RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{
			Family:               aws.String("backend"),
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("backend"), Image: aws.String("b:2"), Memory: aws.Int32(512)}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeregisterTaskDefinition(bg, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("backend:3")}); err != nil {
		t.Fatal(err)
	}
	list := func(in *ecs.ListTaskDefinitionsInput) []string {
		out, err := c.ListTaskDefinitions(bg, in)
		if err != nil {
			t.Fatal(err)
		}
		return out.TaskDefinitionArns
	}
	td := func(n string) string { return tArn + "task-definition/" + n }
	cases := []struct {
		name string
		in   *ecs.ListTaskDefinitionsInput
		want []string
	}{
		{"active, ascending", &ecs.ListTaskDefinitionsInput{}, []string{td("backend:1"), td("backend:2"), td("web:4")}},
		{"one family, newest first", &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("backend"), Sort: types.SortOrderDesc}, []string{td("backend:2"), td("backend:1")}},
		{"inactive", &ecs.ListTaskDefinitionsInput{Status: types.TaskDefinitionStatusInactive}, []string{td("backend:3")}},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, list(tc.in)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// "backend" alone now means revision 2, the newest ACTIVE one.
	d, err := c.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("backend")})
	if err != nil || d.TaskDefinition.Revision != 2 {
		t.Fatalf("DescribeTaskDefinition(backend) = %v, %v", d, err)
	}
	inactive, err := c.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("backend:3")})
	if err != nil || inactive.TaskDefinition.Status != types.TaskDefinitionStatusInactive || inactive.TaskDefinition.DeregisteredAt == nil {
		t.Fatalf("DescribeTaskDefinition(backend:3) = %+v, %v", inactive, err)
	}
	_, err = c.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("backend"), TaskDefinition: aws.String("backend:3")})
	if code, msg := apiErr(err); code != "ClientException" || msg != "TaskDefinition is inactive" {
		t.Errorf("UpdateService to an INACTIVE revision: %s %q", code, msg)
	}
	fam, err := c.ListTaskDefinitionFamilies(bg, &ecs.ListTaskDefinitionFamiliesInput{FamilyPrefix: aws.String("b")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"backend"}, fam.Families); diff != "" {
		t.Errorf("families (-want +got):\n%s", diff)
	}
}
