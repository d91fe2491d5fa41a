package sim

import (
	"sort"
	"strconv"
	"strings"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

func init() {
	register(SvcECS, "DescribeTaskDefinition", false, describeTaskDefinition)
	register(SvcECS, "ListTaskDefinitions", false, listTaskDefinitions)
	register(SvcECS, "ListTaskDefinitionFamilies", false, listTaskDefinitionFamilies)
	register(SvcECS, "RegisterTaskDefinition", true, registerTaskDefinition)
	register(SvcECS, "DeregisterTaskDefinition", true, deregisterTaskDefinition)
}

// registerKeys are the members of RegisterTaskDefinition's input that a
// task definition keeps. Everything else a caller sends (the read-only
// fields of a described task definition) is ignored, as AWS does.
var registerKeys = []string{
	"family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions",
	"volumes", "placementConstraints", "requiresCompatibilities", "cpu", "memory",
	"pidMode", "ipcMode", "proxyConfiguration", "inferenceAccelerators",
	"ephemeralStorage", "runtimePlatform", "enableFaultInjection",
}

func tdStatus(td world.Object) string {
	if st := ecsS(td, "status"); st != "" {
		return st
	}
	return "ACTIVE"
}

func tdRevision(td world.Object) int64 {
	if n, ok := ecsInt(td["revision"]); ok {
		return n
	}
	// A hand-written world may give only the ARN.
	arn := ecsS(td, "taskDefinitionArn")
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		n, _ := strconv.ParseInt(arn[i+1:], 10, 64)
		return n
	}
	return 0
}

func tdFamily(td world.Object) string {
	if f := ecsS(td, "family"); f != "" {
		return f
	}
	name := ecsLast(ecsS(td, "taskDefinitionArn"))
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[:i]
	}
	return name
}

func (s *Server) tdArn(td world.Object) string {
	if a := ecsS(td, "taskDefinitionArn"); a != "" {
		return a
	}
	return s.arn("ecs", "task-definition/"+tdFamily(td)+":"+strconv.FormatInt(tdRevision(td), 10))
}

// findTaskDef resolves "family" (latest ACTIVE revision), "family:rev"
// or an ARN.
func (s *Server) findTaskDef(ref string) (world.Object, error) {
	notFound := errorf("ClientException", "Unable to describe task definition.")
	if ref == "" {
		return nil, errorf("ClientException", "Task definition can not be blank.")
	}
	name := ref
	if ecsIsARN(ref) {
		for _, td := range s.w.TaskDefinitions {
			if ecsS(td, "taskDefinitionArn") == ref {
				return td, nil
			}
		}
		if !strings.Contains(ref, ":task-definition/") {
			return nil, notFound
		}
		name = ecsLast(ref)
	}
	family, rev := name, int64(-1)
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		n, err := strconv.ParseInt(name[i+1:], 10, 64)
		if err != nil {
			return nil, notFound
		}
		family, rev = name[:i], n
	}
	var best world.Object
	for _, td := range s.w.TaskDefinitions {
		if tdFamily(td) != family {
			continue
		}
		r := tdRevision(td)
		if rev >= 0 && r == rev {
			return td, nil
		}
		if rev < 0 && tdStatus(td) == "ACTIVE" && (best == nil || r > tdRevision(best)) {
			best = td
		}
	}
	if best == nil {
		return nil, notFound
	}
	return best, nil
}

// tdOut is the output copy of a task definition; tags travel beside it.
func tdOut(td world.Object) map[string]any {
	c := ecsCopyObj(td)
	delete(c, "tags")
	return c
}

func tdTags(td world.Object) []any {
	if t, ok := ecsCopy(td["tags"]).([]any); ok {
		return t
	}
	return []any{}
}

func describeTaskDefinition(s *Server, r *Request) (map[string]any, error) {
	td, err := s.findTaskDef(str(r.Input, "taskDefinition"))
	if err != nil {
		return nil, err
	}
	out := map[string]any{"taskDefinition": tdOut(td)}
	if ecsIncludes(r.Input, "TAGS") {
		out["tags"] = tdTags(td)
	}
	return out, nil
}

func listTaskDefinitions(s *Server, r *Request) (map[string]any, error) {
	family, status := str(r.Input, "familyPrefix"), str(r.Input, "status")
	if status == "" {
		status = "ACTIVE"
	}
	sortOrder := str(r.Input, "sort")
	if sortOrder != "" && sortOrder != "ASC" && sortOrder != "DESC" {
		return nil, errorf("InvalidParameterException", "sort must be ASC or DESC, but was %s.", sortOrder)
	}
	var tds []world.Object
	for _, td := range s.w.TaskDefinitions {
		if (family == "" || tdFamily(td) == family) && tdStatus(td) == status {
			tds = append(tds, td)
		}
	}
	sort.SliceStable(tds, func(i, j int) bool {
		a, b := tds[i], tds[j]
		if sortOrder == "DESC" {
			a, b = b, a
		}
		if tdFamily(a) != tdFamily(b) {
			return tdFamily(a) < tdFamily(b)
		}
		return tdRevision(a) < tdRevision(b)
	})
	arns := make([]string, len(tds))
	for i, td := range tds {
		arns[i] = s.tdArn(td)
	}
	items, next, err := ecsPage(arns, r.Input, 100)
	if err != nil {
		return nil, err
	}
	return ecsListOut("taskDefinitionArns", items, next), nil
}

func listTaskDefinitionFamilies(s *Server, r *Request) (map[string]any, error) {
	prefix, status := str(r.Input, "familyPrefix"), str(r.Input, "status")
	if status == "" {
		status = "ALL"
	}
	if status != "ALL" && status != "ACTIVE" && status != "INACTIVE" {
		return nil, errorf("InvalidParameterException", "status must be ACTIVE, INACTIVE or ALL, but was %s.", status)
	}
	active := map[string]bool{}
	for _, td := range s.w.TaskDefinitions {
		f := tdFamily(td)
		if strings.HasPrefix(f, prefix) {
			active[f] = active[f] || tdStatus(td) == "ACTIVE"
		}
	}
	var families []string
	for f, a := range active {
		if status == "ALL" || (status == "ACTIVE") == a {
			families = append(families, f)
		}
	}
	sort.Strings(families)
	items, next, err := ecsPage(families, r.Input, 100)
	if err != nil {
		return nil, err
	}
	return ecsListOut("families", items, next), nil
}

func registerTaskDefinition(s *Server, r *Request) (map[string]any, error) {
	cpu, mem, err := checkTaskDef(r.Input)
	if err != nil {
		return nil, err
	}
	family := str(r.Input, "family")
	var rev int64
	for _, td := range s.w.TaskDefinitions {
		if tdFamily(td) == family && tdRevision(td) > rev {
			rev = tdRevision(td)
		}
	}
	rev++
	td := world.Object{}
	for _, k := range registerKeys {
		if v, ok := r.Input[k]; ok && v != nil {
			td[k] = ecsNormalise(v)
		}
	}
	if cpu != "" {
		td["cpu"] = cpu
	}
	if mem != "" {
		td["memory"] = mem
	}
	fillTaskDefDefaults(td)
	td["taskDefinitionArn"] = s.arn("ecs", "task-definition/"+family+":"+strconv.FormatInt(rev, 10))
	td["revision"] = rev
	td["status"] = "ACTIVE"
	td["compatibilities"] = compatibilities(td, cpu, mem)
	td["registeredAt"] = r.Now
	td["registeredBy"] = "arn:aws:iam::" + s.ecsAccount() + ":root"
	if t, ok := r.Input["tags"].([]any); ok {
		td["tags"] = ecsNormalise(t)
	}
	s.w.TaskDefinitions = append(s.w.TaskDefinitions, td)
	return map[string]any{"taskDefinition": tdOut(td), "tags": tdTags(td)}, nil
}

// fillTaskDefDefaults adds the values ECS fills in on register, so a
// registered definition reads like one AWS returns.
func fillTaskDefDefaults(td world.Object) {
	mode := ecsS(td, "networkMode")
	for _, c := range ecsList(td, "containerDefinitions") {
		if _, ok := c["essential"]; !ok {
			c["essential"] = true
		}
		if _, ok := c["cpu"]; !ok {
			c["cpu"] = int64(0)
		}
		for _, k := range []string{"portMappings", "environment", "mountPoints", "volumesFrom"} {
			if _, ok := c[k]; !ok {
				c[k] = []any{}
			}
		}
		for _, pm := range ecsList(c, "portMappings") {
			if _, ok := pm["protocol"]; !ok {
				pm["protocol"] = "tcp"
			}
			if _, ok := pm["hostPort"]; !ok && (mode == "awsvpc" || mode == "host") {
				pm["hostPort"] = pm["containerPort"]
			}
		}
	}
	for _, k := range []string{"volumes", "placementConstraints"} {
		if _, ok := td[k]; !ok {
			td[k] = []any{}
		}
	}
}

// compatibilities is what ECS works out a definition can run on.
func compatibilities(td world.Object, cpu, mem string) []any {
	mode := ecsS(td, "networkMode")
	var out []any
	if mode != "awsvpc" {
		out = append(out, "EXTERNAL")
	}
	out = append(out, "EC2")
	c, _ := ecsInt(cpu)
	m, _ := ecsInt(mem)
	if mode == "awsvpc" && fargateMemoryOK(c, m) {
		out = append(out, "FARGATE")
	}
	return out
}

func deregisterTaskDefinition(s *Server, r *Request) (map[string]any, error) {
	ref := str(r.Input, "taskDefinition")
	if ref != "" && !ecsIsARN(ref) && !strings.Contains(ref, ":") {
		return nil, errorf("ClientException", "A revision must be given: use family:revision or the full ARN, not '%s' alone.", ref)
	}
	td, err := s.findTaskDef(ref)
	if err != nil {
		return nil, err
	}
	if tdStatus(td) == "ACTIVE" {
		td["status"] = "INACTIVE"
		td["deregisteredAt"] = r.Now
	}
	return map[string]any{"taskDefinition": tdOut(td)}, nil
}
