package redact

import "reflect"

// Strings masks, in place, every string reachable from ptr through
// exported struct fields, slices, arrays and pointers (map values are left
// alone: they cannot be set in place). It is for answers printed whole,
// such as the JSON of `why --format json`, whose log lines and stop
// reasons are as sensitive as in chat. Slices are changed in place, so
// pass a value nobody else reads.
func (r *Redactor) Strings(ptr any) {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	r.walk(v.Elem())
}

func (r *Redactor) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			if s := v.String(); s != "" {
				v.SetString(r.String(s))
			}
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			r.walk(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				r.walk(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			r.walk(v.Index(i))
		}
	}
}
