package sim

import (
	"fmt"
	"slices"
	"strings"
)

// Application Auto Scaling: scalable targets and their scaling policies,
// as used for ECS service auto scaling.

func init() {
	register(SvcAppAutoScaling, "DescribeScalableTargets", false, describeScalableTargets)
	register(SvcAppAutoScaling, "RegisterScalableTarget", true, registerScalableTarget)
	register(SvcAppAutoScaling, "DeregisterScalableTarget", true, deregisterScalableTarget)
	register(SvcAppAutoScaling, "DescribeScalingPolicies", false, describeScalingPolicies)
	register(SvcAppAutoScaling, "PutScalingPolicy", true, putAppScalingPolicy)
	register(SvcAppAutoScaling, "DeleteScalingPolicy", true, deleteAppScalingPolicy)
	register(SvcAppAutoScaling, "DescribeScalingActivities", false, describeAppScalingActivities)
}

const (
	aasValidation = "ValidationException"
	aasNotFound   = "ObjectNotFoundException"
	aasMaxResults = 50
)

var aasNamespaces = []string{"ecs", "elasticmapreduce", "ec2", "appstream", "dynamodb", "rds", "sagemaker",
	"custom-resource", "comprehend", "lambda", "cassandra", "kafka", "elasticache", "neptune", "workspaces"}

var ecsPredefinedMetrics = []string{"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"}

// aasNull is AWS's wording for a missing required member.
func aasNull(field string) error {
	return errorf(aasValidation, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
}

// aasNamespaceArg reads the required, enumerated ServiceNamespace.
func aasNamespaceArg(in map[string]any) (string, error) {
	ns := str(in, "ServiceNamespace")
	if ns == "" {
		return "", aasNull("serviceNamespace")
	}
	if !slices.Contains(aasNamespaces, ns) {
		return "", errorf(aasValidation, "1 validation error detected: Value '%s' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [%s]", ns, strings.Join(aasNamespaces, ", "))
	}
	return ns, nil
}

// aasTarget is the key of a scalable target.
type aasTarget struct{ ns, id, dim string }

func (t aasTarget) of(o map[string]any) bool {
	return str(o, "ServiceNamespace") == t.ns && str(o, "ResourceId") == t.id && str(o, "ScalableDimension") == t.dim
}

func (t aasTarget) String() string {
	return fmt.Sprintf("service namespace: %s, resource ID: %s, scalable dimension: %s", t.ns, t.id, t.dim)
}

// aasTargetArg reads the three required members naming a target.
func aasTargetArg(in map[string]any) (aasTarget, error) {
	ns, err := aasNamespaceArg(in)
	if err != nil {
		return aasTarget{}, err
	}
	t := aasTarget{ns: ns, id: str(in, "ResourceId"), dim: str(in, "ScalableDimension")}
	if t.id == "" {
		return t, aasNull("resourceId")
	}
	if t.dim == "" {
		return t, aasNull("scalableDimension")
	}
	return t, nil
}

// aasPageArgs reads MaxResults (1–50) and NextToken.
func aasPageArgs(in map[string]any) (int, int, error) {
	size := aasMaxResults
	if n, ok, err := intOf(in, "MaxResults"); err != nil || (ok && (n < 1 || n > aasMaxResults)) {
		return 0, 0, errorf(aasValidation, "1 validation error detected: Value '%v' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", in["MaxResults"], aasMaxResults)
	} else if ok {
		size = int(n)
	}
	offset, err := offsetToken(str(in, "NextToken"), "InvalidNextTokenException")
	return size, offset, err
}

func describeScalableTargets(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	ns, err := aasNamespaceArg(in)
	if err != nil {
		return nil, err
	}
	size, offset, err := aasPageArgs(in)
	if err != nil {
		return nil, err
	}
	ids, dim := strs(in, "ResourceIds"), str(in, "ScalableDimension")
	var found []any
	for _, t := range s.w.ScalableTargets {
		if str(t, "ServiceNamespace") != ns || (dim != "" && str(t, "ScalableDimension") != dim) {
			continue
		}
		if len(ids) > 0 && !slices.Contains(ids, str(t, "ResourceId")) {
			continue
		}
		found = append(found, t)
	}
	page, next := pageAt(found, offset, size)
	out := map[string]any{"ScalableTargets": page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// checkECSTarget checks an ECS target's id and dimension and that the
// service exists, as AWS does when registering.
func checkECSTarget(s *Server, t aasTarget) error {
	if t.dim != "ecs:service:DesiredCount" {
		return errorf(aasValidation, "Unsupported scalable dimension '%s' for service namespace ecs; use ecs:service:DesiredCount", t.dim)
	}
	parts := strings.Split(t.id, "/")
	if len(parts) != 3 || parts[0] != "service" || parts[1] == "" || parts[2] == "" {
		return errorf(aasValidation, "Unsupported resource ID '%s' for service namespace ecs; use service/CLUSTER/SERVICE", t.id)
	}
	for _, svc := range s.w.Services {
		cluster := str(svc, "clusterArn")
		cluster = cluster[strings.LastIndex(cluster, "/")+1:]
		if str(svc, "serviceName") == parts[2] && cluster == parts[1] {
			return nil
		}
	}
	return errorf(aasValidation, "ECS service doesn't exist: %s", t.id)
}

func registerScalableTarget(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	t, err := aasTargetArg(in)
	if err != nil {
		return nil, err
	}
	if t.ns == "ecs" {
		if err := checkECSTarget(s, t); err != nil {
			return nil, err
		}
	}
	i := slices.IndexFunc(s.w.ScalableTargets, t.of)
	next := map[string]any{}
	if i >= 0 {
		next = deepCopyValue(s.w.ScalableTargets[i]).(map[string]any)
	}
	for _, k := range []string{"MinCapacity", "MaxCapacity"} {
		n, ok, err := intOf(in, k)
		if err != nil || (ok && n < 0) {
			return nil, errorf(aasValidation, "%s must be a whole number, not negative.", k)
		}
		if ok {
			next[k] = n
		} else if i < 0 {
			return nil, errorf(aasValidation, "MinCapacity and MaxCapacity are required to register a new scalable target.")
		}
	}
	lo, _, _ := intOf(next, "MinCapacity")
	hi, _, _ := intOf(next, "MaxCapacity")
	if lo > hi {
		return nil, errorf(aasValidation, "Minimum capacity cannot be greater than maximum capacity (%d > %d).", lo, hi)
	}
	if i < 0 {
		next["ServiceNamespace"], next["ResourceId"], next["ScalableDimension"] = t.ns, t.id, t.dim
		next["CreationTime"] = r.Now
		next["ScalableTargetARN"] = s.arn("application-autoscaling", "scalable-target/"+s.newID("")[:28])
		next["RoleARN"] = s.arn("iam", "role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService")
		next["SuspendedState"] = map[string]any{"DynamicScalingInSuspended": false, "DynamicScalingOutSuspended": false, "ScheduledScalingSuspended": false}
	}
	if role := str(in, "RoleARN"); role != "" {
		next["RoleARN"] = role
	}
	if ss := obj(in, "SuspendedState"); ss != nil {
		state, _ := next["SuspendedState"].(map[string]any)
		if state == nil {
			state = map[string]any{}
		}
		for _, k := range []string{"DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended"} {
			if b, ok := boolean(ss, k); ok {
				state[k] = b
			}
		}
		next["SuspendedState"] = state
	}
	if i >= 0 {
		s.w.ScalableTargets[i] = next
	} else {
		s.w.ScalableTargets = append(s.w.ScalableTargets, next)
	}
	return map[string]any{"ScalableTargetARN": str(next, "ScalableTargetARN")}, nil
}

func deregisterScalableTarget(s *Server, r *Request) (map[string]any, error) {
	t, err := aasTargetArg(r.Input)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(s.w.ScalableTargets, t.of)
	if i < 0 {
		return nil, errorf(aasNotFound, "No scalable target registered for %s", t)
	}
	s.w.ScalableTargets = slices.Delete(s.w.ScalableTargets, i, i+1)
	// Deregistering a target deletes its scaling policies too.
	s.w.ScalingPolicies = slices.DeleteFunc(s.w.ScalingPolicies, t.of)
	return map[string]any{}, nil
}

func describeScalingPolicies(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	ns, err := aasNamespaceArg(in)
	if err != nil {
		return nil, err
	}
	size, offset, err := aasPageArgs(in)
	if err != nil {
		return nil, err
	}
	names, id, dim := strs(in, "PolicyNames"), str(in, "ResourceId"), str(in, "ScalableDimension")
	var found []any
	for _, p := range s.w.ScalingPolicies {
		if str(p, "ServiceNamespace") != ns || (id != "" && str(p, "ResourceId") != id) || (dim != "" && str(p, "ScalableDimension") != dim) {
			continue
		}
		if len(names) > 0 && !slices.Contains(names, str(p, "PolicyName")) {
			continue
		}
		found = append(found, p)
	}
	page, next := pageAt(found, offset, size)
	out := map[string]any{"ScalingPolicies": page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func putAppScalingPolicy(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	name := str(in, "PolicyName")
	if name == "" {
		return nil, aasNull("policyName")
	}
	t, err := aasTargetArg(in)
	if err != nil {
		return nil, err
	}
	pt := str(in, "PolicyType")
	if pt == "" {
		pt = "StepScaling"
	}
	p := map[string]any{"PolicyName": name, "ServiceNamespace": t.ns, "ResourceId": t.id, "ScalableDimension": t.dim, "PolicyType": pt}
	scaleIn := true
	switch pt {
	case "TargetTrackingScaling":
		if in["StepScalingPolicyConfiguration"] != nil {
			return nil, errorf(aasValidation, "StepScalingPolicyConfiguration is not allowed for policy type TargetTrackingScaling.")
		}
		cfg, err := aasTrackingConfig(obj(in, "TargetTrackingScalingPolicyConfiguration"), t.ns)
		if err != nil {
			return nil, err
		}
		scaleIn = !cfg["DisableScaleIn"].(bool)
		p["TargetTrackingScalingPolicyConfiguration"] = cfg
	case "StepScaling":
		if in["TargetTrackingScalingPolicyConfiguration"] != nil {
			return nil, errorf(aasValidation, "TargetTrackingScalingPolicyConfiguration is not allowed for policy type StepScaling.")
		}
		cfg, err := aasStepConfig(obj(in, "StepScalingPolicyConfiguration"))
		if err != nil {
			return nil, err
		}
		p["StepScalingPolicyConfiguration"] = cfg
	case "PredictiveScaling":
		return nil, errorf(aasValidation, "PredictiveScaling policies are not supported by the simulator.")
	default:
		return nil, errorf(aasValidation, "1 validation error detected: Value '%s' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [StepScaling, TargetTrackingScaling, PredictiveScaling]", pt)
	}
	if !slices.ContainsFunc(s.w.ScalableTargets, t.of) {
		return nil, errorf(aasNotFound, "No scalable target registered for %s", t)
	}

	i := slices.IndexFunc(s.w.ScalingPolicies, func(o map[string]any) bool { return t.of(o) && str(o, "PolicyName") == name })
	if i >= 0 { // an update keeps its ARN and creation time
		p["PolicyARN"], p["CreationTime"] = s.w.ScalingPolicies[i]["PolicyARN"], s.w.ScalingPolicies[i]["CreationTime"]
	}
	if str(p, "PolicyARN") == "" {
		p["PolicyARN"] = s.arn("autoscaling", "scalingPolicy:"+uuid(s)+":resource/"+t.ns+"/"+t.id+":policyName/"+name)
	}
	if p["CreationTime"] == nil {
		p["CreationTime"] = r.Now
	}
	alarms := []any{}
	if pt == "TargetTrackingScaling" {
		alarms = trackingAlarms(s, t.id, scaleIn)
	}
	p["Alarms"] = alarms
	if i >= 0 {
		s.w.ScalingPolicies[i] = p
	} else {
		s.w.ScalingPolicies = append(s.w.ScalingPolicies, p)
	}
	return map[string]any{"PolicyARN": p["PolicyARN"], "Alarms": deepCopyList(alarms)}, nil
}

// aasTrackingConfig checks a TargetTrackingScalingPolicyConfiguration and
// returns it with typed values.
func aasTrackingConfig(c map[string]any, ns string) (map[string]any, error) {
	if c == nil {
		return nil, errorf(aasValidation, "TargetTrackingScalingPolicyConfiguration is required for policy type TargetTrackingScaling.")
	}
	tv, ok := num(c, "TargetValue")
	if !ok {
		return nil, errorf(aasValidation, "TargetTrackingScalingPolicyConfiguration.TargetValue is required and must be a number.")
	}
	out := map[string]any{"TargetValue": tv, "DisableScaleIn": false}
	if d, ok := boolean(c, "DisableScaleIn"); ok {
		out["DisableScaleIn"] = d
	}
	for _, k := range []string{"ScaleInCooldown", "ScaleOutCooldown"} {
		n, ok, err := intOf(c, k)
		if err != nil || (ok && (n < 0 || n > 86400)) {
			return nil, errorf(aasValidation, "%s must be a whole number of seconds from 0 to 86400.", k)
		}
		if ok {
			out[k] = n
		}
	}
	pre, cust := obj(c, "PredefinedMetricSpecification"), obj(c, "CustomizedMetricSpecification")
	if (pre == nil) == (cust == nil) {
		return nil, errorf(aasValidation, "Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be given.")
	}
	if cust != nil {
		spec, err := customMetric(cust, aasValidation)
		if err != nil {
			return nil, err
		}
		out["CustomizedMetricSpecification"] = spec
		return out, nil
	}
	mt := str(pre, "PredefinedMetricType")
	if mt == "" {
		return nil, aasNull("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType")
	}
	if ns == "ecs" && !slices.Contains(ecsPredefinedMetrics, mt) {
		return nil, errorf(aasValidation, "Unsupported metric type '%s' for service namespace ecs; use one of %s", mt, strings.Join(ecsPredefinedMetrics, ", "))
	}
	spec := map[string]any{"PredefinedMetricType": mt}
	label := str(pre, "ResourceLabel")
	if mt == "ALBRequestCountPerTarget" && label == "" {
		return nil, errorf(aasValidation, "ResourceLabel is required for the ALBRequestCountPerTarget metric: app/LB-NAME/LB-ID/targetgroup/TG-NAME/TG-ID.")
	}
	if label != "" {
		spec["ResourceLabel"] = label
	}
	out["PredefinedMetricSpecification"] = spec
	return out, nil
}

// aasStepConfig checks a StepScalingPolicyConfiguration.
func aasStepConfig(c map[string]any) (map[string]any, error) {
	if c == nil {
		return nil, errorf(aasValidation, "StepScalingPolicyConfiguration is required for policy type StepScaling.")
	}
	at := str(c, "AdjustmentType")
	if !slices.Contains(adjustmentTypes, at) {
		return nil, errorf(aasValidation, "AdjustmentType is required and must be one of %s.", strings.Join(adjustmentTypes, ", "))
	}
	steps, err := stepAdjustments(objs(c, "StepAdjustments"), aasValidation)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"AdjustmentType": at, "StepAdjustments": steps}
	if n, ok, err := intOf(c, "Cooldown"); err != nil || (ok && n < 0) {
		return nil, errorf(aasValidation, "Cooldown must be a whole number of seconds, not negative.")
	} else if ok {
		out["Cooldown"] = n
	}
	if n, ok, err := intOf(c, "MinAdjustmentMagnitude"); err != nil {
		return nil, errorf(aasValidation, "MinAdjustmentMagnitude must be a whole number.")
	} else if ok {
		out["MinAdjustmentMagnitude"] = n
	}
	if agg := str(c, "MetricAggregationType"); agg != "" {
		if !slices.Contains([]string{"Average", "Minimum", "Maximum"}, agg) {
			return nil, errorf(aasValidation, "MetricAggregationType must be Average, Minimum or Maximum, got %q.", agg)
		}
		out["MetricAggregationType"] = agg
	}
	return out, nil
}

func deleteAppScalingPolicy(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	name := str(in, "PolicyName")
	if name == "" {
		return nil, aasNull("policyName")
	}
	t, err := aasTargetArg(in)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(s.w.ScalingPolicies, func(o map[string]any) bool { return t.of(o) && str(o, "PolicyName") == name })
	if i < 0 {
		return nil, errorf(aasNotFound, "No scaling policy found for %s, policy name: %s", t, name)
	}
	s.w.ScalingPolicies = slices.Delete(s.w.ScalingPolicies, i, i+1)
	return map[string]any{}, nil
}

// describeAppScalingActivities answers with no activities: the simulator
// does not record them.
func describeAppScalingActivities(s *Server, r *Request) (map[string]any, error) {
	if _, err := aasNamespaceArg(r.Input); err != nil {
		return nil, err
	}
	if _, _, err := aasPageArgs(r.Input); err != nil {
		return nil, err
	}
	return map[string]any{"ScalingActivities": []any{}}, nil
}
