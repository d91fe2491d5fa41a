package sim

import (
	"slices"
	"strings"
)

// EC2 Auto Scaling: groups, their scaling policies and desired capacity.
// awsQuery sends every scalar as a string, so the policy builders below
// convert to the types DescribePolicies returns.

func init() {
	register(SvcAutoScaling, "DescribeAutoScalingGroups", false, describeAutoScalingGroups)
	register(SvcAutoScaling, "DescribePolicies", false, describePolicies)
	register(SvcAutoScaling, "PutScalingPolicy", true, putASGScalingPolicy)
	register(SvcAutoScaling, "DeletePolicy", true, deleteASGPolicy)
	register(SvcAutoScaling, "DescribeScalingActivities", false, describeASGActivities)
	register(SvcAutoScaling, "SetDesiredCapacity", true, setDesiredCapacity)
}

const asgValidation = "ValidationError"

func findASG(s *Server, name string) map[string]any {
	for _, g := range s.w.AutoScalingGroups {
		if str(g, "AutoScalingGroupName") == name {
			return g
		}
	}
	return nil
}

// asgArg reads the required AutoScalingGroupName and finds the group.
func asgArg(s *Server, in map[string]any) (map[string]any, error) {
	name := str(in, "AutoScalingGroupName")
	if name == "" {
		return nil, errorf(asgValidation, "1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null")
	}
	g := findASG(s, name)
	if g == nil {
		return nil, errorf(asgValidation, "AutoScalingGroup name not found - AutoScalingGroup '%s' not found", name)
	}
	return g, nil
}

// asgPageArgs reads MaxRecords (1–100, default def) and NextToken.
func asgPageArgs(in map[string]any, def int) (int, int, error) {
	size := def
	if n, ok, err := intOf(in, "MaxRecords"); err != nil || (ok && (n < 1 || n > 100)) {
		return 0, 0, errorf(asgValidation, "1 validation error detected: Value '%v' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100", in["MaxRecords"])
	} else if ok {
		size = int(n)
	}
	offset, err := offsetToken(str(in, "NextToken"), "InvalidNextToken")
	return size, offset, err
}

func describeAutoScalingGroups(s *Server, r *Request) (map[string]any, error) {
	size, offset, err := asgPageArgs(r.Input, 50)
	if err != nil {
		return nil, err
	}
	names := strs(r.Input, "AutoScalingGroupNames")
	var found []any
	for _, g := range s.w.AutoScalingGroups {
		// Unknown names are left out, not an error, as AWS does.
		if len(names) == 0 || slices.Contains(names, str(g, "AutoScalingGroupName")) {
			found = append(found, g)
		}
	}
	page, next := pageAt(found, offset, size)
	out := map[string]any{"AutoScalingGroups": page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

var asgPolicyTypes = []string{"SimpleScaling", "StepScaling", "TargetTrackingScaling", "PredictiveScaling"}

func describePolicies(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	size, offset, err := asgPageArgs(in, 50)
	if err != nil {
		return nil, err
	}
	group, names, types := str(in, "AutoScalingGroupName"), strs(in, "PolicyNames"), strs(in, "PolicyTypes")
	for _, t := range types {
		if !slices.Contains(asgPolicyTypes, t) {
			return nil, errorf(asgValidation, "Policy type %s is not one of %s", t, strings.Join(asgPolicyTypes, ", "))
		}
	}
	var found []any
	for _, p := range s.w.AutoScalingPolicies {
		if group != "" && str(p, "AutoScalingGroupName") != group {
			continue
		}
		if len(names) > 0 && !slices.Contains(names, str(p, "PolicyName")) && !slices.Contains(names, str(p, "PolicyARN")) {
			continue
		}
		if len(types) > 0 && !slices.Contains(types, policyType(p)) {
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

// policyType defaults to SimpleScaling, as AWS does when it is not given.
func policyType(p map[string]any) string {
	if t := str(p, "PolicyType"); t != "" {
		return t
	}
	return "SimpleScaling"
}

// uuid formats a fresh simulator id as a UUID, the shape AWS uses inside
// policy ARNs and alarm names.
func uuid(s *Server) string {
	h := s.newID("")
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// trackingAlarms names the alarms a target tracking policy owns:
// AlarmHigh, and AlarmLow unless scale-in is disabled.
func trackingAlarms(s *Server, resource string, scaleIn bool) []any {
	kinds := []string{"AlarmHigh"}
	if scaleIn {
		kinds = append(kinds, "AlarmLow")
	}
	out := []any{}
	for _, k := range kinds {
		name := "TargetTracking-" + resource + "-" + k + "-" + uuid(s)
		out = append(out, map[string]any{"AlarmName": name, "AlarmARN": s.arn("cloudwatch", "alarm:"+name)})
	}
	return out
}

func putASGScalingPolicy(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	g, err := asgArg(s, in)
	if err != nil {
		return nil, err
	}
	group, name := str(g, "AutoScalingGroupName"), str(in, "PolicyName")
	if name == "" {
		return nil, errorf(asgValidation, "1 validation error detected: Value null at 'policyName' failed to satisfy constraint: Member must not be null")
	}
	pt := policyType(in)
	p := map[string]any{"AutoScalingGroupName": group, "PolicyName": name, "PolicyType": pt, "Enabled": true}
	if en, ok := boolean(in, "Enabled"); ok {
		p["Enabled"] = en
	}
	switch pt {
	case "SimpleScaling", "StepScaling":
		err = asgAdjustmentPolicy(in, p, pt)
	case "TargetTrackingScaling":
		err = asgTrackingPolicy(in, p)
	case "PredictiveScaling":
		err = errorf(asgValidation, "PredictiveScaling policies are not supported by the simulator")
	default:
		err = errorf(asgValidation, "Policy type %s is not one of %s", pt, strings.Join(asgPolicyTypes, ", "))
	}
	if err != nil {
		return nil, err
	}

	i := slices.IndexFunc(s.w.AutoScalingPolicies, func(o map[string]any) bool {
		return str(o, "AutoScalingGroupName") == group && str(o, "PolicyName") == name
	})
	if i >= 0 {
		p["PolicyARN"] = str(s.w.AutoScalingPolicies[i], "PolicyARN") // an update keeps its ARN
	}
	if str(p, "PolicyARN") == "" {
		p["PolicyARN"] = s.arn("autoscaling", "scalingPolicy:"+uuid(s)+":autoScalingGroupName/"+group+":policyName/"+name)
	}
	alarms := []any{}
	if pt == "TargetTrackingScaling" {
		scaleIn := true
		if d, ok := obj(p, "TargetTrackingConfiguration")["DisableScaleIn"].(bool); ok && d {
			scaleIn = false
		}
		alarms = trackingAlarms(s, group, scaleIn)
	}
	p["Alarms"] = alarms
	if i >= 0 {
		s.w.AutoScalingPolicies[i] = p
	} else {
		s.w.AutoScalingPolicies = append(s.w.AutoScalingPolicies, p)
	}
	return map[string]any{"PolicyARN": p["PolicyARN"], "Alarms": deepCopyList(alarms)}, nil
}

var adjustmentTypes = []string{"ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"}

// asgAdjustmentPolicy checks and copies the fields of a simple or step
// scaling policy into p.
func asgAdjustmentPolicy(in, p map[string]any, pt string) error {
	if in["TargetTrackingConfiguration"] != nil {
		return errorf(asgValidation, "TargetTrackingConfiguration is not supported for policy type %s.", pt)
	}
	at := str(in, "AdjustmentType")
	if !slices.Contains(adjustmentTypes, at) {
		return errorf(asgValidation, "AdjustmentType is required for policy type %s and must be one of %s", pt, strings.Join(adjustmentTypes, ", "))
	}
	p["AdjustmentType"] = at
	if n, ok, err := intOf(in, "MinAdjustmentMagnitude"); err != nil {
		return errorf(asgValidation, "%s", err)
	} else if ok {
		if at != "PercentChangeInCapacity" {
			return errorf(asgValidation, "MinAdjustmentMagnitude is only supported with AdjustmentType PercentChangeInCapacity.")
		}
		p["MinAdjustmentMagnitude"] = n
	}
	if pt == "SimpleScaling" {
		if in["StepAdjustments"] != nil || in["EstimatedInstanceWarmup"] != nil || in["MetricAggregationType"] != nil {
			return errorf(asgValidation, "StepAdjustments, EstimatedInstanceWarmup and MetricAggregationType are not supported for policy type SimpleScaling.")
		}
		n, ok, err := intOf(in, "ScalingAdjustment")
		if err != nil || !ok {
			return errorf(asgValidation, "ScalingAdjustment is required for policy type SimpleScaling and must be a whole number.")
		}
		p["ScalingAdjustment"] = n
		if c, ok, err := intOf(in, "Cooldown"); err != nil || (ok && c < 0) {
			return errorf(asgValidation, "Cooldown must be a whole number of seconds, not negative.")
		} else if ok {
			p["Cooldown"] = c
		}
		return nil
	}
	if in["ScalingAdjustment"] != nil || in["Cooldown"] != nil {
		return errorf(asgValidation, "ScalingAdjustment and Cooldown are not supported for policy type StepScaling.")
	}
	steps, err := stepAdjustments(objs(in, "StepAdjustments"), asgValidation)
	if err != nil {
		return err
	}
	p["StepAdjustments"] = steps
	agg := str(in, "MetricAggregationType")
	switch agg {
	case "":
		agg = "Average"
	case "Average", "Minimum", "Maximum":
	default:
		return errorf(asgValidation, "MetricAggregationType must be Average, Minimum or Maximum, got %q.", agg)
	}
	p["MetricAggregationType"] = agg
	if w, ok, err := intOf(in, "EstimatedInstanceWarmup"); err != nil || (ok && w < 0) {
		return errorf(asgValidation, "EstimatedInstanceWarmup must be a whole number of seconds, not negative.")
	} else if ok {
		p["EstimatedInstanceWarmup"] = w
	}
	return nil
}

// stepAdjustments checks step intervals (at least one step, a lower or
// upper bound on each, no overlaps checked beyond order) and types them.
func stepAdjustments(raw []map[string]any, code string) ([]any, error) {
	if len(raw) == 0 {
		return nil, errorf(code, "StepAdjustments is required for a step scaling policy and needs at least one step.")
	}
	out := make([]any, 0, len(raw))
	for i, st := range raw {
		step := map[string]any{}
		lo, hasLo := num(st, "MetricIntervalLowerBound")
		hi, hasHi := num(st, "MetricIntervalUpperBound")
		if hasLo {
			step["MetricIntervalLowerBound"] = lo
		}
		if hasHi {
			step["MetricIntervalUpperBound"] = hi
		}
		if hasLo && hasHi && lo >= hi {
			return nil, errorf(code, "Step %d: the lower bound must be less than the upper bound.", i+1)
		}
		if !hasLo && !hasHi && len(raw) > 1 {
			return nil, errorf(code, "Step %d needs a lower or an upper bound.", i+1)
		}
		n, ok, err := intOf(st, "ScalingAdjustment")
		if err != nil || !ok {
			return nil, errorf(code, "Step %d needs ScalingAdjustment as a whole number.", i+1)
		}
		step["ScalingAdjustment"] = n
		out = append(out, step)
	}
	return out, nil
}

var asgPredefinedMetrics = []string{"ASGAverageCPUUtilization", "ASGAverageNetworkIn", "ASGAverageNetworkOut", "ALBRequestCountPerTarget"}

var metricStatistics = []string{"Average", "Minimum", "Maximum", "SampleCount", "Sum"}

// asgTrackingPolicy checks and copies a TargetTrackingConfiguration.
func asgTrackingPolicy(in, p map[string]any) error {
	for _, k := range []string{"AdjustmentType", "ScalingAdjustment", "StepAdjustments", "Cooldown", "MinAdjustmentMagnitude", "MetricAggregationType"} {
		if in[k] != nil {
			return errorf(asgValidation, "%s is not supported for policy type TargetTrackingScaling.", k)
		}
	}
	tc := obj(in, "TargetTrackingConfiguration")
	if tc == nil {
		return errorf(asgValidation, "TargetTrackingConfiguration is required for policy type TargetTrackingScaling.")
	}
	out := map[string]any{}
	tv, ok := num(tc, "TargetValue")
	if !ok {
		return errorf(asgValidation, "TargetTrackingConfiguration.TargetValue is required and must be a number.")
	}
	out["TargetValue"] = tv
	if d, ok := boolean(tc, "DisableScaleIn"); ok {
		out["DisableScaleIn"] = d
	} else {
		out["DisableScaleIn"] = false
	}
	pre, cust := obj(tc, "PredefinedMetricSpecification"), obj(tc, "CustomizedMetricSpecification")
	if (pre == nil) == (cust == nil) {
		return errorf(asgValidation, "Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be given.")
	}
	if pre != nil {
		mt := str(pre, "PredefinedMetricType")
		if !slices.Contains(asgPredefinedMetrics, mt) {
			return errorf(asgValidation, "PredefinedMetricType %q is not one of %s", mt, strings.Join(asgPredefinedMetrics, ", "))
		}
		spec := map[string]any{"PredefinedMetricType": mt}
		label := str(pre, "ResourceLabel")
		if mt == "ALBRequestCountPerTarget" && label == "" {
			return errorf(asgValidation, "ResourceLabel is required for the ALBRequestCountPerTarget metric.")
		}
		if label != "" {
			spec["ResourceLabel"] = label
		}
		out["PredefinedMetricSpecification"] = spec
	} else {
		spec, err := customMetric(cust, asgValidation)
		if err != nil {
			return err
		}
		out["CustomizedMetricSpecification"] = spec
	}
	p["TargetTrackingConfiguration"] = out
	if w, ok, err := intOf(in, "EstimatedInstanceWarmup"); err != nil || (ok && w < 0) {
		return errorf(asgValidation, "EstimatedInstanceWarmup must be a whole number of seconds, not negative.")
	} else if ok {
		p["EstimatedInstanceWarmup"] = w
	}
	return nil
}

// customMetric checks a CustomizedMetricSpecification: MetricName,
// Namespace and Statistic required; Dimensions and Unit optional.
func customMetric(c map[string]any, code string) (map[string]any, error) {
	name, ns, st := str(c, "MetricName"), str(c, "Namespace"), str(c, "Statistic")
	if c["Metrics"] != nil {
		return nil, errorf(code, "Metric math in CustomizedMetricSpecification.Metrics is not supported by the simulator; give MetricName, Namespace and Statistic.")
	}
	if name == "" || ns == "" {
		return nil, errorf(code, "CustomizedMetricSpecification needs MetricName and Namespace.")
	}
	if !slices.Contains(metricStatistics, st) {
		return nil, errorf(code, "CustomizedMetricSpecification.Statistic must be one of %s, got %q.", strings.Join(metricStatistics, ", "), st)
	}
	spec := map[string]any{"MetricName": name, "Namespace": ns, "Statistic": st}
	dims := []any{}
	for _, d := range objs(c, "Dimensions") {
		if str(d, "Name") == "" {
			return nil, errorf(code, "Every dimension of CustomizedMetricSpecification needs a Name.")
		}
		dims = append(dims, map[string]any{"Name": str(d, "Name"), "Value": str(d, "Value")})
	}
	if len(dims) > 0 {
		spec["Dimensions"] = dims
	}
	if u := str(c, "Unit"); u != "" {
		spec["Unit"] = u
	}
	return spec, nil
}

func deleteASGPolicy(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	name, group := str(in, "PolicyName"), str(in, "AutoScalingGroupName")
	if name == "" {
		return nil, errorf(asgValidation, "1 validation error detected: Value null at 'policyName' failed to satisfy constraint: Member must not be null")
	}
	byARN := strings.HasPrefix(name, "arn:")
	if !byARN {
		if _, err := asgArg(s, in); err != nil {
			return nil, err
		}
	}
	i := slices.IndexFunc(s.w.AutoScalingPolicies, func(p map[string]any) bool {
		if byARN {
			return str(p, "PolicyARN") == name
		}
		return str(p, "AutoScalingGroupName") == group && str(p, "PolicyName") == name
	})
	if i < 0 {
		return nil, errorf(asgValidation, "The scaling policy '%s' was not found", name)
	}
	s.w.AutoScalingPolicies = slices.Delete(s.w.AutoScalingPolicies, i, i+1)
	return map[string]any{}, nil
}

// describeASGActivities answers with the activities of the hosts the
// simulator added or removed (ecs_capacity_scaling.go), newest first; a
// world's own history of activities is not kept.
func describeASGActivities(s *Server, r *Request) (map[string]any, error) {
	size, offset, err := asgPageArgs(r.Input, 100)
	if err != nil {
		return nil, err
	}
	group, ids := str(r.Input, "AutoScalingGroupName"), strs(r.Input, "ActivityIds")
	found := []any{}
	for _, a := range s.activities {
		if (group == "" || str(a, "AutoScalingGroupName") == group) && (len(ids) == 0 || slices.Contains(ids, str(a, "ActivityId"))) {
			found = append(found, a)
		}
	}
	page, next := pageAt(found, offset, size)
	out := map[string]any{"Activities": page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func setDesiredCapacity(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	g, err := asgArg(s, in)
	if err != nil {
		return nil, err
	}
	n, ok, err := intOf(in, "DesiredCapacity")
	if err != nil || !ok {
		return nil, errorf(asgValidation, "DesiredCapacity is required and must be a whole number.")
	}
	if lo, ok, _ := intOf(g, "MinSize"); ok && n < lo {
		return nil, errorf(asgValidation, "New SetDesiredCapacity value %d is below min value %d for the AutoScalingGroup.", n, lo)
	}
	if hi, ok, _ := intOf(g, "MaxSize"); ok && n > hi {
		return nil, errorf(asgValidation, "New SetDesiredCapacity value %d is above max value %d for the AutoScalingGroup.", n, hi)
	}
	// Replace rather than edit the stored map, so that an answer already
	// handed out keeps its values.
	i := slices.IndexFunc(s.w.AutoScalingGroups, func(o map[string]any) bool { return str(o, "AutoScalingGroupName") == str(g, "AutoScalingGroupName") })
	next := deepCopyValue(g).(map[string]any)
	next["DesiredCapacity"] = n
	s.w.AutoScalingGroups[i] = next
	return map[string]any{}, nil
}
