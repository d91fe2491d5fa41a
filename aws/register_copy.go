package aws

import (
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// CopyForRegister turns a described task definition into the input that
// registers it again as a new revision: every field RegisterTaskDefinition
// accepts, none of the read-only ones (ARN, revision, status, required
// attributes, compatibilities, registration and deregistration times). The
// copy is deep, so changing it leaves td as it was for the plan's diff.
// Tags with the reserved "aws:" prefix are left out: AWS refuses them.
func CopyForRegister(td ecstypes.TaskDefinition, tags []ecstypes.Tag) *ecs.RegisterTaskDefinitionInput {
	td = deepCopy(td)
	// InferenceAccelerators is left out on purpose: Elastic Inference is
	// gone, and AWS refuses a registration that still names one.
	in := &ecs.RegisterTaskDefinitionInput{
		ContainerDefinitions:    td.ContainerDefinitions,
		Family:                  td.Family,
		Cpu:                     td.Cpu,
		EnableFaultInjection:    td.EnableFaultInjection,
		EphemeralStorage:        td.EphemeralStorage,
		ExecutionRoleArn:        td.ExecutionRoleArn,
		IpcMode:                 td.IpcMode,
		Memory:                  td.Memory,
		NetworkMode:             td.NetworkMode,
		PidMode:                 td.PidMode,
		PlacementConstraints:    td.PlacementConstraints,
		ProxyConfiguration:      td.ProxyConfiguration,
		RequiresCompatibilities: td.RequiresCompatibilities,
		RuntimePlatform:         td.RuntimePlatform,
		TaskRoleArn:             td.TaskRoleArn,
		Volumes:                 td.Volumes,
	}
	for _, t := range deepCopy(tags) {
		if !strings.HasPrefix(aws.ToString(t.Key), "aws:") {
			in.Tags = append(in.Tags, t)
		}
	}
	return in
}

// deepCopy copies v with nothing shared: pointers, slices and maps are
// copied all the way down. SDK types are plain data, so this is enough.
func deepCopy[T any](v T) T {
	out := copyValue(reflect.ValueOf(&v).Elem())
	return out.Interface().(T)
}

func copyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(copyValue(v.Elem()))
		return p
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(copyValue(v.Index(i)))
		}
		return s
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			m.SetMapIndex(copyValue(iter.Key()), copyValue(iter.Value()))
		}
		return m
	case reflect.Struct:
		s := reflect.New(v.Type()).Elem()
		s.Set(v) // unexported fields (the SDK's serde markers) by value
		for i := range v.NumField() {
			if f := s.Field(i); f.CanSet() {
				f.Set(copyValue(v.Field(i)))
			}
		}
		return s
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := copyValue(v.Elem())
		i := reflect.New(v.Type()).Elem()
		i.Set(c)
		return i
	}
	return v
}
