package sim

import (
	"github.com/ecsmedic/ecsmedic/aws/world"
)

func init() {
	register(SvcECS, "ListServices", false, listServices)
	register(SvcECS, "DescribeServices", false, describeServices)
	register(SvcECS, "UpdateService", true, updateService)
}

func svcName(svc world.Object) string {
	if n := ecsS(svc, "serviceName"); n != "" {
		return n
	}
	return ecsLast(ecsS(svc, "serviceArn"))
}

func (s *Server) svcArn(svc world.Object, cluster world.Object) string {
	if a := ecsS(svc, "serviceArn"); a != "" {
		return a
	}
	return s.arn("ecs", "service/"+ecsS(cluster, "clusterName")+"/"+svcName(svc))
}

// findService looks a service of the cluster up by name or ARN.
func (s *Server) findService(cluster world.Object, ref string) world.Object {
	for _, svc := range s.w.Services {
		if !s.inCluster(svc, cluster) {
			continue
		}
		if ecsS(svc, "serviceArn") == ref || (!ecsIsARN(ref) && svcName(svc) == ref) ||
			(ecsIsARN(ref) && ecsS(svc, "serviceArn") == "" && svcName(svc) == ecsLast(ref)) {
			return svc
		}
	}
	return nil
}

func listServices(s *Server, r *Request) (map[string]any, error) {
	cluster, err := s.findCluster(str(r.Input, "cluster"))
	if err != nil {
		return nil, err
	}
	lt, strategy := str(r.Input, "launchType"), str(r.Input, "schedulingStrategy")
	var arns []string
	for _, svc := range s.w.Services {
		if !s.inCluster(svc, cluster) || ecsS(svc, "status") == "INACTIVE" {
			continue
		}
		if lt != "" && serviceLaunchType(svc) != lt {
			continue
		}
		if st := ecsS(svc, "schedulingStrategy"); strategy != "" && st != strategy && (st != "" || strategy != "REPLICA") {
			continue
		}
		arns = append(arns, s.svcArn(svc, cluster))
	}
	items, next, err := ecsPage(arns, r.Input, 10)
	if err != nil {
		return nil, err
	}
	return ecsListOut("serviceArns", items, next), nil
}

func describeServices(s *Server, r *Request) (map[string]any, error) {
	cluster, err := s.findCluster(str(r.Input, "cluster"))
	if err != nil {
		return nil, err
	}
	refs := strs(r.Input, "services")
	switch {
	case len(refs) == 0:
		return nil, errorf("InvalidParameterException", "Services cannot be empty.")
	case len(refs) > 10:
		return nil, errorf("InvalidParameterException", "service names can have at most 10 items.")
	}
	tags := ecsIncludes(r.Input, "TAGS")
	services, failures := []any{}, []any{}
	stepped := map[string]bool{}
	s.scaleOnClock(r.Now)
	for _, ref := range refs {
		svc := s.findService(cluster, ref)
		if svc == nil {
			arn := ref
			if !ecsIsARN(arn) {
				arn = s.arn("ecs", "service/"+ecsS(cluster, "clusterName")+"/"+ref)
			}
			failures = append(failures, ecsMissing(arn))
			continue
		}
		// Reading a service is what moves its simulated scheduler on.
		if key := s.svcArn(svc, cluster); !stepped[key] {
			stepped[key] = true
			s.stepService(svc, r.Now)
		}
		services = append(services, ecsOut(svc, tags))
	}
	return map[string]any{"services": services, "failures": failures}, nil
}
