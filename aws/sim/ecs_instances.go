package sim

import (
	"github.com/ecsmedic/ecsmedic/aws/world"
)

func init() {
	register(SvcECS, "ListContainerInstances", false, listContainerInstances)
	register(SvcECS, "DescribeContainerInstances", false, describeContainerInstances)
}

var instanceStatuses = map[string]bool{
	"ACTIVE": true, "DRAINING": true, "REGISTERING": true, "DEREGISTERING": true, "REGISTRATION_FAILED": true,
}

func listContainerInstances(s *Server, r *Request) (map[string]any, error) {
	cluster, err := s.findCluster(str(r.Input, "cluster"))
	if err != nil {
		return nil, err
	}
	if str(r.Input, "filter") != "" {
		return nil, errorf("InvalidParameterException", "The simulator does not evaluate cluster query language filters; list without filter, or by status.")
	}
	status := str(r.Input, "status")
	if status != "" && !instanceStatuses[status] {
		return nil, errorf("InvalidParameterException", "status must be one of ACTIVE, DRAINING, REGISTERING, DEREGISTERING or REGISTRATION_FAILED, but was %s.", status)
	}
	var arns []string
	for _, ci := range s.w.ContainerInstances {
		if !s.inCluster(ci, cluster) {
			continue
		}
		st := ecsS(ci, "status")
		if (status != "" && st != status) || st == "INACTIVE" {
			continue
		}
		arns = append(arns, ecsS(ci, "containerInstanceArn"))
	}
	items, next, err := ecsPage(arns, r.Input, 100)
	if err != nil {
		return nil, err
	}
	return ecsListOut("containerInstanceArns", items, next), nil
}

func (s *Server) findInstance(cluster world.Object, ref string) world.Object {
	for _, ci := range s.w.ContainerInstances {
		arn := ecsS(ci, "containerInstanceArn")
		if (arn == ref || (!ecsIsARN(ref) && ecsLast(arn) == ref)) && s.inCluster(ci, cluster) {
			return ci
		}
	}
	return nil
}

func describeContainerInstances(s *Server, r *Request) (map[string]any, error) {
	cluster, err := s.findCluster(str(r.Input, "cluster"))
	if err != nil {
		return nil, err
	}
	refs := strs(r.Input, "containerInstances")
	switch {
	case len(refs) == 0:
		return nil, errorf("InvalidParameterException", "ContainerInstances cannot be empty.")
	case len(refs) > 100:
		return nil, errorf("InvalidParameterException", "containerInstances can have at most 100 items.")
	}
	tags := ecsIncludes(r.Input, "TAGS")
	out, failures := []any{}, []any{}
	for _, ref := range refs {
		ci := s.findInstance(cluster, ref)
		if ci == nil {
			arn := ref
			if !ecsIsARN(arn) {
				arn = s.arn("ecs", "container-instance/"+ecsS(cluster, "clusterName")+"/"+ref)
			}
			failures = append(failures, ecsMissing(arn))
			continue
		}
		out = append(out, ecsOut(ci, tags))
	}
	return map[string]any{"containerInstances": out, "failures": failures}, nil
}
