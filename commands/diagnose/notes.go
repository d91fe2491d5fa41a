package diagnose

// Note codes: explanations of common confusions the renderers spell out.
const (
	// NoteCPUShare: ECS's CPUUtilization is a share of the task's CPU
	// reservation, not of the machine; 99 % means the task used all it
	// reserved.
	NoteCPUShare = "cpu-is-share-of-reservation"
	// NoteHostCPU: the hosts looked fine while the task was starved.
	NoteHostCPU = "host-cpu-not-task-cpu"
)

// addNotes explains a cpu-starved verdict: always that the figure is a share
// of the reservation, and that the host's CPU is not the task's when the
// hosts were well below it.
func (d *diag) addNotes() {
	if !d.factorSet[FactorCPUStarved] {
		return
	}
	d.out.Notes = append(d.out.Notes, NoteCPUShare)
	f := &d.out.Figures
	if d.hostCPU != nil && f.HostCPUPercent <= f.PeakCPUPercent-hostWellBelow {
		d.out.Notes = append(d.out.Notes, NoteHostCPU)
		d.cite(*d.hostCPU)
	}
}
