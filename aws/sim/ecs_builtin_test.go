package sim

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

// Every built-in world answers the ECS reads, and a forced deployment of
// each of its services settles, without an error.
func TestECSOnBuiltinWorlds(t *testing.T) {
	for _, name := range world.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			w, err := world.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			s, c := ecsSim(t, w)
			cl, err := c.ListClusters(bg, &ecs.ListClustersInput{})
			if err != nil {
				t.Fatal(err)
			}
			for _, cluster := range cl.ClusterArns {
				svcs, err := c.ListServices(bg, &ecs.ListServicesInput{Cluster: aws.String(cluster), MaxResults: aws.Int32(100)})
				if err != nil {
					t.Fatal(err)
				}
				for _, arn := range svcs.ServiceArns {
					if _, err := c.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(arn), ForceNewDeployment: true}); err != nil {
						t.Fatalf("UpdateService %s: %v", arn, err)
					}
					for range 4 {
						s.AdvanceDeployments()
					}
					d, err := c.DescribeServices(bg, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{arn}})
					if err != nil {
						t.Fatal(err)
					}
					if len(d.Services) != 1 {
						t.Fatalf("DescribeServices %s: %+v", arn, d.Failures)
					}
					tasks, err := c.ListTasks(bg, &ecs.ListTasksInput{Cluster: aws.String(cluster), ServiceName: aws.String(arn)})
					if err != nil {
						t.Fatal(err)
					}
					if len(tasks.TaskArns) > 0 {
						if _, err := c.DescribeTasks(bg, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: tasks.TaskArns}); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		})
	}
}
