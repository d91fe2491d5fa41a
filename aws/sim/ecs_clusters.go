package sim

import (
	"strings"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

func init() {
	register(SvcECS, "ListClusters", false, listClusters)
	register(SvcECS, "DescribeClusters", false, describeClusters)
}

// findCluster looks a cluster up by name or ARN; "" means "default", as
// on AWS. A world that lists services or tasks but no clusters still
// works: the cluster their ARNs name is made up on the fly.
func (s *Server) findCluster(ref string) (world.Object, error) {
	if ref == "" {
		ref = "default"
	}
	name := ecsLast(ref)
	for _, c := range s.w.Clusters {
		arn := ecsS(c, "clusterArn")
		if arn == ref || (!ecsIsARN(ref) && ecsS(c, "clusterName") == ref) ||
			(ecsIsARN(ref) && arn == "" && ecsS(c, "clusterName") == name) {
			return c, nil
		}
	}
	if !ecsIsARN(ref) || strings.Contains(ref, ":cluster/") {
		for _, l := range [][]world.Object{s.w.Services, s.w.Tasks, s.w.ContainerInstances} {
			for _, o := range l {
				if c := ecsClusterOf(o); c != "" && ecsLast(c) == name {
					arn := c
					if !ecsIsARN(arn) {
						arn = s.arn("ecs", "cluster/"+name)
					}
					return world.Object{"clusterName": name, "clusterArn": arn, "status": "ACTIVE"}, nil
				}
			}
		}
	}
	return nil, errorf("ClusterNotFoundException", "Cluster not found.")
}

// ecsClusterOf returns the cluster ARN an object names: its clusterArn,
// else the cluster inside its own long-format ARN.
func ecsClusterOf(o world.Object) string {
	if c := ecsS(o, "clusterArn"); c != "" {
		return c
	}
	for _, k := range []string{"serviceArn", "taskArn", "containerInstanceArn"} {
		arn := ecsS(o, k)
		// arn:aws:ecs:region:account:task/CLUSTER/ID
		parts := strings.Split(arn[strings.LastIndex(arn, ":")+1:], "/")
		if ecsIsARN(arn) && len(parts) == 3 {
			return parts[1]
		}
	}
	return ""
}

// inCluster says whether o belongs to cluster c. Objects that name no
// cluster at all belong to the only cluster of a one-cluster world.
func (s *Server) inCluster(o, c world.Object) bool {
	oc := ecsClusterOf(o)
	if oc == "" {
		return len(s.w.Clusters) <= 1
	}
	if arn := ecsS(c, "clusterArn"); arn != "" && oc == arn {
		return true
	}
	return ecsLast(oc) == ecsS(c, "clusterName")
}

// bumpCluster keeps a counter of the cluster in step, when the world
// has that counter at all.
func (s *Server) bumpCluster(clusterArn, key string, delta int64) {
	for _, c := range s.w.Clusters {
		if ecsS(c, "clusterArn") != clusterArn && ecsS(c, "clusterName") != ecsLast(clusterArn) {
			continue
		}
		if n, ok := ecsInt(c[key]); ok {
			if n += delta; n < 0 {
				n = 0
			}
			c[key] = n
		}
		return
	}
}

func listClusters(s *Server, r *Request) (map[string]any, error) {
	arns := make([]string, 0, len(s.w.Clusters))
	for _, c := range s.w.Clusters {
		arn := ecsS(c, "clusterArn")
		if arn == "" {
			arn = s.arn("ecs", "cluster/"+ecsS(c, "clusterName"))
		}
		arns = append(arns, arn)
	}
	items, next, err := ecsPage(arns, r.Input, 100)
	if err != nil {
		return nil, err
	}
	return ecsListOut("clusterArns", items, next), nil
}

func describeClusters(s *Server, r *Request) (map[string]any, error) {
	refs := strs(r.Input, "clusters")
	if len(refs) == 0 {
		refs = []string{"default"}
	}
	if len(refs) > 100 {
		return nil, errorf("InvalidParameterException", "clusters can have at most 100 items.")
	}
	tags := ecsIncludes(r.Input, "TAGS")
	clusters, failures := []any{}, []any{}
	for _, ref := range refs {
		c, err := s.findCluster(ref)
		if err != nil {
			arn := ref
			if !ecsIsARN(arn) {
				arn = s.arn("ecs", "cluster/"+ref)
			}
			failures = append(failures, ecsMissing(arn))
			continue
		}
		clusters = append(clusters, ecsOut(c, tags))
	}
	return map[string]any{"clusters": clusters, "failures": failures}, nil
}
