package restxml

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/protocol/shape"
	"github.com/doppel-aws/doppel/internal/protocol/vectors"
)

// clientOnly names the vectors that test what only a client does.
var clientOnly = map[string]string{
	"Idempotency token auto fill": "clients fill idempotency tokens; servers receive them as plain members",
	"Endpoint host trait":         "host prefixes are chosen by clients",
	"Header whitespace":           "clients trim whitespace around header names and values; the untrimmed params cannot be recovered from the request",
}

func TestInputVectors(t *testing.T) {
	for _, s := range vectors.Load(t, "input", "rest-xml") {
		for i, c := range s.Cases {
			t.Run(fmt.Sprintf("%s/%d", s.Description, i), func(t *testing.T) {
				if why, ok := clientOnly[s.Description]; ok {
					t.Skip(why)
				}
				_, op := vectors.Service(s, c, "rest-xml")
				method := c.Serialized.Method
				if method == "" {
					method = op.Method
				}
				r := httptest.NewRequest(method, "http://example.com"+c.Serialized.URI, strings.NewReader(c.Serialized.Body))
				for k, v := range c.Serialized.Headers {
					r.Header.Set(k, v)
				}
				labels, ok := Labels(op.RequestURI, r.URL.EscapedPath())
				if !ok {
					t.Fatalf("path %s does not fit %s", r.URL.EscapedPath(), op.RequestURI)
				}
				in, err := Decode(op, r, labels)
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				got := reflect.ValueOf(in)
				readStreams(t, got.Elem())
				vectors.Normalize(got)
				want, err := vectors.Value(got.Type().Elem(), c.Params)
				if err != nil {
					t.Fatal(err)
				}
				readStreams(t, want.Elem())
				if !reflect.DeepEqual(got.Interface(), want.Interface()) {
					t.Errorf("request %s %s %v %q\ngot  %+v\nwant %+v", method, c.Serialized.URI, c.Serialized.Headers, c.Serialized.Body, got.Elem().Interface(), want.Elem().Interface())
				}
			})
		}
	}
}

// readStreams replaces streaming members with their content, so values compare.
func readStreams(t *testing.T, sv reflect.Value) {
	for _, f := range shape.Of(sv.Type()).Fields {
		if f.Kind != shape.KindStream {
			continue
		}
		fv := sv.Field(f.Index)
		if fv.IsNil() {
			continue
		}
		b, err := io.ReadAll(fv.Interface().(io.Reader))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			fv.Set(reflect.Zero(fv.Type()))
			continue
		}
		fv.Set(reflect.ValueOf(io.NopCloser(strings.NewReader(string(b)))))
		fv.Set(reflect.ValueOf(streamText(b)))
	}
}

// streamText stands in for a read stream so DeepEqual compares content.
type streamText string

func (s streamText) Read([]byte) (int, error) { return 0, io.EOF }
func (s streamText) Close() error             { return nil }

func TestOutputVectors(t *testing.T) {
	for _, s := range vectors.Load(t, "output", "rest-xml") {
		for i, c := range s.Cases {
			t.Run(fmt.Sprintf("%s/%d", s.Description, i), func(t *testing.T) {
				_, op := vectors.Service(s, c, "rest-xml")
				out := op.NewOutput()
				v, err := vectors.Value(reflect.TypeOf(out).Elem(), c.Result)
				if err != nil {
					t.Fatal(err)
				}
				rec := httptest.NewRecorder()
				if err := WriteResponse(rec, http.MethodGet, op, v.Interface()); err != nil {
					t.Fatal(err)
				}
				if want := c.Response.StatusCode; want != 0 && rec.Code != want {
					t.Errorf("status %d, want %d", rec.Code, want)
				}
				for k, want := range c.Response.Headers {
					if got := rec.Header().Get(k); got != want {
						t.Errorf("header %s = %q, want %q", k, got, want)
					}
				}
				body := rec.Body.String()
				if !strings.HasPrefix(strings.TrimSpace(c.Response.Body), "<") {
					if body != c.Response.Body {
						t.Errorf("body %q, want %q", body, c.Response.Body)
					}
					return
				}
				got, err := vectors.ParseXML(body)
				if err != nil {
					t.Fatalf("our body does not parse: %v\n%s", err, body)
				}
				want, err := vectors.ParseXML(c.Response.Body)
				if err != nil {
					t.Fatal(err)
				}
				// The vectors' root names are arbitrary (clients ignore them), and
				// some put a RequestId in the body, which S3 sends in headers.
				got.Name, want.Name = "", ""
				want.Children = withoutRequestID(want.Children)
				if got.String() != want.String() {
					t.Errorf("got  %s\nwant %s", got, want)
				}
			})
		}
	}
}

func withoutRequestID(nodes []*vectors.Node) []*vectors.Node {
	var out []*vectors.Node
	for _, n := range nodes {
		if n.Name != "RequestId" {
			out = append(out, n)
		}
	}
	return out
}
