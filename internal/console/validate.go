package console

import (
	"reflect"
	"strconv"

	"github.com/doppel-aws/doppel/internal/protocol/shape"
)

// checkInput applies the service model's constraints (required, length,
// pattern) to an operation's input, as the gateway's decoder does for an API
// call, so the console's answers to bad input are the API's: "1 validation
// error detected: Value 'a b' at 'roleName' failed to satisfy constraint:
// ...". Top-level members and list items of structures are checked, which
// covers every input the console builds.
func checkInput(in any) error {
	var p shape.Problems
	checkStruct(&p, "", reflect.ValueOf(in))
	if err := p.Err(); err != nil {
		return err
	}
	return nil
}

func checkStruct(p *shape.Problems, parent string, v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	plan := shape.Of(v.Type())
	for _, f := range plan.Fields {
		fv := v.Field(f.Index)
		path := shape.Path(parent, f)
		if f.Ptr || fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map || fv.Kind() == reflect.Interface {
			if fv.IsNil() {
				if f.Required {
					p.Missing(path)
				}
				continue
			}
		}
		if f.Kind == shape.KindStream {
			continue
		}
		if fv.Kind() == reflect.Pointer {
			fv = fv.Elem()
		}
		p.Check(f, path, fv)
		switch f.Kind {
		case shape.KindStruct:
			checkStruct(p, path, fv)
		case shape.KindList:
			for i := 0; i < fv.Len(); i++ {
				checkStruct(p, path+"."+strconv.Itoa(i+1)+".member", fv.Index(i))
			}
		}
	}
}
