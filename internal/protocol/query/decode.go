// Package query is the awsQuery protocol (IAM, STS): form-encoded requests,
// XML responses wrapped in <OpResponse><OpResult>, and <ErrorResponse> errors.
//
// The gateway parses the form (body or URL query), then:
//
//	op, in, err := query.Decode(iamapi.Service, form)
//	out, err := op.Invoke(ctx, handler, in)
//	query.WriteResponse(w, iamapi.Service, op, out, requestID)  // or
//	query.WriteError(w, iamapi.Service, awserr.From(err), requestID)
package query

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
)

// Decode finds the operation named by the form's Action and decodes the
// other parameters into a new input. Errors are *awserr.Error: MissingAction,
// InvalidAction, ValidationError (model constraints, in AWS's wording) and
// InvalidParameterValue for values that do not parse.
func Decode(svc *api.Service, form url.Values) (*api.Operation, any, error) {
	action := form.Get("Action")
	if action == "" {
		// https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
		return nil, nil, awserr.New(http.StatusBadRequest, "MissingAction", "The request is missing an action or a required parameter.")
	}
	op := svc.Operation(action)
	version := form.Get("Version")
	if version == "" {
		version = svc.APIVersion
	}
	if op == nil || version != svc.APIVersion {
		return nil, nil, api.InvalidAction(action, version)
	}
	in := op.NewInput()
	if err := DecodeInto(form, in); err != nil {
		return op, nil, err
	}
	return op, in, nil
}

// DecodeInto decodes form parameters into in, a pointer to a structure,
// and checks the model's constraints.
func DecodeInto(form url.Values, in any) error {
	d := decoder{form: form}
	d.structure("", "", reflect.ValueOf(in).Elem())
	if d.err != nil {
		return d.err
	}
	if e := d.problems.Err(); e != nil {
		return e
	}
	return nil
}

type decoder struct {
	form     url.Values
	problems shape.Problems
	err      *awserr.Error // first value that did not parse
	keys     []string      // sorted form keys, built on first prefix lookup
}

// hasPrefix reports whether any form key starts with prefix.
func (d *decoder) hasPrefix(prefix string) bool {
	keys := d.sortedKeys()
	i := sort.SearchStrings(keys, prefix)
	return i < len(keys) && strings.HasPrefix(keys[i], prefix)
}

func (d *decoder) sortedKeys() []string {
	if d.keys == nil {
		d.keys = make([]string, 0, len(d.form))
		for k := range d.form {
			d.keys = append(d.keys, k)
		}
		sort.Strings(d.keys)
	}
	return d.keys
}

// indexes returns the distinct N of keys "prefix.N" or "prefix.N.…", sorted.
func (d *decoder) indexes(prefix string) []int {
	keys := d.sortedKeys()
	var out []int
	for i := sort.SearchStrings(keys, prefix); i < len(keys) && strings.HasPrefix(keys[i], prefix); i++ {
		rest := keys[i][len(prefix):]
		if j := strings.IndexByte(rest, '.'); j >= 0 {
			rest = rest[:j]
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 || len(out) > 0 && out[len(out)-1] == n {
			continue
		}
		out = append(out, n)
	}
	// Keys sort as text (10 before 2); items go in numeric order, once each.
	sort.Ints(out)
	return slices.Compact(out)
}

// structure decodes the members under key prefix (ending in "." unless empty);
// path is the AWS validation path of the structure.
func (d *decoder) structure(prefix, path string, sv reflect.Value) {
	st := shape.Of(sv.Type())
	for _, f := range st.Fields {
		key := prefix + f.Name
		if f.Kind == shape.KindList && f.Flattened && f.ListItem != "" {
			key = prefix + f.ListItem
		}
		mpath := shape.Path(path, f)
		if !d.member(f, key, mpath, sv) && f.Required {
			d.problems.Missing(mpath)
		}
	}
}

// member decodes member f from key; it reports whether the member was present.
func (d *decoder) member(f *shape.Field, key, path string, sv reflect.Value) bool {
	switch f.Kind {
	case shape.KindStruct:
		if !d.hasPrefix(key + ".") {
			return false
		}
		v := reflect.New(f.Elem)
		d.structure(key+".", path, v.Elem())
		sv.Field(f.Index).Set(v)
		return true
	case shape.KindList:
		v, ok := d.list(f, key, path)
		if !ok {
			return false
		}
		sv.Field(f.Index).Set(v)
		d.problems.Check(f, path, v)
		return true
	case shape.KindMap:
		v, ok := d.mapValue(f, key, path)
		if !ok {
			return false
		}
		sv.Field(f.Index).Set(v)
		d.problems.Check(f, path, v)
		return true
	}
	vals, ok := d.form[key]
	if !ok {
		return false
	}
	dst := sv.Field(f.Index)
	if f.Ptr {
		p := reflect.New(f.Elem)
		dst.Set(p)
		dst = p.Elem()
	}
	if d.scalar(f, key, vals[0], dst) {
		d.problems.Check(f, path, dst)
	}
	return true
}

// list decodes "key.member.N" (or "key.N" when flattened). "key=" alone is
// how query clients send an empty list.
func (d *decoder) list(f *shape.Field, key, path string) (reflect.Value, bool) {
	prefix := key + "."
	if !f.Flattened {
		prefix = key + "." + f.ListItem + "."
	}
	idx := d.indexes(prefix)
	if len(idx) == 0 {
		if _, ok := d.form[key]; ok {
			return reflect.MakeSlice(f.Type, 0, 0), true
		}
		return reflect.Value{}, false
	}
	out := reflect.MakeSlice(f.Type, len(idx), len(idx))
	for i, n := range idx {
		ikey := prefix + strconv.Itoa(n)
		ipath := path + "." + strconv.Itoa(i+1) + ".member"
		d.item(f.Item, ikey, ipath, out.Index(i))
	}
	return out, true
}

// item decodes one list item or map value into v (not a pointer).
func (d *decoder) item(f *shape.Field, key, path string, v reflect.Value) {
	switch f.Kind {
	case shape.KindStruct:
		d.structure(key+".", path, v)
	case shape.KindList:
		if lv, ok := d.list(f, key, path); ok {
			v.Set(lv)
		}
	case shape.KindMap:
		if mv, ok := d.mapValue(f, key, path); ok {
			v.Set(mv)
		}
	default:
		vals, ok := d.form[key]
		if !ok {
			return
		}
		if d.scalar(f, key, vals[0], v) {
			d.problems.Check(f, path, v)
		}
	}
}

// mapValue decodes "key.entry.N.key/value" (or "key.N.key/value" when flattened).
func (d *decoder) mapValue(f *shape.Field, key, path string) (reflect.Value, bool) {
	prefix := key + "."
	if !f.Flattened {
		prefix = key + ".entry."
	}
	idx := d.indexes(prefix)
	if len(idx) == 0 {
		if _, ok := d.form[key]; ok {
			return reflect.MakeMap(f.Type), true
		}
		return reflect.Value{}, false
	}
	out := reflect.MakeMapWithSize(f.Type, len(idx))
	for i, n := range idx {
		ekey := prefix + strconv.Itoa(n) + "."
		epath := path + "." + strconv.Itoa(i+1)
		kvals, ok := d.form[ekey+f.MapKey]
		if !ok {
			d.problems.Missing(epath + ".key")
			continue
		}
		k := reflect.New(f.Type.Key()).Elem()
		if !d.scalar(f.Key, ekey+f.MapKey, kvals[0], k) {
			continue
		}
		v := reflect.New(f.Type.Elem()).Elem()
		d.item(f.Item, ekey+f.MapValue, epath+".value", v)
		out.SetMapIndex(k, v)
	}
	return out, true
}

// scalar parses one form value for member f into v (settable, not a
// pointer); it reports false (and sets d.err) when the value does not parse.
func (d *decoder) scalar(f *shape.Field, key, s string, v reflect.Value) bool {
	switch f.Kind {
	case shape.KindString:
		v.SetString(s)
	case shape.KindBool:
		switch s {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			return d.bad(key, s, "a boolean (true or false)")
		}
	case shape.KindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return d.bad(key, s, "an integer")
		}
		v.SetInt(n)
	case shape.KindFloat:
		n, err := strconv.ParseFloat(strings.TrimSpace(s), v.Type().Bits())
		if err != nil {
			return d.bad(key, s, "a number")
		}
		v.SetFloat(n)
	case shape.KindTime:
		t, ok := ParseTime(s)
		if !ok {
			return d.bad(key, s, "an ISO 8601 timestamp")
		}
		v.Set(reflect.ValueOf(t))
	case shape.KindBlob:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return d.bad(key, s, "base64-encoded data")
		}
		v.SetBytes(b)
	default:
		return false
	}
	return true
}

func (d *decoder) bad(key, s, want string) bool {
	if d.err == nil {
		// https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
		d.err = awserr.Newf(http.StatusBadRequest, "InvalidParameterValue",
			"Value (%s) for parameter %s is invalid. Expected %s.", s, key, want)
	}
	return false
}

// ParseTime accepts the timestamp forms query clients send: ISO 8601 with or
// without fractional seconds and zone, or epoch seconds.
func ParseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs >= 0 && secs < 1e11 {
		sec := int64(secs)
		return time.Unix(sec, int64((secs-float64(sec))*1e9)).UTC(), true
	}
	return time.Time{}, false
}
