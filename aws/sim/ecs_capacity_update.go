package sim

// UpdateCapacityProvider: the managed scaling and termination settings of
// an Auto Scaling group capacity provider, validated before any change.

// scalingRanges are ManagedScaling's numeric members and their limits.
var scalingRanges = []struct {
	key    string
	lo, hi int64
}{
	{"targetCapacity", 1, 100},
	{"minimumScalingStepSize", 1, 10000},
	{"maximumScalingStepSize", 1, 10000},
	{"instanceWarmupPeriod", 0, 10000},
}

func onOff(m map[string]any, key string) (string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", nil
	}
	s := str(m, key)
	if s != "ENABLED" && s != "DISABLED" {
		return "", errorf("InvalidParameterException", "%s must be ENABLED or DISABLED, but was %v.", key, v)
	}
	return s, nil
}

func updateCapacityProvider(s *Server, r *Request) (map[string]any, error) {
	name := str(r.Input, "name")
	if name == "" {
		return nil, errorf("InvalidParameterException", "Name can not be blank.")
	}
	if n := ecsLast(name); n == "FARGATE" || n == "FARGATE_SPOT" {
		return nil, errorf("InvalidParameterException", "The %s capacity provider is managed by AWS and cannot be updated.", n)
	}
	cp := s.findCapacityProvider(name)
	if cp == nil {
		return nil, errorf("InvalidParameterException", "The specified capacity provider does not exist. Specify a valid name or ARN and try again.")
	}
	upd := obj(r.Input, "autoScalingGroupProvider")
	if upd == nil {
		return nil, errorf("InvalidParameterException", "autoScalingGroupProvider can not be blank.")
	}
	cur, _ := cp["autoScalingGroupProvider"].(map[string]any)
	if cur == nil {
		return nil, errorf("InvalidParameterException", "The capacity provider %s has no Auto Scaling group provider to update.", ecsS(cp, "name"))
	}

	// Work on a copy; store it only when every check passed.
	next, _ := ecsCopy(cur).(map[string]any)
	ms, _ := next["managedScaling"].(map[string]any)
	if ms == nil {
		ms = map[string]any{}
	}
	if in := obj(upd, "managedScaling"); in != nil {
		st, err := onOff(in, "status")
		if err != nil {
			return nil, err
		}
		if st != "" {
			ms["status"] = st
		}
		for _, rg := range scalingRanges {
			n, ok, err := intOf(in, rg.key)
			if err != nil {
				return nil, errorf("InvalidParameterException", "managedScaling.%s must be a whole number.", rg.key)
			}
			if !ok {
				continue
			}
			if n < rg.lo || n > rg.hi {
				return nil, errorf("InvalidParameterException", "managedScaling.%s must be between %d and %d, but was %d.", rg.key, rg.lo, rg.hi, n)
			}
			ms[rg.key] = n
		}
		lo, okLo := ecsInt(ms["minimumScalingStepSize"])
		hi, okHi := ecsInt(ms["maximumScalingStepSize"])
		if okLo && okHi && lo > hi {
			return nil, errorf("InvalidParameterException", "The minimum scaling step size (%d) must be less than or equal to the maximum scaling step size (%d).", lo, hi)
		}
		next["managedScaling"] = ms
	}
	for _, k := range []string{"managedTerminationProtection", "managedDraining"} {
		v, err := onOff(upd, k)
		if err != nil {
			return nil, err
		}
		if v != "" {
			next[k] = v
		}
	}
	if ecsS(next, "managedTerminationProtection") == "ENABLED" && ecsS(ms, "status") != "ENABLED" {
		return nil, errorf("InvalidParameterException", "The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, managed scaling must be turned on.")
	}
	cp["autoScalingGroupProvider"] = next
	cp["updateStatus"] = "UPDATE_COMPLETE"
	delete(cp, "updateStatusReason")
	return map[string]any{"capacityProvider": ecsOut(cp, true)}, nil
}
