package change

import (
	"strconv"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// revName is "backend:42" for a task definition ARN.
func revName(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// revNumber is 42 for "…/backend:42".
func revNumber(arn string) int {
	name := revName(arn)
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		n, _ := strconv.Atoi(name[i+1:])
		return n
	}
	return 0
}

func atoiPtr(s *string) (int, bool) {
	if s == nil || strings.TrimSpace(*s) == "" {
		return 0, false
	}
	v := strings.TrimSpace(*s)
	// Task sizes may be given as "1 vCPU" or "2 GB"; AWS answers in units.
	n, err := strconv.Atoi(v)
	if err == nil {
		return n, true
	}
	f := strings.Fields(strings.ToLower(v))
	if len(f) == 2 {
		x, err := strconv.ParseFloat(f[0], 64)
		if err == nil {
			switch f[1] {
			case "vcpu":
				return int(x * 1024), true
			case "gb":
				return int(x * 1024), true
			}
		}
	}
	return 0, false
}

// size is what placement reserves for a task: the task size, else the sum
// of its containers' (memoryReservation before memory, as ECS does).
type size struct{ CPU, Mem int }

func sizeOf(cpu, mem *string, cs []ecstypes.ContainerDefinition) size {
	var s size
	c, okC := atoiPtr(cpu)
	m, okM := atoiPtr(mem)
	s.CPU, s.Mem = c, m
	for _, cd := range cs {
		if !okC {
			s.CPU += int(cd.Cpu)
		}
		if !okM {
			switch {
			case cd.MemoryReservation != nil:
				s.Mem += int(*cd.MemoryReservation)
			case cd.Memory != nil:
				s.Mem += int(*cd.Memory)
			}
		}
	}
	return s
}

func tdSize(td ecstypes.TaskDefinition) size {
	return sizeOf(td.Cpu, td.Memory, td.ContainerDefinitions)
}

func inputSize(in *ecs.RegisterTaskDefinitionInput) size {
	return sizeOf(in.Cpu, in.Memory, in.ContainerDefinitions)
}

// mainContainer is the index of the named container, else the only or
// the first essential one; -1 when a named one is missing.
func mainContainer(cs []ecstypes.ContainerDefinition, name string) int {
	if name != "" {
		for i, c := range cs {
			if awssdk.ToString(c.Name) == name {
				return i
			}
		}
		return -1
	}
	for i, c := range cs {
		if c.Essential == nil || *c.Essential {
			return i
		}
	}
	if len(cs) > 0 {
		return 0
	}
	return -1
}

// resize changes in (a faithful copy of td) to the asked CPU units or MiB:
// the task-level value when td sets one, and the main container's value
// when containers set theirs, keeping the containers' sum within the task
// size. It returns the diff lines, or why it cannot.
func resize(in *ecs.RegisterTaskDefinitionInput, td ecstypes.TaskDefinition, memory bool, n int, container string) ([]Text, *Text) {
	var diffs []Text
	mi := mainContainer(in.ContainerDefinitions, container)
	if mi < 0 {
		t := T("reason.no_container", "Container", container, "TaskDefinition", revName(awssdk.ToString(td.TaskDefinitionArn)))
		return nil, &t
	}
	mc := &in.ContainerDefinitions[mi]
	mname := awssdk.ToString(mc.Name)
	field := "cpu"
	taskVal, taskSet := atoiPtr(td.Cpu)
	if memory {
		field = "memory"
		taskVal, taskSet = atoiPtr(td.Memory)
	}
	old := tdSize(td).CPU
	if memory {
		old = tdSize(td).Mem
	}
	delta := n - old
	if taskSet {
		v := strconv.Itoa(n)
		if memory {
			in.Memory = &v
		} else {
			in.Cpu = &v
		}
		diffs = append(diffs, T("diff.task_field", "Field", field, "Before", taskVal, "After", n))
	}
	if !memory {
		others := 0
		for i, c := range in.ContainerDefinitions {
			if i != mi {
				others += int(c.Cpu)
			}
		}
		switch {
		case taskSet && mc.Cpu == 0:
			// The container takes what the task has; nothing to move.
		default:
			nv := int(mc.Cpu) + delta
			if taskSet && others+nv > n {
				nv = n - others
			}
			if nv < 1 {
				t := T("reason.containers_too_big", "Field", field, "Others", others, "N", n)
				return nil, &t
			}
			diffs = append(diffs, T("diff.container_field", "Container", mname, "Field", "cpu", "Before", mc.Cpu, "After", nv))
			mc.Cpu = int32(nv)
		}
		if taskSet && others+int(mc.Cpu) > n {
			t := T("reason.containers_too_big", "Field", field, "Others", others+int(mc.Cpu), "N", n)
			return nil, &t
		}
		return diffs, nil
	}
	// Memory: the hard limit and the soft reservation of the main container.
	othersHard := 0
	for i, c := range in.ContainerDefinitions {
		if i != mi && c.Memory != nil {
			othersHard += int(*c.Memory)
		}
	}
	if mc.Memory != nil {
		nv := int(*mc.Memory) + delta
		if taskSet && othersHard+nv > n {
			nv = n - othersHard
		}
		if nv < 6 {
			t := T("reason.containers_too_big", "Field", field, "Others", othersHard, "N", n)
			return nil, &t
		}
		diffs = append(diffs, T("diff.container_field", "Container", mname, "Field", "memory", "Before", *mc.Memory, "After", nv))
		v := int32(nv)
		mc.Memory = &v
	}
	if mc.MemoryReservation != nil {
		nv := int(*mc.MemoryReservation)
		if mc.Memory == nil || !taskSet {
			nv += delta // the reservation is what sizes the task
		}
		if mc.Memory != nil && nv > int(*mc.Memory) {
			nv = int(*mc.Memory)
		}
		if nv < 6 {
			t := T("reason.containers_too_big", "Field", field, "Others", othersHard, "N", n)
			return nil, &t
		}
		if nv != int(*mc.MemoryReservation) {
			diffs = append(diffs, T("diff.container_field", "Container", mname, "Field", "memoryReservation", "Before", *mc.MemoryReservation, "After", nv))
			v := int32(nv)
			mc.MemoryReservation = &v
		}
	}
	if !taskSet && mc.Memory == nil && mc.MemoryReservation == nil {
		v := int32(n - old)
		if v < 6 {
			t := T("reason.containers_too_big", "Field", field, "Others", old, "N", n)
			return nil, &t
		}
		diffs = append(diffs, T("diff.container_field", "Container", mname, "Field", "memory", "Before", "-", "After", v))
		mc.Memory = &v
	}
	return diffs, nil
}

// isFargate reports whether the service runs on Fargate.
func isFargate(svc ecstypes.Service, td ecstypes.TaskDefinition) bool {
	if svc.LaunchType == ecstypes.LaunchTypeFargate {
		return true
	}
	for _, s := range svc.CapacityProviderStrategy {
		if strings.HasPrefix(awssdk.ToString(s.CapacityProvider), "FARGATE") {
			return true
		}
	}
	if svc.LaunchType == "" && len(svc.CapacityProviderStrategy) == 0 {
		for _, c := range td.RequiresCompatibilities {
			if c == ecstypes.CompatibilityFargate {
				return true
			}
		}
	}
	return false
}

// fargateSizes are the valid task sizes on Fargate (reference §6.1):
// for each CPU, memory from Lo to Hi MiB in Step.
var fargateSizes = []struct{ CPU, Lo, Hi, Step int }{
	{256, 512, 2048, 512}, // 512, 1024, 2048 (1536 is not offered)
	{512, 1024, 4096, 1024},
	{1024, 2048, 8192, 1024},
	{2048, 4096, 16384, 1024},
	{4096, 8192, 30720, 1024},
	{8192, 16384, 61440, 4096},
	{16384, 32768, 122880, 8192},
}

// fargateValid reports whether cpu/mem is a Fargate size, and the memory
// range that goes with cpu (ok false when cpu itself is not offered).
func fargateValid(cpu, mem int) (valid bool, lo, hi, step int, ok bool) {
	for _, s := range fargateSizes {
		if s.CPU != cpu {
			continue
		}
		valid = mem >= s.Lo && mem <= s.Hi && (mem-s.Lo)%s.Step == 0
		if cpu == 256 && mem == 1536 {
			valid = false
		}
		return valid, s.Lo, s.Hi, s.Step, true
	}
	return false, 0, 0, 0, false
}

func fargateCPUs() string {
	var out []string
	for _, s := range fargateSizes {
		out = append(out, strconv.Itoa(s.CPU))
	}
	return strings.Join(out, ", ")
}
