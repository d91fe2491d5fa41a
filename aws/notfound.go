package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// Suggestions read at most this many names, so a typo never turns into a
// long listing.
const maxSuggestionPages = 5

// clusterNotFound builds the error for a missing cluster, with the names
// of the account's clusters that look like it.
func (c *Clients) clusterNotFound(ctx context.Context, name string, cause error) error {
	var names []string
	p := ecs.NewListClustersPaginator(c.ECS, &ecs.ListClustersInput{MaxResults: aws.Int32(100)})
	for i := 0; p.HasMorePages() && i < maxSuggestionPages; i++ {
		page, err := p.NextPage(ctx)
		if err != nil {
			break // the suggestions are a courtesy
		}
		for _, arn := range page.ClusterArns {
			names = append(names, lastPart(arn))
		}
	}
	return &NotFoundError{Kind: "cluster", Name: name, Suggestions: ClosestNames(name, names), Err: cause}
}

// serviceNotFound builds the error for a missing service, with the
// cluster's services that look like it.
func (c *Clients) serviceNotFound(ctx context.Context, cluster, name, why string) error {
	var names []string
	p := ecs.NewListServicesPaginator(c.ECS, &ecs.ListServicesInput{Cluster: aws.String(cluster), MaxResults: aws.Int32(100)})
	for i := 0; p.HasMorePages() && i < maxSuggestionPages; i++ {
		page, err := p.NextPage(ctx)
		if err != nil {
			break
		}
		for _, arn := range page.ServiceArns {
			names = append(names, lastPart(arn))
		}
	}
	return &NotFoundError{Kind: "service", Name: name, Cluster: cluster, Why: why, Suggestions: ClosestNames(name, names)}
}

func (sg *serviceGather) clusterNotFound(ctx context.Context, cause error) error {
	return sg.c.clusterNotFound(ctx, sg.cluster, cause)
}

func (sg *serviceGather) serviceNotFound(ctx context.Context, why string) error {
	return sg.c.serviceNotFound(ctx, sg.cluster, sg.service, why)
}
