package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// Task placement and the task lifecycle the scheduler drives.

// liveTasks are the service's tasks that are meant to run.
func (s *Server) liveTasks(svc world.Object) []world.Object {
	group := "service:" + svcName(svc)
	var out []world.Object
	for _, t := range s.w.Tasks {
		if ecsS(t, "group") == group && taskLive(t) && sameCluster(ecsClusterOf(t), ecsClusterOf(svc)) {
			out = append(out, t)
		}
	}
	return out
}

func taskLive(t world.Object) bool {
	if d := ecsS(t, "desiredStatus"); d != "" {
		return d == "RUNNING"
	}
	return ecsS(t, "lastStatus") != "STOPPED"
}

// sameCluster compares two cluster references (ARN or name); an empty
// one matches, for worlds that leave the cluster out.
func sameCluster(a, b string) bool {
	return a == "" || b == "" || a == b || ecsLast(a) == ecsLast(b)
}

// taskNeeds is what placement reserves for a task: the task size, else
// the sum of its containers' (memoryReservation before memory, as ECS
// does).
func taskNeeds(td world.Object) (cpu, mem int64) {
	cpu, okC := ecsInt(td["cpu"])
	mem, okM := ecsInt(td["memory"])
	for _, c := range ecsList(td, "containerDefinitions") {
		if !okC {
			n, _ := ecsInt(c["cpu"])
			cpu += n
		}
		if !okM {
			if n, ok := ecsInt(c["memoryReservation"]); ok {
				mem += n
			} else if n, ok := ecsInt(c["memory"]); ok {
				mem += n
			}
		}
	}
	return cpu, mem
}

func remaining(ci world.Object, name string) int64 { return resource(ci, "remainingResources", name) }

// resource reads one integer resource (CPU, MEMORY) of a container
// instance's remainingResources or registeredResources.
func resource(ci world.Object, list, name string) int64 {
	for _, r := range ecsList(ci, list) {
		if ecsS(r, "name") == name {
			n, _ := ecsInt(r["integerValue"])
			return n
		}
	}
	return 0
}

// reserve takes (sign 1) or gives back (sign -1) a task's resources on a
// container instance.
func reserve(ci world.Object, cpu, mem int64, sign int64) {
	for _, r := range ecsList(ci, "remainingResources") {
		var d int64
		switch ecsS(r, "name") {
		case "CPU":
			d = cpu
		case "MEMORY":
			d = mem
		default:
			continue
		}
		n, _ := ecsInt(r["integerValue"])
		r["integerValue"] = max(n-sign*d, 0)
	}
	n, _ := ecsInt(ci["runningTasksCount"])
	ci["runningTasksCount"] = max(n+sign, 0)
}

// chooseInstance finds a container instance with room for the task, or
// says in AWS's words why there is none.
func (s *Server) chooseInstance(svc world.Object, cpu, mem int64) (world.Object, string) {
	providers := map[string]bool{}
	for _, it := range ecsList(svc, "capacityProviderStrategy") {
		providers[ecsS(it, "capacityProvider")] = true
	}
	var candidates []world.Object
	for _, ci := range s.w.ContainerInstances {
		if st := ecsS(ci, "status"); (st != "" && st != "ACTIVE") || ci["agentConnected"] == false {
			continue
		}
		if !sameCluster(ecsClusterOf(ci), ecsClusterOf(svc)) {
			continue
		}
		if cp := ecsS(ci, "capacityProviderName"); len(providers) > 0 && cp != "" && !providers[cp] {
			continue
		}
		candidates = append(candidates, ci)
	}
	if len(candidates) == 0 {
		return nil, "Reason: No Container Instances were found in your cluster."
	}
	var cpuFits, closest world.Object
	for _, ci := range candidates {
		c, m := remaining(ci, "CPU"), remaining(ci, "MEMORY")
		if c >= cpu && m >= mem {
			return ci, ""
		}
		if c >= cpu && cpuFits == nil {
			cpuFits = ci
		}
		if closest == nil || c > remaining(closest, "CPU") {
			closest = ci
		}
	}
	if cpuFits != nil {
		return nil, fmt.Sprintf("The closest matching (container-instance %s) has insufficient memory available.", ecsLast(ecsS(cpuFits, "containerInstanceArn")))
	}
	return nil, fmt.Sprintf("The closest matching (container-instance %s) has insufficient CPU units available.", ecsLast(ecsS(closest, "containerInstanceArn")))
}

// placeTask starts one task of deployment p, or returns why it cannot.
func (s *Server) placeTask(svc world.Object, p map[string]any, now time.Time) (world.Object, string) {
	td, err := s.findTaskDef(ecsS(p, "taskDefinition"))
	if err != nil {
		td = world.Object{"taskDefinitionArn": ecsS(p, "taskDefinition")}
	}
	launch := ecsS(p, "launchType")
	if launch == "" {
		launch = serviceLaunchType(svc)
	}
	cpu, mem := taskNeeds(td)
	var ci world.Object
	if launch != "FARGATE" {
		var why string
		if ci, why = s.chooseInstance(svc, cpu, mem); ci == nil {
			return nil, why
		}
		reserve(ci, cpu, mem, 1)
	}
	clusterArn := s.clusterArnOf(svc)
	clusterName := ecsLast(clusterArn)
	h := s.newID("")
	id := h[len(h)-32:]
	taskArn := s.arn("ecs", "task/"+clusterName+"/"+id)
	t := world.Object{
		"taskArn": taskArn, "clusterArn": clusterArn, "taskDefinitionArn": s.tdArn(td),
		"group": "service:" + svcName(svc), "startedBy": ecsS(p, "id"), "launchType": launch,
		"lastStatus": "RUNNING", "desiredStatus": "RUNNING", "healthStatus": "UNKNOWN",
		"connectivity": "CONNECTED", "connectivityAt": now, "createdAt": now, "pullStartedAt": now,
		"pullStoppedAt": now, "startedAt": now, "version": int64(3), "enableExecuteCommand": false,
		"availabilityZone": s.zoneOf(ci), "tags": []any{},
	}
	for _, k := range []string{"cpu", "memory"} {
		if v, ok := td[k]; ok {
			t[k] = ecsCopy(v)
		}
	}
	if launch == "FARGATE" {
		t["platformVersion"], t["platformFamily"] = "1.4.0", "Linux"
	} else {
		t["containerInstanceArn"] = ecsS(ci, "containerInstanceArn")
	}
	if cps := ecsList(p, "capacityProviderStrategy"); len(cps) > 0 {
		t["capacityProviderName"] = ecsS(cps[0], "capacityProvider")
	}
	var eni map[string]any
	if ecsS(td, "networkMode") == "awsvpc" || launch == "FARGATE" {
		eni = s.newENI(p)
		t["attachments"] = []any{eni}
	}
	var containers, overrides []any
	for _, c := range ecsList(td, "containerDefinitions") {
		name := ecsS(c, "name")
		ct := map[string]any{
			"containerArn": s.arn("ecs", "container/"+clusterName+"/"+id+"/"+s.ecsEventID()),
			"taskArn":      taskArn, "name": name, "image": c["image"], "lastStatus": "RUNNING",
			"healthStatus": "UNKNOWN", "networkBindings": []any{}, "networkInterfaces": []any{},
		}
		for _, k := range []string{"cpu", "memory", "memoryReservation"} {
			if n, ok := ecsInt(c[k]); ok {
				ct[k] = strconv.FormatInt(n, 10)
			}
		}
		if eni != nil {
			ct["networkInterfaces"] = []any{map[string]any{"attachmentId": eni["id"], "privateIpv4Address": eniDetail(eni, "privateIPv4Address")}}
		}
		containers = append(containers, ct)
		overrides = append(overrides, map[string]any{"name": name})
	}
	t["containers"] = containers
	t["overrides"] = map[string]any{"containerOverrides": overrides, "inferenceAcceleratorOverrides": []any{}}
	s.w.Tasks = append(s.w.Tasks, t)
	s.bumpCluster(clusterArn, "runningTasksCount", 1)
	return t, ""
}

func (s *Server) zoneOf(ci world.Object) string {
	for _, a := range ecsList(ci, "attributes") {
		if ecsS(a, "name") == "ecs.availability-zone" && ecsS(a, "value") != "" {
			return ecsS(a, "value")
		}
	}
	region := "us-east-1"
	if s.w.Region != "" {
		region = s.w.Region
	}
	return region + "a"
}

// newENI makes the elastic network interface attachment of an awsvpc task.
func (s *Server) newENI(p map[string]any) map[string]any {
	h := s.newID("")
	h = h[len(h)-32:]
	n, _ := strconv.ParseUint(h[28:], 16, 64)
	subnet := "subnet-00000000000000000"
	if l := anyStrings(obj(obj(p, "networkConfiguration"), "awsvpcConfiguration")["subnets"]); len(l) > 0 {
		subnet = l[0]
	}
	detail := func(k, v string) any { return map[string]any{"name": k, "value": v} }
	mac := strings.Join([]string{"0e", h[20:22], h[22:24], h[24:26], h[26:28], h[28:30]}, ":")
	return map[string]any{
		"id": s.ecsEventID(), "type": "ElasticNetworkInterface", "status": "ATTACHED",
		"details": []any{
			detail("subnetId", subnet),
			detail("networkInterfaceId", "eni-"+h[15:]),
			detail("macAddress", mac),
			detail("privateDnsName", fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", n/256%256, n%256)),
			detail("privateIPv4Address", fmt.Sprintf("10.0.%d.%d", n/256%256, n%256)),
		},
	}
}

func eniDetail(eni map[string]any, name string) string {
	for _, d := range ecsList(eni, "details") {
		if ecsS(d, "name") == name {
			return ecsS(d, "value")
		}
	}
	return ""
}

// stopTask stops a task now: SIGTERM honoured, so containers that were
// still running exit with exitCode; resources go back to the instance.
func (s *Server) stopTask(t world.Object, code, reason string, exitCode int64, now time.Time) {
	if !taskLive(t) {
		return
	}
	t["desiredStatus"], t["lastStatus"] = "STOPPED", "STOPPED"
	t["stopCode"], t["stoppedReason"] = code, reason
	t["stoppingAt"], t["stoppedAt"], t["executionStoppedAt"] = now, now, now
	if v, ok := ecsInt(t["version"]); ok {
		t["version"] = v + 3
	}
	for _, c := range ecsList(t, "containers") {
		if _, done := c["exitCode"]; !done && ecsS(c, "lastStatus") != "STOPPED" {
			c["exitCode"] = exitCode
		}
		c["lastStatus"] = "STOPPED"
	}
	for _, a := range ecsList(t, "attachments") {
		a["status"] = "DELETED"
	}
	if arn := ecsS(t, "containerInstanceArn"); arn != "" {
		for _, ci := range s.w.ContainerInstances {
			if ecsS(ci, "containerInstanceArn") == arn {
				td, _ := s.findTaskDef(ecsS(t, "taskDefinitionArn"))
				cpu, mem := taskNeeds(td)
				reserve(ci, cpu, mem, -1)
			}
		}
	}
	s.bumpCluster(ecsClusterOf(t), "runningTasksCount", -1)
}

// clusterArnOf is the ARN of the cluster an object is in, falling back
// on the world's only cluster, then "default".
func (s *Server) clusterArnOf(o world.Object) string {
	c := ecsClusterOf(o)
	if c == "" && len(s.w.Clusters) == 1 {
		c = ecsS(s.w.Clusters[0], "clusterArn")
		if c == "" {
			c = ecsS(s.w.Clusters[0], "clusterName")
		}
	}
	if c == "" {
		c = "default"
	}
	if !ecsIsARN(c) {
		c = s.arn("ecs", "cluster/"+c)
	}
	return c
}
