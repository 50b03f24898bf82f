package xmlbody

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
	"github.com/doppel-aws/doppel/internal/protocol/vectors"
)

// TestRoundTripS3 encodes every S3 input and output body, filled with
// sample values, and decodes it back: the encoder and decoder must agree on
// every element name, wrapper, attribute and namespace the model gives.
func TestRoundTripS3(t *testing.T) {
	for _, op := range s3api.Service.Operations {
		if op.Deprecated {
			// The deprecated notification shapes give two members one element
			// name (Event and Events), which no decoder can tell apart.
			continue
		}
		for _, v := range []any{op.NewInput(), op.NewOutput()} {
			typ := reflect.TypeOf(v).Elem()
			st := shape.Of(typ)
			// The XML document is the payload structure, or the members themselves.
			var doc reflect.Value
			switch p := st.Payload; {
			case p != nil && p.Kind == shape.KindStruct:
				doc = reflect.New(p.Elem)
			case p == nil && st.XMLText == nil && hasBodyMembers(st):
				doc = reflect.New(typ)
			default:
				continue
			}
			t.Run(op.Name+"/"+typ.Name(), func(t *testing.T) {
				vectors.Populate(doc.Elem(), 8, true)
				var b bytes.Buffer
				Element(&b, "Root", "http://s3.amazonaws.com/doc/2006-03-01/", "", doc.Elem(), api.TimeMillis)
				got := reflect.New(doc.Elem().Type())
				if err := Decode(bytes.NewReader(b.Bytes()), got.Interface()); err != nil {
					t.Fatalf("Decode: %v\n%s", err, b.String())
				}
				if !reflect.DeepEqual(got.Interface(), doc.Interface()) {
					t.Errorf("round trip differs\nbody %s\ngot  %+v\nwant %+v", b.String(), got.Elem().Interface(), doc.Elem().Interface())
				}
			})
		}
	}
}

func hasBodyMembers(st *shape.Struct) bool {
	for _, f := range st.Fields {
		if f.Location == "" && f.Kind != shape.KindStream {
			return true
		}
	}
	return false
}
