package query

import (
	"bytes"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/protocol/vectors"
)

// clientOnly names the vectors that test what only a client does.
var clientOnly = map[string]string{
	"Idempotency token auto fill": "clients fill idempotency tokens; servers receive them as plain members",
	"Endpoint host trait":         "host prefixes are chosen by clients",
}

func TestInputVectors(t *testing.T) {
	for _, s := range vectors.Load(t, "input", "query") {
		for i, c := range s.Cases {
			t.Run(s.Description+"/"+string(rune('0'+i)), func(t *testing.T) {
				if why, ok := clientOnly[s.Description]; ok {
					t.Skip(why)
				}
				svc, op := vectors.Service(s, c, "query")
				form, err := url.ParseQuery(c.Serialized.Body)
				if err != nil {
					t.Fatal(err)
				}
				gotOp, in, err := Decode(svc, form)
				if err != nil {
					t.Fatalf("Decode(%s): %v", c.Serialized.Body, err)
				}
				if gotOp != op {
					t.Fatalf("op = %v", gotOp.Name)
				}
				want, err := vectors.Value(reflect.TypeOf(in).Elem(), c.Params)
				if err != nil {
					t.Fatal(err)
				}
				got := reflect.ValueOf(in)
				vectors.Normalize(got)
				if !reflect.DeepEqual(got.Interface(), want.Interface()) {
					t.Errorf("body %s\ngot  %+v\nwant %+v", c.Serialized.Body, got.Elem().Interface(), want.Elem().Interface())
				}
			})
		}
	}
}

func TestOutputVectors(t *testing.T) {
	for _, s := range vectors.Load(t, "output", "query") {
		for i, c := range s.Cases {
			t.Run(s.Description+"/"+string(rune('0'+i)), func(t *testing.T) {
				svc, op := vectors.Service(s, c, "query")
				out := op.NewOutput()
				v, err := vectors.Value(reflect.TypeOf(out).Elem(), c.Result)
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				AppendResponse(&b, svc, op, v.Interface(), requestIDOf(c.Response.Body))
				got, err := vectors.ParseXML(b.String())
				if err != nil {
					t.Fatalf("our body does not parse: %v\n%s", err, b.String())
				}
				want, err := vectors.ParseXML(c.Response.Body)
				if err != nil {
					t.Fatal(err)
				}
				// Some vectors show members straight under <OpResponse> and no
				// ResponseMetadata: clients accept both, doppel always sends the
				// <OpResult> and <ResponseMetadata> envelope (TestAppendResponse).
				got, want = members(got, op.Name), members(want, op.Name)
				if got.String() != want.String() {
					t.Errorf("got  %s\nwant %s", got, want)
				}
			})
		}
	}
}

// requestIDOf returns the vector's request ID so bodies compare whole.
func requestIDOf(body string) string {
	_, after, ok := strings.Cut(body, "<RequestId>")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(after, "</RequestId>")
	return id
}

// members returns the response's members: the children of <OpResult>, or of
// the root when there is no result element, without the request metadata.
func members(n *vectors.Node, op string) *vectors.Node {
	out := &vectors.Node{Name: n.Name}
	for _, c := range n.Children {
		switch c.Name {
		case op + "Result":
			out.Children = append(out.Children, c.Children...)
		case "ResponseMetadata", "RequestId":
		default:
			out.Children = append(out.Children, c)
		}
	}
	return out
}
