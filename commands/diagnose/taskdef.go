package diagnose

import (
	"strconv"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// defaultStopTimeout is ECS's wait between SIGTERM and SIGKILL when the
// container definition sets none.
const defaultStopTimeout = 30

// taskDef finds a task definition by ARN; the service's current one when
// the ARN is unknown. Nil when neither is known.
func (d *diag) taskDef(arn string) *ecstypes.TaskDefinition {
	if td, ok := d.td[arn]; ok {
		return td
	}
	if arn == "" && d.snap.TaskDefinition.TaskDefinitionArn != nil {
		return &d.snap.TaskDefinition
	}
	return nil
}

// containerDef finds a container definition by name.
func containerDef(td *ecstypes.TaskDefinition, name string) *ecstypes.ContainerDefinition {
	if td == nil {
		return nil
	}
	for i := range td.ContainerDefinitions {
		if deref(td.ContainerDefinitions[i].Name) == name {
			return &td.ContainerDefinitions[i]
		}
	}
	return nil
}

// essentialDef is the named container's definition, else the first
// essential one.
func essentialDef(td *ecstypes.TaskDefinition, name string) *ecstypes.ContainerDefinition {
	if cd := containerDef(td, name); cd != nil {
		return cd
	}
	if td == nil {
		return nil
	}
	for i := range td.ContainerDefinitions {
		if e := td.ContainerDefinitions[i].Essential; e == nil || *e {
			return &td.ContainerDefinitions[i]
		}
	}
	return nil
}

// units reads "512", "1024" or the "0.5 vCPU" / "2 GB" forms ECS accepts.
func units(s string, perUnit float64) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	f := strings.Fields(s)
	if len(f) == 2 {
		if v, err := strconv.ParseFloat(f[0], 64); err == nil {
			return int(v * perUnit)
		}
	}
	return 0
}

// taskSize is the task's CPU units and memory MiB: the task's own figures,
// else its task definition's, else the sum of its containers'.
func (d *diag) taskSize(t *ecstypes.Task) (cpu, mem int) {
	var td *ecstypes.TaskDefinition
	if t != nil {
		cpu, mem = units(deref(t.Cpu), 1024), units(deref(t.Memory), 1024)
		td = d.taskDef(deref(t.TaskDefinitionArn))
	}
	if td == nil {
		td = d.taskDef("")
	}
	if td == nil {
		return cpu, mem
	}
	if cpu == 0 {
		cpu = units(deref(td.Cpu), 1024)
	}
	if mem == 0 {
		mem = units(deref(td.Memory), 1024)
	}
	if cpu == 0 || mem == 0 {
		var c, m int
		for _, cd := range td.ContainerDefinitions {
			c += int(cd.Cpu)
			switch {
			case cd.Memory != nil:
				m += int(*cd.Memory)
			case cd.MemoryReservation != nil:
				m += int(*cd.MemoryReservation)
			}
		}
		if cpu == 0 {
			cpu = c
		}
		if mem == 0 {
			mem = m
		}
	}
	return cpu, mem
}

// revision is the task definition's revision number, from the field or the
// ARN; 0 when unknown.
func revision(td *ecstypes.TaskDefinition, arn string) int {
	if td != nil && td.Revision > 0 {
		return int(td.Revision)
	}
	if m := reRevision.FindStringSubmatch(arn); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}
