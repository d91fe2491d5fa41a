package sim

import (
	"math"
	"reflect"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// UpdateService: validate everything first, so a refused call changes
// nothing, then apply and let the scheduler (ecs_deploy.go) act on it.

// updateCopied are members of UpdateService's input stored as given.
var updateCopied = []string{
	"networkConfiguration", "platformVersion", "placementConstraints", "placementStrategy",
	"enableExecuteCommand", "enableECSManagedTags", "propagateTags", "serviceRegistries",
	"availabilityZoneRebalancing", "loadBalancers",
}

func updateService(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	cluster, err := s.findCluster(str(in, "cluster"))
	if err != nil {
		return nil, err
	}
	svc := s.findService(cluster, str(in, "service"))
	if svc == nil {
		return nil, errorf("ServiceNotFoundException", "Service not found.")
	}
	if st := ecsS(svc, "status"); st != "" && st != "ACTIVE" {
		return nil, errorf("ServiceNotActiveException", "Service was not ACTIVE.")
	}
	desired, hasDesired, err := intOf(in, "desiredCount")
	switch {
	case err != nil:
		return nil, errorf("InvalidParameterException", "desiredCount must be a whole number, got %v.", in["desiredCount"])
	case hasDesired && desired < 0:
		return nil, errorf("InvalidParameterException", "Invalid desiredCount %d: the desired count must be 0 or more.", desired)
	case hasDesired && ecsS(svc, "schedulingStrategy") == "DAEMON":
		return nil, errorf("InvalidParameterException", "The daemon scheduling strategy does not support a desired count for services. Remove the desired count value and try again.")
	}
	var td world.Object
	if ref := str(in, "taskDefinition"); ref != "" {
		if td, err = s.findTaskDef(ref); err != nil {
			return nil, err
		}
		if tdStatus(td) != "ACTIVE" {
			return nil, errorf("ClientException", "TaskDefinition is inactive")
		}
		if serviceLaunchType(svc) == "FARGATE" && !fargateReady(td) {
			return nil, errorf("InvalidParameterException", "Task definition does not support launch_type FARGATE.")
		}
	}
	grace, hasGrace, err := intOf(in, "healthCheckGracePeriodSeconds")
	if err != nil {
		return nil, errorf("InvalidParameterException", "healthCheckGracePeriodSeconds must be a whole number of seconds.")
	}
	if hasGrace {
		lbs := ecsList(svc, "loadBalancers")
		if nl := objs(in, "loadBalancers"); nl != nil {
			lbs = nl
		}
		if len(lbs) == 0 {
			return nil, errorf("InvalidParameterException", "Health check grace period is only valid for services configured to use load balancers")
		}
		if grace < 0 || grace > math.MaxInt32 {
			return nil, errorf("InvalidParameterException", "healthCheckGracePeriodSeconds must be between 0 and 2147483647, but was %d.", grace)
		}
	}
	dc, err := checkDeploymentConfig(obj(in, "deploymentConfiguration"))
	if err != nil {
		return nil, err
	}
	strategy, hasStrategy := in["capacityProviderStrategy"].([]any)
	if hasStrategy {
		if err := s.checkStrategy(cluster, objs(in, "capacityProviderStrategy")); err != nil {
			return nil, err
		}
	}
	force, _ := boolean(in, "forceNewDeployment")

	// Apply.
	now := r.Now
	newDeployment := force
	if td != nil && s.tdArn(td) != ecsS(svc, "taskDefinition") {
		svc["taskDefinition"] = s.tdArn(td)
		newDeployment = true
	}
	if hasStrategy {
		norm := ecsNormalise(strategy)
		if !reflect.DeepEqual(norm, svc["capacityProviderStrategy"]) {
			newDeployment = true
		}
		svc["capacityProviderStrategy"] = norm
		if len(strategy) > 0 {
			delete(svc, "launchType")
		}
	}
	if nc, ok := in["networkConfiguration"]; ok && !reflect.DeepEqual(ecsNormalise(nc), svc["networkConfiguration"]) {
		newDeployment = true
	}
	for _, k := range updateCopied {
		if v, ok := in[k]; ok && v != nil {
			svc[k] = ecsNormalise(v)
		}
	}
	if hasGrace {
		svc["healthCheckGracePeriodSeconds"] = grace
	}
	if dc != nil {
		merged, _ := ecsCopy(svc["deploymentConfiguration"]).(map[string]any)
		if merged == nil {
			merged = map[string]any{}
		}
		for k, v := range dc {
			merged[k] = v
		}
		svc["deploymentConfiguration"] = merged
	}
	changedCount := hasDesired && desiredOf(svc) != desired
	if hasDesired {
		svc["desiredCount"] = desired
	}
	if newDeployment {
		s.startDeployment(svc, now)
	} else if p := primaryDeployment(svc); p != nil && hasDesired {
		p["desiredCount"] = desired
		p["updatedAt"] = now
	}
	if newDeployment || changedCount {
		s.markBusy(svc)
		s.recount(svc, now)
	}
	return map[string]any{"service": ecsOut(svc, false)}, nil
}

// checkDeploymentConfig validates deploymentConfiguration and returns it
// normalised (nil when absent).
func checkDeploymentConfig(dc map[string]any) (map[string]any, error) {
	if dc == nil {
		return nil, nil
	}
	for _, k := range []string{"maximumPercent", "minimumHealthyPercent"} {
		n, ok, err := intOf(dc, k)
		if err != nil || (ok && n < 0) {
			return nil, errorf("InvalidParameterException", "deploymentConfiguration.%s must be a whole number of percent, 0 or more.", k)
		}
	}
	if n, ok, _ := intOf(dc, "minimumHealthyPercent"); ok && n > 100 {
		return nil, errorf("InvalidParameterException", "minimumHealthyPercent must be between 0 and 100, but was %d.", n)
	}
	if cb := obj(dc, "deploymentCircuitBreaker"); cb != nil {
		for _, k := range []string{"enable", "rollback"} {
			if _, ok := boolean(cb, k); !ok {
				return nil, errorf("InvalidParameterException", "deploymentCircuitBreaker.%s must be true or false.", k)
			}
		}
	}
	out, _ := ecsNormalise(dc).(map[string]any)
	return out, nil
}

// checkStrategy accepts the capacity providers AWS would: FARGATE,
// FARGATE_SPOT and those of the cluster (or, for a world that does not
// list the cluster's providers, any the world has).
func (s *Server) checkStrategy(cluster world.Object, items []map[string]any) error {
	known := map[string]bool{"FARGATE": true, "FARGATE_SPOT": true}
	if l, ok := cluster["capacityProviders"].([]any); ok {
		for _, v := range l {
			if n, ok := v.(string); ok {
				known[n] = true
			}
		}
	} else {
		for _, cp := range s.w.CapacityProviders {
			known[ecsS(cp, "name")] = true
		}
	}
	for _, it := range items {
		name := str(it, "capacityProvider")
		if !known[name] && !known[ecsLast(name)] {
			return errorf("InvalidParameterException", "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.")
		}
		if w, ok, err := intOf(it, "weight"); err != nil || (ok && (w < 0 || w > 1000)) {
			return errorf("InvalidParameterException", "The capacity provider weight must be between 0 and 1000.")
		}
		if b, ok, err := intOf(it, "base"); err != nil || (ok && (b < 0 || b > 100000)) {
			return errorf("InvalidParameterException", "The capacity provider base must be between 0 and 100000.")
		}
	}
	return nil
}

func fargateReady(td world.Object) bool {
	for _, c := range anyStrings(td["compatibilities"]) {
		if c == "FARGATE" {
			return true
		}
	}
	c, _ := ecsInt(td["cpu"])
	m, _ := ecsInt(td["memory"])
	return ecsS(td, "networkMode") == "awsvpc" && fargateMemoryOK(c, m)
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func desiredOf(svc world.Object) int64 {
	n, _ := ecsInt(svc["desiredCount"])
	return n
}
