package commands

import (
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
)

func reservationCommand() command { return changeCommand("reservation") }

// ReservationRequest asks to turn the cluster's reservation-based
// scaling on (at TargetPercent, 0 = keep or default) or off. Cluster is
// the cluster's name, "" for the one the configured services are in
// (asked for when they span several).
type ReservationRequest struct {
	On            bool
	TargetPercent int
	Cluster       string
}

// Command is "reservation".
func (ReservationRequest) Command() string { return "reservation" }
func (ReservationRequest) service() string { return "" }

func (q ReservationRequest) request(target ServiceRef) (change.Request, error) {
	req := change.Request{Kind: change.KindReservationOff, Target: target}
	if !q.On {
		if q.TargetPercent != 0 {
			return req, badArg("usage.unexpected", "Arg", "target")
		}
		return req, nil
	}
	if q.TargetPercent < 0 || q.TargetPercent > 100 {
		return req, badArg("reason.reservation_target_out", "Value", q.TargetPercent)
	}
	req.Kind, req.Percent = change.KindReservationOn, q.TargetPercent
	return req, nil
}

// parseReservation reads `on|off [target PCT] [cluster NAME]`.
func parseReservation(args []string) (ChangeRequest, error) {
	var q ReservationRequest
	if len(args) == 0 {
		return q, badArg("usage.on_off")
	}
	switch keyword(args[0]) {
	case "on":
		q.On = true
	case "off":
	default:
		return q, badArg("usage.on_off")
	}
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		switch keyword(rest[i]) {
		case "target":
			if i+1 >= len(rest) || !q.On {
				return q, badArg("usage.unexpected", "Arg", clip(rest[i], 40))
			}
			i++
			n, err := number(rest[i])
			if err != nil {
				return q, err
			}
			// 0 would mean "keep the current target" to the planner: a
			// typed 0 is refused with the range, never replaced.
			if n < 1 || n > 100 {
				return q, badArg("reason.reservation_target_out", "Value", n)
			}
			q.TargetPercent = n
		case "cluster":
			if i+1 >= len(rest) {
				return q, badArg("usage.unexpected", "Arg", clip(rest[i], 40))
			}
			i++
			q.Cluster = rest[i]
		default:
			return q, badArg("usage.unexpected", "Arg", clip(rest[i], 40))
		}
	}
	return q, nil
}

// cluster picks the cluster a cluster-wide command is about: the one
// named, else the only one the services are in.
// With several targets, clusters are named target/cluster (prod/codedang),
// and a bare name is enough when one target has it.
func (r *Router) cluster(named string) (ServiceRef, error) {
	var all []string
	refs := map[string]ServiceRef{}
	for _, s := range r.env.Services {
		name := s.StoreCluster()
		if !contains(all, name) {
			all = append(all, name)
			refs[name] = ServiceRef{Target: s.Target, Cluster: s.Cluster}
		}
	}
	if named != "" {
		var bare []ServiceRef
		for _, c := range all {
			if strings.EqualFold(c, named) {
				return refs[c], nil
			}
			if strings.EqualFold(refs[c].Cluster, named) {
				bare = append(bare, refs[c])
			}
		}
		if len(bare) == 1 {
			return bare[0], nil
		}
		if len(all) == 0 {
			return ServiceRef{Cluster: named}, nil
		}
		return ServiceRef{}, badArg("usage.unknown_cluster", "Name", clip(named, 40), "Names", strings.Join(all, ", "))
	}
	switch len(all) {
	case 0:
		return ServiceRef{}, badArg("usage.unknown_cluster", "Name", "-", "Names", "-")
	case 1:
		return refs[all[0]], nil
	}
	return ServiceRef{}, badArg("usage.which_cluster", "Names", strings.Join(all, ", "))
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
