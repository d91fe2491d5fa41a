package sim

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/google/go-cmp/cmp"
)

// logWorld: /ecs/api with streams a (events at minutes 0..5), b (minutes
// 2 and 3) and an empty one; /ecs/web with one stream.
func logWorld() *world.World {
	ev := func(min int, msg string) world.LogEvent {
		return world.LogEvent{Timestamp: atMinute(min), Message: msg}
	}
	a := world.LogStream{LogGroupName: "/ecs/api", LogStreamName: "ecs/api/a", Events: []world.LogEvent{
		ev(0, "GET / 200 3ms"), ev(1, "GET /user 200 5ms"), ev(2, "POST /user/sign-up 201 4210ms"),
		ev(3, "ERROR Request timed out"), ev(4, "WARN slow query"), ev(5, "GET / 200 2ms"),
	}}
	a.Events[5].IngestionTime = atMinute(6)
	b := world.LogStream{LogGroupName: "/ecs/api", LogStreamName: "ecs/api/b", Events: []world.LogEvent{
		ev(2, "ERROR out of memory"), ev(3, "GET / 200 9ms"),
	}}
	return &world.World{Now: atMinute(10), Logs: []world.LogStream{
		a, b,
		{LogGroupName: "/ecs/api", LogStreamName: "ecs/api/empty"},
		{LogGroupName: "/ecs/web", LogStreamName: "ecs/web/x", Events: []world.LogEvent{ev(7, "hello")}},
	}}
}

func logsOps(t *testing.T) *cloudwatchlogs.Client {
	_, url := opsServe(t, logWorld())
	return cloudwatchlogs.NewFromConfig(opsConfig(), func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(url) })
}

func msAt(min int) int64 { return atMinute(min).UnixMilli() }

func TestDescribeLogGroups(t *testing.T) {
	cl := logsOps(t)
	out, err := cl.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.LogGroups) != 1 || aws.ToString(out.LogGroups[0].LogGroupName) != "/ecs/api" || out.NextToken == nil {
		t.Fatalf("first page = %+v, next %v; want /ecs/api and a token", out.LogGroups, out.NextToken)
	}
	if got, want := aws.ToInt64(out.LogGroups[0].CreationTime), msAt(0); got != want {
		t.Errorf("creationTime = %d, want %d", got, want)
	}
	if got, want := aws.ToString(out.LogGroups[0].Arn), "arn:aws:logs:ap-northeast-2:111122223333:log-group:/ecs/api:*"; got != want {
		t.Errorf("arn = %s, want %s", got, want)
	}
	out, err = cl.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{NextToken: out.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.LogGroups) != 1 || aws.ToString(out.LogGroups[0].LogGroupName) != "/ecs/web" || out.NextToken != nil {
		t.Errorf("second page = %+v, next %v; want /ecs/web only", out.LogGroups, out.NextToken)
	}
	out, err = cl.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/w")})
	if err != nil || len(out.LogGroups) != 1 {
		t.Errorf("prefix /ecs/w: %v, %v; want one group", out, err)
	}
}

func TestDescribeLogStreams(t *testing.T) {
	cl := logsOps(t)
	type stream struct {
		Name                                  string
		Created, First, Last, Ingested, Bytes int64
	}
	a := stream{"ecs/api/a", msAt(0), msAt(0), msAt(5), msAt(6), 110}
	b := stream{"ecs/api/b", msAt(2), msAt(2), msAt(3), msAt(3), 32}
	empty := stream{Name: "ecs/api/empty", Created: msAt(10)}
	tests := []struct {
		name    string
		in      cloudwatchlogs.DescribeLogStreamsInput
		want    []stream
		wantErr string
	}{
		{name: "by name", in: cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/api")}, want: []stream{a, b, empty}},
		{name: "by ARN, newest event first", in: cloudwatchlogs.DescribeLogStreamsInput{
			LogGroupIdentifier: aws.String("arn:aws:logs:ap-northeast-2:111122223333:log-group:/ecs/api:*"),
			OrderBy:            types.OrderByLastEventTime, Descending: aws.Bool(true)}, want: []stream{a, b, empty}},
		{name: "oldest event first", in: cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/api"), OrderBy: types.OrderByLastEventTime}, want: []stream{empty, b, a}},
		{name: "prefix", in: cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/api"), LogStreamNamePrefix: aws.String("ecs/api/b")}, want: []stream{b}},
		{name: "prefix with LastEventTime", in: cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/api"), LogStreamNamePrefix: aws.String("e"), OrderBy: types.OrderByLastEventTime}, wantErr: "InvalidParameterException"},
		{name: "unknown group", in: cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/nope")}, wantErr: "ResourceNotFoundException"},
		{name: "name and ARN", in: cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/api"), LogGroupIdentifier: aws.String("/ecs/api")}, wantErr: "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := cl.DescribeLogStreams(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var got []stream
			for _, s := range out.LogStreams {
				got = append(got, stream{aws.ToString(s.LogStreamName), aws.ToInt64(s.CreationTime), aws.ToInt64(s.FirstEventTimestamp),
					//lint:ignore SA1019 the field is deprecated but still in the API; the simulator fills it.
					aws.ToInt64(s.LastEventTimestamp), aws.ToInt64(s.LastIngestionTime), aws.ToInt64(s.StoredBytes)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("streams (-want +got):\n%s", diff)
			}
		})
	}

	// Pages of one stream each, following nextToken.
	var names []string
	p := cloudwatchlogs.NewDescribeLogStreamsPaginator(cl, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/api"), Limit: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.LogStreams {
			names = append(names, *s.LogStreamName)
		}
	}
	if diff := cmp.Diff([]string{"ecs/api/a", "ecs/api/b", "ecs/api/empty"}, names); diff != "" {
		t.Errorf("paged streams (-want +got):\n%s", diff)
	}
}

func messages(evs []types.OutputLogEvent) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, aws.ToString(e.Message))
	}
	return out
}

func TestGetLogEvents(t *testing.T) {
	cl := logsOps(t)
	ctx := context.Background()
	in := func(mod func(*cloudwatchlogs.GetLogEventsInput)) *cloudwatchlogs.GetLogEventsInput {
		i := &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/ecs/api"), LogStreamName: aws.String("ecs/api/a")}
		if mod != nil {
			mod(i)
		}
		return i
	}
	all := messages(nil)
	for _, e := range logWorld().Logs[0].Events {
		all = append(all, e.Message)
	}

	out, err := cl.GetLogEvents(ctx, in(nil))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all, messages(out.Events)); diff != "" {
		t.Errorf("whole stream (-want +got):\n%s", diff)
	}
	if e := out.Events[5]; aws.ToInt64(e.Timestamp) != msAt(5) || aws.ToInt64(e.IngestionTime) != msAt(6) {
		t.Errorf("last event times = %d, %d; want %d, %d", aws.ToInt64(e.Timestamp), aws.ToInt64(e.IngestionTime), msAt(5), msAt(6))
	}

	// From the tail backwards, two at a time, until the token repeats.
	var back [][]string
	tok := (*string)(nil)
	for range 10 {
		out, err := cl.GetLogEvents(ctx, in(func(i *cloudwatchlogs.GetLogEventsInput) { i.Limit, i.NextToken = aws.Int32(2), tok }))
		if err != nil {
			t.Fatal(err)
		}
		back = append(back, messages(out.Events))
		if tok != nil && *tok == *out.NextBackwardToken {
			break
		}
		tok = out.NextBackwardToken
	}
	wantBack := [][]string{all[4:6], all[2:4], all[0:2], {}}
	if diff := cmp.Diff(wantBack, back); diff != "" {
		t.Errorf("backward pages (-want +got):\n%s", diff)
	}

	// From the head forwards, four at a time.
	var fwd [][]string
	tok = nil
	for range 10 {
		out, err := cl.GetLogEvents(ctx, in(func(i *cloudwatchlogs.GetLogEventsInput) {
			i.Limit, i.NextToken, i.StartFromHead = aws.Int32(4), tok, aws.Bool(true)
		}))
		if err != nil {
			t.Fatal(err)
		}
		fwd = append(fwd, messages(out.Events))
		if tok != nil && *tok == *out.NextForwardToken {
			break
		}
		tok = out.NextForwardToken
	}
	wantFwd := [][]string{all[0:4], all[4:6], {}}
	if diff := cmp.Diff(wantFwd, fwd); diff != "" {
		t.Errorf("forward pages (-want +got):\n%s", diff)
	}

	tests := []struct {
		name    string
		in      *cloudwatchlogs.GetLogEventsInput
		want    []string
		wantErr string
	}{
		{name: "window: start inclusive, end exclusive", in: in(func(i *cloudwatchlogs.GetLogEventsInput) {
			i.StartTime, i.EndTime = aws.Int64(msAt(1)), aws.Int64(msAt(3))
		}), want: all[1:3]},
		{name: "window and head limit", in: in(func(i *cloudwatchlogs.GetLogEventsInput) {
			i.StartTime, i.StartFromHead, i.Limit = aws.Int64(msAt(2)), aws.Bool(true), aws.Int32(1)
		}), want: all[2:3]},
		{name: "empty stream", in: in(func(i *cloudwatchlogs.GetLogEventsInput) { i.LogStreamName = aws.String("ecs/api/empty") }), want: []string{}},
		{name: "unknown stream", in: in(func(i *cloudwatchlogs.GetLogEventsInput) { i.LogStreamName = aws.String("nope") }), wantErr: "ResourceNotFoundException"},
		{name: "unknown group", in: in(func(i *cloudwatchlogs.GetLogEventsInput) { i.LogGroupName = aws.String("nope") }), wantErr: "ResourceNotFoundException"},
		{name: "bad token", in: in(func(i *cloudwatchlogs.GetLogEventsInput) { i.NextToken = aws.String("x/1") }), wantErr: "InvalidParameterException"},
		{name: "limit too big", in: in(func(i *cloudwatchlogs.GetLogEventsInput) { i.Limit = aws.Int32(10001) }), wantErr: "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := cl.GetLogEvents(ctx, tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, messages(out.Events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilterLogEvents(t *testing.T) {
	cl := logsOps(t)
	type ev struct{ Stream, Msg string }
	tests := []struct {
		name    string
		in      cloudwatchlogs.FilterLogEventsInput
		want    []ev
		wantErr string
	}{
		{name: "interleaved by time", in: cloudwatchlogs.FilterLogEventsInput{StartTime: aws.Int64(msAt(2)), EndTime: aws.Int64(msAt(4))}, want: []ev{
			{"ecs/api/a", "POST /user/sign-up 201 4210ms"}, {"ecs/api/b", "ERROR out of memory"},
			{"ecs/api/a", "ERROR Request timed out"}, {"ecs/api/b", "GET / 200 9ms"},
		}},
		{name: "term", in: cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("ERROR")}, want: []ev{
			{"ecs/api/b", "ERROR out of memory"}, {"ecs/api/a", "ERROR Request timed out"},
		}},
		{name: "quoted phrase in one stream", in: cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`"timed out"`), LogStreamNames: []string{"ecs/api/a", "ecs/api/b"}},
			want: []ev{{"ecs/api/a", "ERROR Request timed out"}}},
		{name: "two terms, case-sensitive", in: cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("GET 200"), LogStreamNamePrefix: aws.String("ecs/api/b")},
			want: []ev{{"ecs/api/b", "GET / 200 9ms"}}},
		{name: "no match", in: cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("error")}},
		{name: "JSON pattern", in: cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`{ $.level = "error" }`)}, wantErr: "InvalidParameterException"},
		{name: "names and prefix", in: cloudwatchlogs.FilterLogEventsInput{LogStreamNames: []string{"a"}, LogStreamNamePrefix: aws.String("a")}, wantErr: "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.LogGroupName = aws.String("/ecs/api")
			out, err := cl.FilterLogEvents(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var got []ev
			for _, e := range out.Events {
				got = append(got, ev{aws.ToString(e.LogStreamName), aws.ToString(e.Message)})
				if aws.ToString(e.EventId) == "" {
					t.Errorf("event %q has no eventId", aws.ToString(e.Message))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}

	// Pages of three, following nextToken, give all eight events once.
	seen := map[string]bool{}
	p := cloudwatchlogs.NewFilterLogEventsPaginator(cl, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/ecs/api"), Limit: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range out.Events {
			seen[aws.ToString(e.EventId)] = true
		}
	}
	if len(seen) != 8 || pages != 3 {
		t.Errorf("%d distinct events in %d pages, want 8 in 3", len(seen), pages)
	}
}

func TestParseFilterPattern(t *testing.T) {
	msgs := []string{"ERROR Request timed out", "WARN slow query", "GET / 200 3ms", "error lower"}
	tests := []struct {
		pattern string
		want    []string
		wantErr bool
	}{
		{pattern: "", want: msgs},
		{pattern: "  ", want: msgs},
		{pattern: "ERROR", want: msgs[:1]},
		{pattern: `"Request timed"`, want: msgs[:1]},
		{pattern: `"timed Request"`, want: []string{}},
		{pattern: "?ERROR ?WARN", want: msgs[:2]},
		{pattern: "-ERROR -WARN", want: msgs[2:]},
		{pattern: `GET -"200 4ms"`, want: msgs[2:3]},
		{pattern: "%ERROR|error%", want: []string{msgs[0], msgs[3]}},
		{pattern: `"open`, wantErr: true},
		{pattern: "%(%", wantErr: true},
		{pattern: "[ip, user]", wantErr: true},
		{pattern: `?""`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.pattern), func(t *testing.T) {
			match, err := parseFilterPattern(tt.pattern)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got := []string{}
			for _, m := range msgs {
				if match(m) {
					got = append(got, m)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("matches (-want +got):\n%s", diff)
			}
		})
	}
}
