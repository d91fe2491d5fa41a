package sim

import (
	"strconv"
	"strings"
)

// Validation of RegisterTaskDefinition input, with the codes and wording
// ECS answers with.

// isECSName: 1 to 255 letters, digits, hyphens and underscores, as ECS
// allows in a family or container name. Checked in code: the regexp
// [..]{1,255} compiles into 255 copies, which cost every ecsmedic command
// (the simulator is linked in for demo) 250 KB and ~4 ms at start-up.
func isECSName(s string) bool {
	const allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	return len(s) >= 1 && len(s) <= 255 && strings.Trim(s, allowed) == ""
}

// fargateSizes lists, per task cpu, the task memory values Fargate
// accepts (reference §6.1).
func fargateMemoryOK(cpu, mem int64) bool {
	type span struct{ lo, hi, step int64 }
	spans := map[int64]span{
		256:   {512, 2048, 512},
		512:   {1024, 4096, 1024},
		1024:  {2048, 8192, 1024},
		2048:  {4096, 16384, 1024},
		4096:  {8192, 30720, 1024},
		8192:  {16384, 61440, 4096},
		16384: {32768, 122880, 8192},
	}
	sp, ok := spans[cpu]
	if !ok || mem < sp.lo || mem > sp.hi {
		return false
	}
	if cpu == 256 {
		return mem == 512 || mem == 1024 || mem == 2048
	}
	return (mem-sp.lo)%sp.step == 0
}

// taskSize reads a task-level cpu or memory setting, which ECS takes as
// units ("1024") or with a unit ("1 vCPU", "2 GB") and stores as units.
// ok is false for a value ECS would not understand.
func taskSize(v any, unit string) (int64, bool) {
	if n, ok := ecsInt(v); ok {
		return n, true
	}
	s, isStr := v.(string)
	if !isStr {
		return 0, false
	}
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if !strings.HasSuffix(s, unit) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, unit), 64)
	if err != nil || f <= 0 {
		return 0, false
	}
	return int64(f * 1024), true
}

func hasCompat(in map[string]any, c string) bool {
	for _, v := range strs(in, "requiresCompatibilities") {
		if v == c {
			return true
		}
	}
	return false
}

// checkTaskDef validates the input of RegisterTaskDefinition and returns
// the task cpu and memory in units ("" when not set).
func checkTaskDef(in map[string]any) (cpu, mem string, err error) {
	family := str(in, "family")
	switch {
	case family == "":
		return "", "", errorf("ClientException", "Family can not be blank.")
	case !isECSName(family):
		return "", "", errorf("ClientException", "Family contains invalid characters.")
	}
	var cpuN, memN int64
	if v, ok := in["cpu"]; ok && v != nil && v != "" {
		n, ok := taskSize(v, "vcpu")
		if !ok || n <= 0 {
			return "", "", errorf("ClientException", "Invalid 'cpu' setting for task: %v. Give CPU units (1024 is one vCPU) or a value such as '1 vCPU'.", v)
		}
		cpuN, cpu = n, strconv.FormatInt(n, 10)
	}
	if v, ok := in["memory"]; ok && v != nil && v != "" {
		n, ok := taskSize(v, "gb")
		if !ok || n <= 0 {
			return "", "", errorf("ClientException", "Invalid 'memory' setting for task: %v. Give MiB or a value such as '2 GB'.", v)
		}
		memN, mem = n, strconv.FormatInt(n, 10)
	}
	if hasCompat(in, "FARGATE") {
		if str(in, "networkMode") != "awsvpc" {
			return "", "", errorf("ClientException", "Fargate only supports network mode ‘awsvpc’.")
		}
		if cpu == "" {
			return "", "", errorf("ClientException", "Fargate requires that 'cpu' be defined at the task level.")
		}
		if mem == "" {
			return "", "", errorf("ClientException", "Fargate requires that 'memory' be defined at the task level.")
		}
		if !fargateMemoryOK(cpuN, memN) {
			return "", "", errorf("ClientException", "No Fargate configuration exists for given values: %d CPU, %d memory. See the Amazon ECS documentation for the valid values.", cpuN, memN)
		}
	} else if cpu != "" && (cpuN < 128 || cpuN > 196608) {
		return "", "", errorf("ClientException", "Invalid 'cpu' setting for task: %d CPU units. The EC2 launch type takes 128 to 196608 units.", cpuN)
	}
	return cpu, mem, checkContainers(in, mem != "", memN)
}

func checkContainers(in map[string]any, taskMem bool, memN int64) error {
	defs := objs(in, "containerDefinitions")
	if len(defs) == 0 {
		return errorf("ClientException", "Container list cannot be empty.")
	}
	seen := map[string]bool{}
	for _, c := range defs {
		name := str(c, "name")
		switch {
		case name == "":
			return errorf("ClientException", "Container.name should not be null or empty.")
		case !isECSName(name):
			return errorf("ClientException", "Container.name contains invalid characters.")
		case seen[name]:
			return errorf("ClientException", "Container names must be unique within a task definition: '%s' is used twice.", name)
		case str(c, "image") == "":
			return errorf("ClientException", "Container.image should not be null or empty.")
		}
		seen[name] = true
		hard, hasHard, err := intOf(c, "memory")
		if err != nil {
			return errorf("ClientException", "Invalid setting for container '%s'. 'memory' must be a whole number of MiB.", name)
		}
		soft, hasSoft, err := intOf(c, "memoryReservation")
		if err != nil {
			return errorf("ClientException", "Invalid setting for container '%s'. 'memoryReservation' must be a whole number of MiB.", name)
		}
		if !hasHard && !hasSoft && !taskMem {
			return errorf("ClientException", "Invalid setting for container '%s'. At least one of 'memory' or 'memoryReservation' must be specified.", name)
		}
		if (hasHard && hard <= 0) || (hasSoft && soft <= 0) {
			return errorf("ClientException", "Invalid setting for container '%s'. 'memory' and 'memoryReservation' must be greater than 0.", name)
		}
		if hasHard && hasSoft && soft > hard {
			return errorf("ClientException", "Invalid setting for container '%s'. 'memoryReservation' must be less than or equal to 'memory'.", name)
		}
		if taskMem && hasHard && hard > memN {
			return errorf("ClientException", "The 'memory' setting for container '%s' is greater than for the task.", name)
		}
		if taskMem && !hasHard && hasSoft && soft > memN {
			return errorf("ClientException", "The 'memoryReservation' setting for container '%s' is greater than for the task.", name)
		}
	}
	return nil
}
