package motocheck_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// shapeDiff walks two outputs of the same SDK type and lists the fields
// that one side sets and the other leaves nil or empty, as
// "Path.To.Field (moto only)" or "(sim only)". It compares presence, not
// values: ids, ARNs and times legitimately differ. Lists are compared
// element by element up to the shorter one, and a path is reported once
// however many elements show it. Plain scalars other than strings carry no
// presence (the SDK gives them zero values) and are not compared; plain
// strings (enums) are compared on empty versus non-empty.
func shapeDiff(moto, sim any) []string {
	set := map[string]bool{}
	walk(set, "", reflect.ValueOf(moto), reflect.ValueOf(sim))
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var timeType = reflect.TypeOf(time.Time{})

func walk(set map[string]bool, path string, m, s reflect.Value) {
	present := func(mp, sp bool) bool {
		switch {
		case mp && !sp:
			set[strings.TrimPrefix(path, ".")+" (moto only)"] = true
		case sp && !mp:
			set[strings.TrimPrefix(path, ".")+" (sim only)"] = true
		}
		return mp && sp
	}
	if !m.IsValid() || !s.IsValid() {
		present(m.IsValid(), s.IsValid())
		return
	}
	switch m.Kind() {
	case reflect.Pointer, reflect.Interface:
		if present(!m.IsNil(), !s.IsNil()) {
			me, se := m.Elem(), s.Elem()
			if me.Type() == se.Type() {
				walk(set, path, me, se)
			} else {
				set[strings.TrimPrefix(path, ".")+" (types differ: moto "+me.Type().String()+", sim "+se.Type().String()+")"] = true
			}
		}
	case reflect.Struct:
		if m.Type() == timeType {
			present(!m.Interface().(time.Time).IsZero(), !s.Interface().(time.Time).IsZero())
			return
		}
		t := m.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Name == "ResultMetadata" {
				continue
			}
			walk(set, path+"."+f.Name, m.Field(i), s.Field(i))
		}
	case reflect.Slice, reflect.Map:
		if !present(m.Len() > 0, s.Len() > 0) {
			return
		}
		if m.Kind() == reflect.Map {
			return
		}
		if m.Type().Elem().Kind() == reflect.Uint8 {
			return // a blob
		}
		for i := range min(m.Len(), s.Len()) {
			walk(set, path+"[]", m.Index(i), s.Index(i))
		}
	case reflect.String:
		present(m.Len() > 0, s.Len() > 0)
	}
}

// Known differences are keyed by shapeDiff's lines. The value says why the
// difference is accepted, and starts with one of:
//
//	"moto gap:" moto leaves out something real AWS returns, and the
//	            simulator is right;
//	"sim gap:"  the simulator disagrees with moto and real AWS (reported
//	            to be fixed in the simulator; remove the line when fixed);
//	"world:"    the test world simply holds more, or other, data than
//	            what the test created in moto.
type known map[string]string

// checkShape fails on any difference between the outputs that is not in
// k, and on any entry of k that no longer occurs, so the list stays true.
func checkShape(t *testing.T, op string, moto, sim any, k known) {
	t.Helper()
	got := map[string]bool{}
	for _, d := range shapeDiff(moto, sim) {
		got[d] = true
		if why, ok := k[d]; ok {
			t.Logf("%s: known difference %s: %s", op, d, why)
			continue
		}
		t.Errorf("%s: %s", op, d)
	}
	for d := range k {
		if !got[d] {
			t.Errorf("%s: known difference %q no longer occurs: remove it from the list", op, d)
		}
	}
}

// checkFailure compares the error code and HTTP status of an invalid
// request. want is what real AWS answers; a side that answers otherwise
// fails the test unless its answer is listed in gaps with a reason.
func checkFailure(t *testing.T, op string, want failure, moto, sim error, gaps map[string]string) {
	t.Helper()
	for _, side := range []struct {
		name string
		err  error
	}{{"moto", moto}, {"sim", sim}} {
		got := failureOf(side.err)
		if got == want {
			if _, ok := gaps[side.name]; ok {
				t.Errorf("%s: %s now answers %+v as AWS does: remove its known difference", op, side.name, got)
			}
			continue
		}
		if why, ok := gaps[side.name]; ok {
			t.Logf("%s: %s answers %+v, AWS %+v: known: %s", op, side.name, got, want, why)
			continue
		}
		t.Errorf("%s: %s answers %+v (err %v), want %+v as AWS does", op, side.name, got, side.err, want)
	}
}
