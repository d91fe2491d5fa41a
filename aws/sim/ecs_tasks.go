package sim

import (
	"github.com/ecsmedic/ecsmedic/aws/world"
)

func init() {
	register(SvcECS, "ListTasks", false, listTasks)
	register(SvcECS, "DescribeTasks", false, describeTasks)
	register(SvcECS, "StopTask", true, stopTaskOp)
}

// findTask looks a task of the cluster up by id or ARN.
func (s *Server) findTask(cluster world.Object, ref string) world.Object {
	for _, t := range s.w.Tasks {
		arn := ecsS(t, "taskArn")
		if (arn == ref || (!ecsIsARN(ref) && ecsLast(arn) == ref)) && s.inCluster(t, cluster) {
			return t
		}
	}
	return nil
}

func taskFamily(t world.Object) string {
	name := ecsLast(ecsS(t, "taskDefinitionArn"))
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == ':' {
			return name[:i]
		}
	}
	return name
}

func listTasks(s *Server, r *Request) (map[string]any, error) {
	in := r.Input
	cluster, err := s.findCluster(str(in, "cluster"))
	if err != nil {
		return nil, err
	}
	group := ""
	if name := str(in, "serviceName"); name != "" {
		svc := s.findService(cluster, name)
		if svc == nil {
			return nil, errorf("ServiceNotFoundException", "Service not found.")
		}
		group = "service:" + svcName(svc)
	}
	status := str(in, "desiredStatus")
	switch status {
	case "":
		status = "RUNNING"
	case "RUNNING", "PENDING", "STOPPED":
	default:
		return nil, errorf("InvalidParameterException", "desiredStatus must be RUNNING, PENDING or STOPPED, but was %s.", status)
	}
	family, startedBy, launch := str(in, "family"), str(in, "startedBy"), str(in, "launchType")
	ci := str(in, "containerInstance")
	var arns []string
	for _, t := range s.w.Tasks {
		if !s.inCluster(t, cluster) || (group != "" && ecsS(t, "group") != group) {
			continue
		}
		ds := ecsS(t, "desiredStatus")
		if ds == "" {
			ds = "RUNNING"
			if ecsS(t, "lastStatus") == "STOPPED" {
				ds = "STOPPED"
			}
		}
		if ds != status || (family != "" && taskFamily(t) != family) ||
			(startedBy != "" && ecsS(t, "startedBy") != startedBy) ||
			(launch != "" && ecsS(t, "launchType") != launch) {
			continue
		}
		if cia := ecsS(t, "containerInstanceArn"); ci != "" && cia != ci && ecsLast(cia) != ci {
			continue
		}
		arns = append(arns, ecsS(t, "taskArn"))
	}
	items, next, err := ecsPage(arns, in, 100)
	if err != nil {
		return nil, err
	}
	return ecsListOut("taskArns", items, next), nil
}

func describeTasks(s *Server, r *Request) (map[string]any, error) {
	cluster, err := s.findCluster(str(r.Input, "cluster"))
	if err != nil {
		return nil, err
	}
	refs := strs(r.Input, "tasks")
	switch {
	case len(refs) == 0:
		return nil, errorf("InvalidParameterException", "Tasks cannot be empty.")
	case len(refs) > 100:
		return nil, errorf("InvalidParameterException", "tasks can have at most 100 items.")
	}
	tags := ecsIncludes(r.Input, "TAGS")
	tasks, failures := []any{}, []any{}
	for _, ref := range refs {
		t := s.findTask(cluster, ref)
		if t == nil {
			arn := ref
			if !ecsIsARN(arn) {
				arn = s.arn("ecs", "task/"+ecsS(cluster, "clusterName")+"/"+ref)
			}
			failures = append(failures, ecsMissing(arn))
			continue
		}
		tasks = append(tasks, ecsOut(t, tags))
	}
	return map[string]any{"tasks": tasks, "failures": failures}, nil
}

// stopTaskOp is StopTask. A service task stopped this way is replaced by
// its service on the scheduler's next step.
func stopTaskOp(s *Server, r *Request) (map[string]any, error) {
	cluster, err := s.findCluster(str(r.Input, "cluster"))
	if err != nil {
		return nil, err
	}
	ref := str(r.Input, "task")
	if ref == "" {
		return nil, errorf("InvalidParameterException", "Task can not be blank.")
	}
	t := s.findTask(cluster, ref)
	if t == nil {
		return nil, errorf("InvalidParameterException", "The referenced task was not found.")
	}
	reason := str(r.Input, "reason")
	if len(reason) > 255 {
		return nil, errorf("InvalidParameterException", "reason can be at most 255 characters long.")
	}
	if reason == "" {
		reason = "Task stopped by user"
	}
	if taskLive(t) {
		s.stopTask(t, "UserInitiated", reason, 143, r.Now)
		if g := ecsS(t, "group"); len(g) > len("service:") && g[:len("service:")] == "service:" {
			if svc := s.findService(cluster, g[len("service:"):]); svc != nil {
				s.markBusy(svc)
				s.recount(svc, r.Now)
			}
		}
	}
	return map[string]any{"task": ecsOut(t, false)}, nil
}
