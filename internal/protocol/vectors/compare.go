package vectors

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/protocol/shape"
)

// FillRequired sets, in theirs (an SDK input structure), every member that
// our plan of the same input marks required, with a placeholder value, so
// the SDK's client-side validation lets the call through.
func FillRequired(theirs reflect.Value, ours *shape.Struct) {
	for _, f := range ours.Fields {
		if !f.Required {
			continue
		}
		tf := theirs.FieldByName(f.GoName)
		if !tf.IsValid() || !tf.CanSet() {
			continue
		}
		placeholder(tf, f)
	}
}

func placeholder(v reflect.Value, f *shape.Field) {
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		placeholder(p.Elem(), f)
		v.Set(p)
	case reflect.String:
		v.SetString("x")
	case reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte("x"))
			return
		}
		item := reflect.New(v.Type().Elem()).Elem()
		if f != nil && f.Item != nil {
			placeholder(item, f.Item)
		}
		v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), item))
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Now()))
			return
		}
		if f != nil && f.Kind == shape.KindStruct {
			FillRequired(v, f.Plan())
		}
	}
}

// Compare checks that every member set in ours (a doppel output) arrived
// in theirs (the SDK's parsed output) with the same value; it returns the
// differences, one per line, named by path.
func Compare(ours, theirs reflect.Value, path string) []string {
	ours, theirs = indirect(ours), indirect(theirs)
	if !ours.IsValid() {
		return nil
	}
	if !theirs.IsValid() {
		return []string{path + ": missing in the SDK's output"}
	}
	switch {
	case ours.Type() == reflect.TypeOf(time.Time{}):
		ot := ours.Interface().(time.Time)
		tt, ok := theirs.Interface().(time.Time)
		if !ok || !ot.Equal(tt) {
			return []string{fmt.Sprintf("%s: %v, SDK has %v", path, ot, theirs.Interface())}
		}
		return nil
	case ours.Kind() == reflect.Struct && theirs.Kind() == reflect.Struct && strings.HasPrefix(theirs.Type().Name(), ours.Type().Name()+"Member"):
		// aws-sdk-go-v2 holds a union as <Union>Member<Name>{Value}.
		name := strings.TrimPrefix(theirs.Type().Name(), ours.Type().Name()+"Member")
		of := ours.FieldByName(name)
		if !of.IsValid() {
			return []string{path + ": the SDK chose union member " + name + ", which doppel's type lacks"}
		}
		return Compare(of, theirs.FieldByName("Value"), path+"."+name)
	case ours.Kind() == reflect.Struct:
		var diffs []string
		for _, f := range shape.Of(ours.Type()).Fields {
			if f.Kind == shape.KindStream {
				continue
			}
			of := ours.Field(f.Index)
			if !f.Present(ours) || isNil(of) {
				continue
			}
			tf := theirs.FieldByName(f.GoName)
			if !tf.IsValid() {
				diffs = append(diffs, path+"."+f.GoName+": the SDK's type has no such member")
				continue
			}
			diffs = append(diffs, Compare(of, tf, path+"."+f.GoName)...)
		}
		return diffs
	case ours.Kind() == reflect.Slice && ours.Type().Elem().Kind() != reflect.Uint8:
		if theirs.Kind() != reflect.Slice || theirs.Len() != ours.Len() {
			return []string{fmt.Sprintf("%s: %d items, SDK has %v", path, ours.Len(), theirs.Interface())}
		}
		var diffs []string
		for i := 0; i < ours.Len(); i++ {
			diffs = append(diffs, Compare(ours.Index(i), theirs.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return diffs
	case ours.Kind() == reflect.Map:
		if theirs.Kind() != reflect.Map || theirs.Len() != ours.Len() {
			return []string{fmt.Sprintf("%s: %d entries, SDK has %v", path, ours.Len(), theirs.Interface())}
		}
		var diffs []string
		for _, k := range ours.MapKeys() {
			tk := reflect.ValueOf(k.String()).Convert(theirs.Type().Key())
			diffs = append(diffs, Compare(ours.MapIndex(k), theirs.MapIndex(tk), fmt.Sprintf("%s[%s]", path, k))...)
		}
		return diffs
	}
	if ours.Kind() == reflect.Slice { // blob
		if theirs.Kind() != reflect.Slice || !bytes.Equal(ours.Bytes(), theirs.Bytes()) {
			return []string{fmt.Sprintf("%s: %q, SDK has %v", path, ours.Bytes(), theirs.Interface())}
		}
		return nil
	}
	if fmt.Sprint(ours.Interface()) != fmt.Sprint(theirs.Interface()) {
		return []string{fmt.Sprintf("%s: %v, SDK has %v", path, ours.Interface(), theirs.Interface())}
	}
	return nil
}

func indirect(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	}
	return false
}

// PopulateSDK fills every exported member of an SDK input structure with
// sample values (strings "v1", numbers 1, true, a whole-second time, two
// list items, one map entry), to depth; io.Reader members are left alone.
func PopulateSDK(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if depth < 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		PopulateSDK(p.Elem(), depth)
		v.Set(p)
	case reflect.String:
		v.SetString("v1")
	case reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		if depth <= 0 {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte("blob"))
			return
		}
		l := reflect.MakeSlice(v.Type(), 2, 2)
		for i := 0; i < 2; i++ {
			PopulateSDK(l.Index(i), depth-1)
		}
		v.Set(l)
	case reflect.Map:
		if depth <= 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		k.SetString("key")
		e := reflect.New(v.Type().Elem()).Elem()
		PopulateSDK(e, depth-1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)))
			return
		}
		if depth <= 0 {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && v.Field(i).CanSet() {
				PopulateSDK(v.Field(i), depth-1)
			}
		}
	}
}

// CallSDK calls the method named op of an aws-sdk-go-v2 client with a new
// input (a pointer), which prepare fills first. t is skipped when the SDK has
// no such operation and fails when the call does. It returns the input and
// the output.
func CallSDK(t testing.TB, client any, op string, prepare func(in reflect.Value)) (in, out reflect.Value) {
	t.Helper()
	method := reflect.ValueOf(client).MethodByName(op)
	if !method.IsValid() {
		t.Skipf("aws-sdk-go-v2 has no %s", op)
	}
	in = reflect.New(method.Type().In(1).Elem())
	prepare(in)
	res := method.Call([]reflect.Value{reflect.ValueOf(context.Background()), in})
	if err, _ := res[1].Interface().(error); err != nil {
		t.Fatalf("SDK call: %v", err)
	}
	return in, res[0]
}

// CheckSent reports what CompareSent finds as errors of t, except the lines
// about members the pinned model lacks, which it logs: the SDK is newer than
// the pinned model (aws-sdk-go v1.55.8), and doppel ignores members it does
// not know.
func CheckSent(t testing.TB, theirs, ours reflect.Value, path string) {
	t.Helper()
	for _, d := range CompareSent(theirs, ours, path) {
		if strings.HasSuffix(d, NotInModel) {
			t.Log(d)
			continue
		}
		t.Error(d)
	}
}

// NotInModel ends the CompareSent lines about members the SDK knows and the
// pinned model does not.
const NotInModel = ": doppel's type has no such member"

// CompareSent checks that every member set in theirs (what an SDK sent)
// was decoded into ours with the same value.
func CompareSent(theirs, ours reflect.Value, path string) []string {
	theirs, ours = indirect(theirs), indirect(ours)
	if !theirs.IsValid() || theirs.IsZero() {
		return nil
	}
	if !ours.IsValid() {
		return []string{path + ": sent by the SDK, not decoded"}
	}
	switch {
	case theirs.Type() == reflect.TypeOf(time.Time{}):
		if ot, ok := ours.Interface().(time.Time); !ok || !ot.Equal(theirs.Interface().(time.Time)) {
			return []string{fmt.Sprintf("%s: sent %v, decoded %v", path, theirs.Interface(), ours.Interface())}
		}
		return nil
	case theirs.Kind() == reflect.Struct:
		var diffs []string
		for i := 0; i < theirs.NumField(); i++ {
			sf := theirs.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			of := ours.FieldByName(sf.Name)
			if !of.IsValid() {
				if !theirs.Field(i).IsZero() {
					diffs = append(diffs, path+"."+sf.Name+NotInModel)
				}
				continue
			}
			diffs = append(diffs, CompareSent(theirs.Field(i), of, path+"."+sf.Name)...)
		}
		return diffs
	case theirs.Kind() == reflect.Slice && theirs.Type().Elem().Kind() != reflect.Uint8:
		if ours.Kind() != reflect.Slice || ours.Len() != theirs.Len() {
			return []string{fmt.Sprintf("%s: sent %d items, decoded %v", path, theirs.Len(), ours.Interface())}
		}
		var diffs []string
		for i := 0; i < theirs.Len(); i++ {
			diffs = append(diffs, CompareSent(theirs.Index(i), ours.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return diffs
	case theirs.Kind() == reflect.Map:
		if ours.Kind() != reflect.Map || ours.Len() != theirs.Len() {
			return []string{fmt.Sprintf("%s: sent %d entries, decoded %v", path, theirs.Len(), ours.Interface())}
		}
		var diffs []string
		for _, k := range theirs.MapKeys() {
			ok := reflect.ValueOf(k.String()).Convert(ours.Type().Key())
			diffs = append(diffs, CompareSent(theirs.MapIndex(k), ours.MapIndex(ok), fmt.Sprintf("%s[%s]", path, k))...)
		}
		return diffs
	case theirs.Kind() == reflect.Slice:
		if ours.Kind() != reflect.Slice || !bytes.Equal(ours.Bytes(), theirs.Bytes()) {
			return []string{fmt.Sprintf("%s: sent %q, decoded %v", path, theirs.Bytes(), ours.Interface())}
		}
		return nil
	}
	if fmt.Sprint(theirs.Interface()) != fmt.Sprint(ours.Interface()) {
		return []string{fmt.Sprintf("%s: sent %v, decoded %v", path, theirs.Interface(), ours.Interface())}
	}
	return nil
}
