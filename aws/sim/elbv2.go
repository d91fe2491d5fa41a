package sim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Elastic Load Balancing v2: target groups and their targets' health. A
// world's target group carries two extra keys that DescribeTargetGroups
// does not serve: TargetHealthDescriptions (the DescribeTargetHealth
// answer) and, optionally, Attributes.

func init() {
	register(SvcELBv2, "DescribeTargetGroups", false, describeTargetGroups)
	register(SvcELBv2, "DescribeTargetHealth", false, describeTargetHealth)
	register(SvcELBv2, "ModifyTargetGroup", true, modifyTargetGroup)
	register(SvcELBv2, "DescribeTargetGroupAttributes", false, describeTargetGroupAttributes)
}

const (
	tgNotFound     = "One or more target groups not found"
	tgExtraHealth  = "TargetHealthDescriptions"
	tgExtraAttrs   = "Attributes"
	elbMaxPageSize = 400
	elbValidation  = "ValidationError"
	elbTGNotFound  = "TargetGroupNotFound"
	trafficPort    = "traffic-port"
)

// servedTargetGroup is the target group as DescribeTargetGroups returns
// it: a copy without the world's extra keys.
func servedTargetGroup(tg map[string]any) map[string]any {
	out := maps.Clone(tg)
	delete(out, tgExtraHealth)
	delete(out, tgExtraAttrs)
	return out
}

func findTargetGroup(s *Server, arn string) map[string]any {
	for _, tg := range s.w.TargetGroups {
		if str(tg, "TargetGroupArn") == arn {
			return tg
		}
	}
	return nil
}

// targetGroupArg reads the required TargetGroupArn and finds the group.
func targetGroupArg(s *Server, in map[string]any) (map[string]any, error) {
	arn := str(in, "TargetGroupArn")
	if arn == "" {
		return nil, errorf(elbValidation, "1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null")
	}
	tg := findTargetGroup(s, arn)
	if tg == nil {
		return nil, errorf(elbTGNotFound, tgNotFound)
	}
	return tg, nil
}

func describeTargetGroups(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	arns, names, lb := strs(in, "TargetGroupArns"), strs(in, "Names"), str(in, "LoadBalancerArn")
	given := 0
	for _, g := range []bool{len(arns) > 0, len(names) > 0, lb != ""} {
		if g {
			given++
		}
	}
	if given > 1 {
		return nil, errorf(elbValidation, "Only one of target group ARNs, target group names or a load balancer ARN can be specified")
	}
	size := elbMaxPageSize
	if n, ok, err := intOf(in, "PageSize"); err != nil || (ok && (n < 1 || n > elbMaxPageSize)) {
		return nil, errorf(elbValidation, "1 validation error detected: Value '%v' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and %d", in["PageSize"], elbMaxPageSize)
	} else if ok {
		size = int(n)
	}
	offset, err := offsetToken(str(in, "Marker"), elbValidation)
	if err != nil {
		return nil, err
	}
	var found []any
	switch {
	case len(arns) > 0 || len(names) > 0:
		// AWS answers in the order asked and fails if any one is missing.
		key, want := "TargetGroupArn", arns
		if len(names) > 0 {
			key, want = "TargetGroupName", names
		}
		for _, w := range want {
			i := slices.IndexFunc(s.w.TargetGroups, func(tg map[string]any) bool { return str(tg, key) == w })
			if i < 0 {
				return nil, errorf(elbTGNotFound, tgNotFound)
			}
			found = append(found, servedTargetGroup(s.w.TargetGroups[i]))
		}
	default:
		for _, tg := range s.w.TargetGroups {
			if lb == "" || slices.Contains(strs(tg, "LoadBalancerArns"), lb) {
				found = append(found, servedTargetGroup(tg))
			}
		}
	}
	page, next := pageAt(found, offset, size)
	out := map[string]any{"TargetGroups": page}
	if next != "" {
		out["NextMarker"] = next
	}
	return out, nil
}

func describeTargetHealth(s *Server, r *Request) (map[string]any, error) {
	tg, err := targetGroupArg(s, r.Input)
	if err != nil {
		return nil, err
	}
	stored, _ := tg[tgExtraHealth].([]any)
	targets := objs(r.Input, "Targets")
	if len(targets) == 0 {
		return map[string]any{"TargetHealthDescriptions": deepCopyList(stored)}, nil
	}
	// Asked-for targets: the stored description, or "unused" when the
	// target is not registered, as AWS answers.
	out := []any{}
	for _, t := range targets {
		id, port := str(t, "Id"), str(t, "Port")
		var hit any
		for _, d := range stored {
			dm, _ := d.(map[string]any)
			tgt := obj(dm, "Target")
			if str(tgt, "Id") == id && (port == "" || str(tgt, "Port") == port) {
				hit = deepCopyValue(d)
				break
			}
		}
		if hit == nil {
			target := map[string]any{"Id": id}
			if p, ok, _ := intOf(t, "Port"); ok {
				target["Port"] = p
			}
			hit = map[string]any{
				"Target": target,
				"TargetHealth": map[string]any{
					"State":       "unused",
					"Reason":      "Target.NotRegistered",
					"Description": "Target is not registered to the target group",
				},
			}
		}
		out = append(out, hit)
	}
	return map[string]any{"TargetHealthDescriptions": out}, nil
}

func deepCopyList(l []any) []any {
	out := make([]any, 0, len(l))
	for _, e := range l {
		out = append(out, deepCopyValue(e))
	}
	return out
}

func deepCopyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopyValue(e)
		}
		return out
	case []any:
		return deepCopyList(v)
	}
	return v
}

var healthCheckProtocols = []string{"HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"}

// modifyTargetGroup checks every change before applying any, so that a
// rejected call leaves the target group as it was.
func modifyTargetGroup(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	tg, err := targetGroupArg(s, in)
	if err != nil {
		return nil, err
	}
	next := maps.Clone(tg)
	ranges := []struct {
		key, field string
		lo, hi     int64
	}{
		{"HealthCheckIntervalSeconds", "healthCheckIntervalSeconds", 5, 300},
		{"HealthCheckTimeoutSeconds", "healthCheckTimeoutSeconds", 2, 120},
		{"HealthyThresholdCount", "healthyThresholdCount", 2, 10},
		{"UnhealthyThresholdCount", "unhealthyThresholdCount", 2, 10},
	}
	for _, rg := range ranges {
		n, ok, err := intOf(in, rg.key)
		if err != nil {
			return nil, errorf(elbValidation, "1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must be a whole number", in[rg.key], rg.field)
		}
		if !ok {
			continue
		}
		if n < rg.lo {
			return nil, errorf(elbValidation, "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", n, rg.field, rg.lo)
		}
		if n > rg.hi {
			return nil, errorf(elbValidation, "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", n, rg.field, rg.hi)
		}
		next[rg.key] = n
	}
	if p := str(in, "HealthCheckProtocol"); p != "" {
		if !slices.Contains(healthCheckProtocols, p) {
			return nil, errorf(elbValidation, "1 validation error detected: Value '%s' at 'healthCheckProtocol' failed to satisfy constraint: Member must satisfy enum value set: [%s]", p, strings.Join(healthCheckProtocols, ", "))
		}
		next["HealthCheckProtocol"] = p
	}
	if p := str(in, "HealthCheckPort"); p != "" {
		if n, err := strconv.Atoi(p); p != trafficPort && (err != nil || n < 1 || n > 65535) {
			return nil, errorf(elbValidation, "Health check port '%s' must be 'traffic-port' or a port number between 1 and 65535", p)
		}
		next["HealthCheckPort"] = p
	}
	httpLike := slices.Contains([]string{"HTTP", "HTTPS"}, str(next, "HealthCheckProtocol")) || str(next, "HealthCheckProtocol") == ""
	if p, ok := in["HealthCheckPath"]; ok {
		path := str(in, "HealthCheckPath")
		if !httpLike {
			return nil, errorf(elbValidation, "A health check path can only be set for HTTP and HTTPS health checks")
		}
		if path == "" || len(path) > 1024 || !strings.HasPrefix(path, "/") {
			return nil, errorf(elbValidation, "Health check path '%v' must start with '/' and be at most 1024 characters", p)
		}
		next["HealthCheckPath"] = path
	}
	if en, ok := boolean(in, "HealthCheckEnabled"); ok {
		if tt := str(next, "TargetType"); !en && tt != "lambda" {
			if tt == "" {
				tt = "instance"
			}
			return nil, errorf(elbValidation, "Health checks cannot be disabled for target groups with target type '%s'", tt)
		}
		next["HealthCheckEnabled"] = en
	}
	if m := obj(in, "Matcher"); m != nil {
		matcher, err := checkMatcher(m, str(next, "ProtocolVersion") == "GRPC")
		if err != nil {
			return nil, err
		}
		next["Matcher"] = matcher
	}
	interval, iok, _ := intOf(next, "HealthCheckIntervalSeconds")
	timeout, tok, _ := intOf(next, "HealthCheckTimeoutSeconds")
	if iok && tok && timeout >= interval {
		return nil, errorf(elbValidation, "Health check interval must be greater than the timeout (interval %d s, timeout %d s)", interval, timeout)
	}
	i := slices.IndexFunc(s.w.TargetGroups, func(o map[string]any) bool { return str(o, "TargetGroupArn") == str(tg, "TargetGroupArn") })
	s.w.TargetGroups[i] = next
	return map[string]any{"TargetGroups": []any{servedTargetGroup(next)}}, nil
}

// checkMatcher validates HttpCode ("200", "200,202", "200-299"; codes
// 200–499) or GrpcCode (0–99) as ALB does.
func checkMatcher(m map[string]any, grpc bool) (map[string]any, error) {
	key, lo, hi := "HttpCode", 200, 499
	if grpc {
		key, lo, hi = "GrpcCode", 0, 99
	}
	codes := str(m, key)
	if codes == "" {
		return nil, errorf(elbValidation, "The matcher needs %s for this target group", key)
	}
	bad := errorf(elbValidation, "Matcher %s '%s' is not valid: give codes from %d to %d as a value ('200'), a list ('200,202') or a range ('200-299')", key, codes, lo, hi)
	for _, part := range strings.Split(codes, ",") {
		a, b, isRange := strings.Cut(strings.TrimSpace(part), "-")
		x, err1 := strconv.Atoi(a)
		y, err2 := x, error(nil)
		if isRange {
			y, err2 = strconv.Atoi(b)
		}
		if err1 != nil || err2 != nil || x < lo || y > hi || x > y {
			return nil, bad
		}
	}
	return map[string]any{key: codes}, nil
}

// defaultTargetGroupAttributes are ELBv2's defaults for a new target
// group of the given protocol.
func defaultTargetGroupAttributes(protocol string) [][2]string {
	common := [][2]string{{"deregistration_delay.timeout_seconds", "300"}, {"stickiness.enabled", "false"}}
	switch protocol {
	case "TCP", "TLS", "UDP", "TCP_UDP":
		return append(common,
			[2]string{"stickiness.type", "source_ip"},
			[2]string{"deregistration_delay.connection_termination.enabled", "false"},
			[2]string{"preserve_client_ip.enabled", "false"},
			[2]string{"proxy_protocol_v2.enabled", "false"},
			[2]string{"load_balancing.cross_zone.enabled", "use_load_balancer_configuration"})
	}
	return append(common,
		[2]string{"stickiness.type", "lb_cookie"},
		[2]string{"stickiness.lb_cookie.duration_seconds", "86400"},
		[2]string{"slow_start.duration_seconds", "0"},
		[2]string{"load_balancing.algorithm.type", "round_robin"},
		[2]string{"load_balancing.cross_zone.enabled", "use_load_balancer_configuration"},
		[2]string{"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1"})
}

func describeTargetGroupAttributes(s *Server, r *Request) (map[string]any, error) {
	tg, err := targetGroupArg(s, r.Input)
	if err != nil {
		return nil, err
	}
	attrs := defaultTargetGroupAttributes(str(tg, "Protocol"))
	set := func(k, v string) {
		for i := range attrs {
			if attrs[i][0] == k {
				attrs[i][1] = v
				return
			}
		}
		attrs = append(attrs, [2]string{k, v})
	}
	// The world may give attributes as the CLI prints them, a list of
	// {Key, Value}, or as a plain map.
	switch a := tg[tgExtraAttrs].(type) {
	case []any:
		for _, e := range a {
			if m, ok := e.(map[string]any); ok && str(m, "Key") != "" {
				set(str(m, "Key"), str(m, "Value"))
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(a)) {
			set(k, fmt.Sprint(a[k]))
		}
	}
	out := make([]any, 0, len(attrs))
	for _, kv := range attrs {
		out = append(out, map[string]any{"Key": kv[0], "Value": kv[1]})
	}
	return map[string]any{"Attributes": out}, nil
}
