package sim

import (
	"github.com/ecsmedic/ecsmedic/aws/world"
)

func init() {
	register(SvcECS, "DescribeCapacityProviders", false, describeCapacityProviders)
	register(SvcECS, "UpdateCapacityProvider", true, updateCapacityProvider)
}

func (s *Server) findCapacityProvider(ref string) world.Object {
	for _, cp := range s.w.CapacityProviders {
		if ecsS(cp, "capacityProviderArn") == ref || ecsS(cp, "name") == ref {
			return cp
		}
	}
	return nil
}

// awsProvider stands in for FARGATE and FARGATE_SPOT, which every account
// has without a world listing them.
func (s *Server) awsProvider(name string) world.Object {
	return world.Object{
		"capacityProviderArn": s.arn("ecs", "capacity-provider/"+name),
		"name":                name, "status": "ACTIVE", "tags": []any{},
	}
}

func describeCapacityProviders(s *Server, r *Request) (map[string]any, error) {
	tags := ecsIncludes(r.Input, "TAGS")
	refs := strs(r.Input, "capacityProviders")
	if len(refs) > 100 {
		return nil, errorf("InvalidParameterException", "capacityProviders can have at most 100 items.")
	}
	var found []world.Object
	failures := []any{}
	if len(refs) == 0 {
		found = append(found, s.w.CapacityProviders...)
	}
	for _, ref := range refs {
		cp := s.findCapacityProvider(ref)
		if name := ecsLast(ref); cp == nil && (name == "FARGATE" || name == "FARGATE_SPOT") {
			cp = s.awsProvider(name)
		}
		if cp == nil {
			arn := ref
			if !ecsIsARN(arn) {
				arn = s.arn("ecs", "capacity-provider/"+ref)
			}
			failures = append(failures, ecsMissing(arn))
			continue
		}
		found = append(found, cp)
	}
	start, end, next, err := ecsPageRange(len(found), r.Input, 100)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, cp := range found[start:end] {
		out = append(out, ecsOut(cp, tags))
	}
	res := map[string]any{"capacityProviders": out, "failures": failures}
	if next != "" {
		res["nextToken"] = next
	}
	return res, nil
}
