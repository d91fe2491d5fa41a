package world

import (
	"reflect"
	"time"
	"unicode"
	"unicode/utf8"
)

// Casing of an AWS service's wire names.
type Casing int

const (
	CamelCase  Casing = iota // ECS, CloudWatch Logs: stoppedReason
	PascalCase               // ELBv2, Auto Scaling, CloudWatch: TargetGroupArn
)

// FromSDK turns an aws-sdk-go-v2 value (a types.Task, a
// []types.TargetHealthDescription …) into the shape the AWS CLI prints and
// a world file holds: nil fields left out, timestamps as time.Time, enums as
// text. It is how `ecsmedic capture` writes a live account as a world.
func FromSDK(v any, c Casing) any {
	return fromValue(reflect.ValueOf(v), c)
}

// ObjectFromSDK is FromSDK for one struct.
func ObjectFromSDK(v any, c Casing) Object {
	o, _ := FromSDK(v, c).(map[string]any)
	if o == nil {
		o = Object{}
	}
	return o
}

func fromValue(v reflect.Value, c Casing) any {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Type() == timeType {
		return v.Interface().(time.Time)
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || f.Anonymous {
				continue
			}
			fv := v.Field(i)
			if isEmpty(fv) {
				continue
			}
			if e := fromValue(fv, c); e != nil {
				m[wireName(f.Name, c)] = e
			}
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Bytes()
		}
		l := make([]any, v.Len())
		for i := range l {
			l[i] = fromValue(v.Index(i), c)
		}
		return l
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			m[iter.Key().String()] = fromValue(iter.Value(), c)
		}
		return m
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	}
	return nil
}

// isEmpty is true for what the CLI leaves out: nil pointers, slices and
// maps, and zero enum strings. Plain zero numbers and false are kept: the
// SDK uses plain types only where AWS always sends the value.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	case reflect.String:
		return v.Len() == 0
	}
	return false
}

func wireName(goName string, c Casing) string {
	if c == PascalCase {
		return goName
	}
	r, size := utf8.DecodeRuneInString(goName)
	return string(unicode.ToLower(r)) + goName[size:]
}
