package jsonrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/protocol/vectors"
)

// clientOnly names the vectors that test what only a client does.
var clientOnly = map[string]string{
	"Idempotency token auto fill":         "clients fill idempotency tokens; servers receive them as plain members",
	"Endpoint host trait static prefix":   "host prefixes are chosen by clients",
	"unmodeled non-json response payload": "clients tolerate bodies that are not JSON; a server always sends JSON",
}

func TestInputVectors(t *testing.T) {
	for _, s := range vectors.Load(t, "input", "json") {
		for i, c := range s.Cases {
			t.Run(fmt.Sprintf("%s/%d", s.Description, i), func(t *testing.T) {
				if why, ok := clientOnly[s.Description]; ok {
					t.Skip(why)
				}
				svc, op := vectors.Service(s, c, "json")
				target, ok := c.Serialized.Headers["X-Amz-Target"]
				if !ok {
					target = s.Metadata.TargetPrefix + "." + op.Name
				}
				gotOp, in, err := Decode(svc, target, strings.NewReader(c.Serialized.Body))
				if err != nil {
					t.Fatalf("Decode(%s, %s): %v", target, c.Serialized.Body, err)
				}
				if gotOp != op {
					t.Fatalf("op = %s", gotOp.Name)
				}
				got := reflect.ValueOf(in)
				vectors.Normalize(got)
				want, err := vectors.Value(got.Type().Elem(), c.Params)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Interface(), want.Interface()) {
					t.Errorf("body %s\ngot  %+v\nwant %+v", c.Serialized.Body, got.Elem().Interface(), want.Elem().Interface())
				}
			})
		}
	}
}

func TestOutputVectors(t *testing.T) {
	for _, s := range vectors.Load(t, "output", "json") {
		for i, c := range s.Cases {
			t.Run(fmt.Sprintf("%s/%d", s.Description, i), func(t *testing.T) {
				if why, ok := clientOnly[s.Description]; ok {
					t.Skip(why)
				}
				if s.Description == "Lists" && strings.Contains(c.Response.Body, "null") {
					t.Skip("sparse lists: clients keep null items, which doppel's value-typed lists never send")
				}
				_, op := vectors.Service(s, c, "json")
				out := op.NewOutput()
				v, err := vectors.Value(reflect.TypeOf(out).Elem(), c.Result)
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				AppendOutput(&b, v.Interface())
				var got, want any
				if err := json.Unmarshal(b.Bytes(), &got); err != nil {
					t.Fatalf("our body is not JSON: %v\n%s", err, b.String())
				}
				if err := json.Unmarshal([]byte(c.Response.Body), &want); err != nil {
					t.Fatal(err)
				}
				// Members the vector's body carries but its shapes do not model
				// are dropped by clients ("Ignores extra data"); compare what is modelled.
				if s.Description == "Ignores extra data" {
					want = map[string]any{}
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got  %s\nwant %s", b.String(), c.Response.Body)
				}
			})
		}
	}
}
