package world

import "testing"

// A stopped task may name a container instance the world does not list:
// AWS forgets a deregistered instance while its stopped tasks still name it.
func TestTaskOnAGoneInstanceLoads(t *testing.T) {
	t.Parallel()
	in := `version: 1
clusters: [{clusterName: c, clusterArn: "arn:aws:ecs:us-east-1:1:cluster/c"}]
taskDefinitions: [{taskDefinitionArn: "arn:aws:ecs:us-east-1:1:task-definition/a:1"}]
containerInstances:
  - {containerInstanceArn: "arn:aws:ecs:us-east-1:1:container-instance/c/live", status: ACTIVE}
tasks:
  - taskArn: "arn:aws:ecs:us-east-1:1:task/c/t1"
    clusterArn: "arn:aws:ecs:us-east-1:1:cluster/c"
    taskDefinitionArn: "arn:aws:ecs:us-east-1:1:task-definition/a:1"
    containerInstanceArn: "arn:aws:ecs:us-east-1:1:container-instance/c/gone"
    lastStatus: STOPPED
    stoppedAt: "2024-01-01T00:00:00Z"
`
	w, err := Parse("w.yaml", []byte(in))
	if err != nil {
		t.Fatalf("a task on a deregistered instance is refused: %v", err)
	}
	if len(w.ContainerInstances) != 1 || w.Tasks[0]["containerInstanceArn"] != "arn:aws:ecs:us-east-1:1:container-instance/c/gone" {
		t.Errorf("world changed while loading: %v %v", w.ContainerInstances, w.Tasks[0])
	}
}
