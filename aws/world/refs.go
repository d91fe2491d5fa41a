package world

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// checkReferences refuses dangling ARNs: a service or task naming a cluster
// or task definition the world does not hold (a task's container instance
// may be missing, as one that was deregistered is). Links to kinds the world has
// none of (the spec's own example names a target group it does not list)
// are left alone, so that a partial capture still loads.
func (p *parser) checkReferences(w *World) {
	clusters := index(w.Clusters, "clusterArn", "clusterName")
	taskDefs := index(w.TaskDefinitions, "taskDefinitionArn")
	targetGroups := index(w.TargetGroups, "TargetGroupArn")
	groups := index(w.AutoScalingGroups, "AutoScalingGroupARN", "AutoScalingGroupName")

	check := func(kind string, i int, key string, got any, known map[string]bool, what, list string, always bool) {
		ref, ok := got.(string)
		if !ok || ref == "" || known[ref] {
			return
		}
		if len(known) == 0 && !always {
			return
		}
		p.errorf(p.keyNode(kind, i, key), fmt.Sprintf("%s[%d].%s", kind, i, key),
			"%s %q is not in this world; add it under `%s:` or fix the ARN%s", what, ref, list, hint(ref, known))
	}
	for i, s := range w.Services {
		check("services", i, "clusterArn", s["clusterArn"], clusters, "cluster", "clusters", true)
		check("services", i, "taskDefinition", s["taskDefinition"], taskDefs, "task definition", "taskDefinitions", true)
		if lbs, ok := s["loadBalancers"].([]any); ok {
			for _, lb := range lbs {
				if m, ok := lb.(map[string]any); ok {
					check("services", i, "loadBalancers", m["targetGroupArn"], targetGroups, "target group", "targetGroups", false)
				}
			}
		}
	}
	for i, t := range w.Tasks {
		check("tasks", i, "clusterArn", t["clusterArn"], clusters, "cluster", "clusters", true)
		check("tasks", i, "taskDefinitionArn", t["taskDefinitionArn"], taskDefs, "task definition", "taskDefinitions", true)
		// A task's container instance may be gone: AWS forgets a
		// deregistered one while its stopped tasks still name it.
	}
	for i, cp := range w.CapacityProviders {
		if asg, ok := cp["autoScalingGroupProvider"].(map[string]any); ok {
			check("capacityProviders", i, "autoScalingGroupProvider", asg["autoScalingGroupArn"], groups, "Auto Scaling group", "autoScalingGroups", false)
		}
	}
}

// index collects the values of the given keys over objects.
func index(objs []Object, keys ...string) map[string]bool {
	m := map[string]bool{}
	for _, o := range objs {
		for _, k := range keys {
			if s, ok := o[k].(string); ok && s != "" {
				m[s] = true
			}
		}
	}
	return m
}

// keyNode finds the line of key inside the i-th object of kind.
func (p *parser) keyNode(kind string, i int, key string) *yaml.Node {
	nodes := p.nodes[kind]
	if i >= len(nodes) {
		return nil
	}
	obj := nodes[i]
	for j := 0; j+1 < len(obj.Content); j += 2 {
		if obj.Content[j].Value == key {
			return obj.Content[j+1]
		}
	}
	return obj
}

// hint names the closest known value: a typo in an account id or revision
// is the usual cause.
func hint(ref string, known map[string]bool) string {
	best, bestScore := "", 0
	for k := range known {
		if s := commonPrefix(ref, k); s > bestScore {
			best, bestScore = k, s
		}
	}
	if best == "" || bestScore < len(ref)/2 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
