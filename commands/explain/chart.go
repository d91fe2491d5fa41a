package explain

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/chart"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// The chart shows the half hour before the stop and ten minutes after.
const (
	chartBefore = 30 * time.Minute
	chartAfter  = 10 * time.Minute
	sparkWidth  = 30
)

// whyChart draws CPU and memory around the newest stop, from the stopped
// task's own series when Container Insights has them, else the service's
// busiest task (Maximum).
func whyChart(p text.Printer, name string, d diagnose.Diagnosis, snap *aws.ServiceSnapshot, loc *time.Location) (reply.Attachment, bool) {
	if snap == nil || len(snap.Metrics) == 0 {
		return reply.Attachment{}, false
	}
	var stop time.Time
	var taskID string
	if len(d.Stops) > 0 {
		stop, taskID = d.Stops[0].StoppedAt, d.Stops[0].TaskArn
		if i := strings.LastIndex(taskID, "/"); i >= 0 {
			taskID = taskID[i+1:]
		}
	}
	if loc == nil {
		loc = stop.Location()
	}
	center := stop
	if center.IsZero() {
		center = snap.Now.Add(-chartAfter)
	}
	from, to := center.Add(-chartBefore), center.Add(chartAfter)
	pick := func(keys ...string) []chart.Point {
		for _, k := range keys {
			s, ok := snap.Metrics[k]
			if !ok {
				continue
			}
			var pts []chart.Point
			for _, x := range s.Points {
				if !x.T.Before(from) && !x.T.After(to) {
					pts = append(pts, chart.Point{T: x.T.In(loc), V: x.V})
				}
			}
			if len(pts) > 0 {
				return pts
			}
		}
		return nil
	}
	cpu := pick(aws.MetricTaskCPUPrefix+taskID, aws.MetricServiceCPUMax, aws.MetricServiceCPUAvg)
	mem := pick(aws.MetricTaskMemPrefix+taskID, aws.MetricServiceMemMax, aws.MetricServiceMemAvg)
	if len(cpu) == 0 && len(mem) == 0 {
		return reply.Attachment{}, false
	}
	png, err := chart.CPUMemory(chart.CPUMemoryInput{
		Title: ChartTitle("chart.why.title", "Service", name),
		CPU:   cpu, Memory: mem, Stop: stop.In(loc),
	})
	if err != nil {
		// The text still says everything; the picture is a bonus.
		slog.Warn("no chart", "service", name, "err", err)
	}
	return reply.Attachment{
		Name:        safeName(name) + "-cpu-memory.png",
		ContentType: "image/png",
		Data:        png,
		Text:        sparkText(p, cpu, mem, from.In(loc), to.In(loc)),
	}, true
}

func sparkText(p text.Printer, cpu, mem []chart.Point, from, to time.Time) string {
	line := func(label string, pts []chart.Point) string {
		if len(pts) == 0 {
			return ""
		}
		vals := make([]float64, len(pts))
		peak := 0.0
		for i, x := range pts {
			vals[i] = x.V
			peak = max(peak, x.V)
		}
		return fmt.Sprintf("%s %s  %s\n", label,
			chart.SparklineRange(chart.Resample(vals, sparkWidth), 0, 100), p.T("chart.peak", "Pct", Pct(p, peak)))
	}
	head := p.T("chart.caption", "From", from.Format("15:04"), "To", to.Format("15:04"))
	return strings.TrimRight(head+"\n"+line("CPU", cpu)+line(p.T("chart.mem"), mem), "\n")
}

// safeName keeps a file name to letters, digits, dash and underscore.
func safeName(s string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, s)
	if out == "" {
		return "service"
	}
	return out
}

// ChartTitle is a title drawn into a chart picture: always English, as the
// pictures' font has Latin letters only.
func ChartTitle(id string, kv ...any) string { return text.New("en").T(id, kv...) }
