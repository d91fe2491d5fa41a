package aws

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ecsmedic/ecsmedic/aws/sim"
)

// sampleWrites are one input of every writer, valid against the test world.
func sampleWrites(c *Clients) []struct {
	op   string
	send func(ctx context.Context, dry bool) (any, error)
} {
	td := ecs.RegisterTaskDefinitionInput{Family: aws.String("backend"), Cpu: aws.String("1024"), Memory: aws.String("1024"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("backend"), Image: aws.String("backend:1.4.2"), Essential: aws.Bool(true)}}}
	res := "service/codedang/backend"
	w := func(op string, f func(ctx context.Context, dry bool) (any, error)) struct {
		op   string
		send func(ctx context.Context, dry bool) (any, error)
	} {
		return struct {
			op   string
			send func(ctx context.Context, dry bool) (any, error)
		}{op, f}
	}
	return []struct {
		op   string
		send func(ctx context.Context, dry bool) (any, error)
	}{
		w("RegisterTaskDefinition", func(ctx context.Context, dry bool) (any, error) { return c.RegisterTaskDefinition(ctx, &td, dry) }),
		w("UpdateService", func(ctx context.Context, dry bool) (any, error) {
			return c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("codedang"), Service: aws.String("backend"), DesiredCount: aws.Int32(2)}, dry)
		}),
		w("UpdateCapacityProvider", func(ctx context.Context, dry bool) (any, error) {
			return c.UpdateCapacityProvider(ctx, &ecs.UpdateCapacityProviderInput{Name: aws.String("codedang-cp"),
				AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProviderUpdate{ManagedScaling: &ecstypes.ManagedScaling{Status: ecstypes.ManagedScalingStatusEnabled, TargetCapacity: aws.Int32(100)}}}, dry)
		}),
		w("PutScalingPolicy", func(ctx context.Context, dry bool) (any, error) {
			return c.PutAutoScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("codedang-asg"), PolicyName: aws.String("cpu-reservation"),
				PolicyType: aws.String("TargetTrackingScaling"),
				TargetTrackingConfiguration: &asgtypes.TargetTrackingConfiguration{TargetValue: aws.Float64(75),
					CustomizedMetricSpecification: &asgtypes.CustomizedMetricSpecification{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUReservation"),
						Statistic: asgtypes.MetricStatisticAverage, Dimensions: []asgtypes.MetricDimension{{Name: aws.String("ClusterName"), Value: aws.String("codedang")}}}}}, dry)
		}),
		w("DeletePolicy", func(ctx context.Context, dry bool) (any, error) {
			return c.DeleteAutoScalingPolicy(ctx, &autoscaling.DeletePolicyInput{AutoScalingGroupName: aws.String("codedang-asg"), PolicyName: aws.String("cpu-reservation")}, dry)
		}),
		w("RegisterScalableTarget", func(ctx context.Context, dry bool) (any, error) {
			return c.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{ServiceNamespace: astypes.ServiceNamespaceEcs, ResourceId: aws.String(res),
				ScalableDimension: astypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(3)}, dry)
		}),
		w("PutScalingPolicy", func(ctx context.Context, dry bool) (any, error) {
			return c.PutServiceScalingPolicy(ctx, &applicationautoscaling.PutScalingPolicyInput{ServiceNamespace: astypes.ServiceNamespaceEcs, ResourceId: aws.String(res),
				ScalableDimension: astypes.ScalableDimensionECSServiceDesiredCount, PolicyName: aws.String("cpu70"), PolicyType: astypes.PolicyTypeTargetTrackingScaling,
				TargetTrackingScalingPolicyConfiguration: &astypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(60),
					PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeECSServiceAverageCPUUtilization}}}, dry)
		}),
		w("DeleteScalingPolicy", func(ctx context.Context, dry bool) (any, error) {
			return c.DeleteServiceScalingPolicy(ctx, &applicationautoscaling.DeleteScalingPolicyInput{ServiceNamespace: astypes.ServiceNamespaceEcs, ResourceId: aws.String(res),
				ScalableDimension: astypes.ScalableDimensionECSServiceDesiredCount, PolicyName: aws.String("cpu70")}, dry)
		}),
		w("DeregisterScalableTarget", func(ctx context.Context, dry bool) (any, error) {
			return c.DeregisterScalableTarget(ctx, &applicationautoscaling.DeregisterScalableTargetInput{ServiceNamespace: astypes.ServiceNamespaceEcs, ResourceId: aws.String(res),
				ScalableDimension: astypes.ScalableDimensionECSServiceDesiredCount}, dry)
		}),
		w("ModifyTargetGroup", func(ctx context.Context, dry bool) (any, error) {
			return c.ModifyTargetGroup(ctx, &elasticloadbalancingv2.ModifyTargetGroupInput{
				TargetGroupArn:            aws.String("arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/backend-tg/0123456789abcdef"),
				HealthCheckTimeoutSeconds: aws.Int32(10)}, dry)
		}),
	}
}

func TestWritersDryRunSendNothing(t *testing.T) {
	t.Parallel()
	s, c := startSim(t, loadWorld(t, "backend137.yaml"), sim.Options{})
	for _, w := range sampleWrites(c) {
		out, err := w.send(context.Background(), true)
		if err != nil || !reflect.ValueOf(out).IsNil() {
			t.Errorf("%s dry run = (%v, %v), want (nil, nil)", w.op, out, err)
		}
	}
	if calls := s.Calls(); len(calls) != 0 {
		t.Errorf("dry runs sent %d calls, first %s", len(calls), calls[0].Operation)
	}
}

func TestWritersSend(t *testing.T) {
	t.Parallel()
	s, c := startSim(t, loadWorld(t, "backend137.yaml"), sim.Options{})
	var got []string
	for _, w := range sampleWrites(c) {
		if _, err := w.send(context.Background(), false); err != nil {
			t.Errorf("%s: %v", w.op, err)
		}
	}
	for _, call := range s.Calls() {
		got = append(got, call.Operation)
	}
	var want []string
	for _, w := range sampleWrites(c) {
		want = append(want, w.op)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// A register is sent once whatever happens: a retry after a lost answer
// could register two revisions. Idempotent writes are retried.
func TestWriterRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op    string
		fault string
		calls int
		want  string
	}{
		{op: "RegisterTaskDefinition", fault: "RegisterTaskDefinition=500", calls: 1,
			want: "AWS answered ecs:RegisterTaskDefinition with an internal error (HTTP 500); this is usually brief: try again in a minute, and see https://health.aws.amazon.com if it lasts"},
		{op: "RegisterTaskDefinition", fault: "RegisterTaskDefinition=throttle", calls: 1,
			want: `AWS is throttling this account (ecs:RegisterTaskDefinition was refused as "rate exceeded"); wait a minute and try again, and check whether another tool is polling the same API`},
		{op: "UpdateService", fault: "UpdateService=500", calls: 2,
			want: "AWS answered ecs:UpdateService with an internal error (HTTP 500, after 2 tries); this is usually brief: try again in a minute, and see https://health.aws.amazon.com if it lasts"},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			s, c := startSim(t, loadWorld(t, "backend137.yaml"), sim.Options{Faults: faults(t, tt.fault)})
			for _, w := range sampleWrites(c) {
				if w.op != tt.op {
					continue
				}
				_, err := w.send(context.Background(), false)
				if errString(err) != tt.want {
					t.Errorf("error:\n got %v\nwant %s", err, tt.want)
				}
			}
			if n := count(s.Calls(), tt.op); n != tt.calls {
				t.Errorf("%s sent %d times, want %d", tt.op, n, tt.calls)
			}
		})
	}
}

func TestRegisterTimeoutSaysCheckFirst(t *testing.T) {
	t.Parallel()
	_, c := startSim(t, loadWorld(t, "backend137.yaml"), sim.Options{Faults: faults(t, "RegisterTaskDefinition=timeout")}, WithCallTimeout(100*time.Millisecond))
	_, err := c.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{Family: aws.String("backend"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("backend"), Image: aws.String("backend:1")}}}, false)
	want := "AWS did not answer within 100ms (ecs:RegisterTaskDefinition); check the network path to AWS (or to AWS_ENDPOINT_URL) and try again; the revision may have been registered anyway: check with aws ecs list-task-definitions --family-prefix backend before asking again"
	if errString(err) != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
}

// The copy registers as a faithful new revision in the simulator.
func TestCopyForRegisterRegisters(t *testing.T) {
	t.Parallel()
	s, c := startSim(t, loadWorld(t, "backend137.yaml"), sim.Options{})
	ctx := context.Background()
	snap, err := c.GatherService(ctx, "codedang", "backend", GatherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur := snap.TaskDefinition
	in := CopyForRegister(cur, snap.TaskDefinitionTags[aws.ToString(cur.TaskDefinitionArn)])
	in.Cpu = aws.String("1024")
	s.ResetCalls()
	out, err := c.RegisterTaskDefinition(ctx, in, false)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cur.Cpu) != "512" {
		t.Errorf("changing the copy changed the original: cpu %s", aws.ToString(cur.Cpu))
	}
	got := *out.TaskDefinition
	if got.Revision != 13 || aws.ToString(got.Cpu) != "1024" {
		t.Errorf("registered revision %d with cpu %s, want 13 with 1024", got.Revision, aws.ToString(got.Cpu))
	}
	ignore := cmpopts.IgnoreFields(ecstypes.TaskDefinition{}, "TaskDefinitionArn", "Revision", "Cpu", "RegisteredAt", "RegisteredBy", "Status", "Compatibilities", "RequiresAttributes")
	// AWS fills in a port mapping's protocol (tcp) on register.
	defaulted := cmpopts.IgnoreFields(ecstypes.PortMapping{}, "Protocol")
	if diff := cmp.Diff(cur, got, ignore, defaulted, cmpopts.IgnoreUnexported(allECSTypes()...), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("new revision differs beyond cpu (-old +new):\n%s", diff)
	}
}

// Every field RegisterTaskDefinition accepts that a described task
// definition has is copied, so a field added to the SDK cannot be dropped
// silently; the read-only ones have no place in the input at all.
func TestCopyForRegisterCopiesEveryField(t *testing.T) {
	t.Parallel()
	// Fields left out on purpose, each with its reason in CopyForRegister.
	dropped := map[string]bool{"InferenceAccelerators": true}
	var td ecstypes.TaskDefinition
	fill(reflect.ValueOf(&td).Elem(), 0)
	tags := []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("club")}, {Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("x")}}
	in := CopyForRegister(td, tags)

	iv, tv := reflect.ValueOf(in).Elem(), reflect.ValueOf(td)
	for i := range iv.NumField() {
		f := iv.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		src := tv.FieldByName(f.Name)
		if !src.IsValid() {
			continue // Tags: not part of a task definition
		}
		if dropped[f.Name] {
			continue
		}
		if !reflect.DeepEqual(iv.Field(i).Interface(), src.Interface()) {
			t.Errorf("%s is not copied", f.Name)
		}
	}
	for _, ro := range []string{"TaskDefinitionArn", "Revision", "Status", "RequiresAttributes", "Compatibilities", "RegisteredAt", "RegisteredBy", "DeregisteredAt", "DeleteRequestedAt"} {
		if _, ok := iv.Type().FieldByName(ro); ok {
			t.Errorf("read-only %s is an input field", ro)
		}
	}
	if diff := cmp.Diff(tags[:1], in.Tags, cmpopts.IgnoreUnexported(ecstypes.Tag{})); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	// Deep: nothing shared with the original.
	*in.ContainerDefinitions[0].Name = "changed"
	if aws.ToString(td.ContainerDefinitions[0].Name) == "changed" {
		t.Error("the copy shares container definitions with the original")
	}
}

func TestRequestString(t *testing.T) {
	t.Parallel()
	in := &ecs.RegisterTaskDefinitionInput{Family: aws.String("backend"), ContainerDefinitions: []ecstypes.ContainerDefinition{{
		Name: aws.String("backend"), Environment: []ecstypes.KeyValuePair{{Name: aws.String("DATABASE_PASSWORD"), Value: aws.String("hunter2")}}}}}
	r, ok := RequestFor(in)
	if !ok || r.Action() != "ecs:RegisterTaskDefinition" {
		t.Fatalf("RequestFor = %+v, %v", r, ok)
	}
	s := r.String()
	if strings.Contains(s, "hunter2") || !strings.Contains(s, "DATABASE_PASSWORD") || !strings.Contains(s, "(hidden)") {
		t.Errorf("String shows:\n%s", s)
	}
	if _, ok := RequestFor(&ecs.DescribeServicesInput{}); ok {
		t.Error("RequestFor accepted a read")
	}
}

// The catalogue and the writers are one list: each writer has a sample,
// and Send refuses what is not a write.
func TestWriteCatalogue(t *testing.T) {
	var catalogue, samples []string
	for _, r := range Writes() {
		catalogue = append(catalogue, r.Operation)
	}
	for _, w := range sampleWrites(nil) {
		samples = append(samples, w.op)
	}
	sort.Strings(catalogue)
	sort.Strings(samples)
	if diff := cmp.Diff(catalogue, samples); diff != "" {
		t.Errorf("catalogue vs writers (-catalogue +writers):\n%s", diff)
	}
	var c Clients
	if _, err := c.Send(context.Background(), &ecs.DescribeServicesInput{}, false); err == nil || !strings.Contains(err.Error(), "not one of its writes") {
		t.Errorf("Send of a read: %v", err)
	}
	if _, err := c.Send(context.Background(), (*ecs.UpdateServiceInput)(nil), false); err == nil || !strings.Contains(err.Error(), "nothing to send") {
		t.Errorf("Send of nil: %v", err)
	}
}

// fill sets every exported field of v to a non-zero value, recursively.
func fill(v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Unix(1713328800, 0)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	}
}

// allECSTypes lists the ECS struct types a task definition holds, for
// IgnoreUnexported.
func allECSTypes() []any {
	seen := map[reflect.Type]bool{}
	var out []any
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() != reflect.TypeOf(ecstypes.TaskDefinition{}).PkgPath() {
			return
		}
		seen[t] = true
		out = append(out, reflect.New(t).Elem().Interface())
		for i := range t.NumField() {
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeOf(ecstypes.TaskDefinition{}))
	return out
}
