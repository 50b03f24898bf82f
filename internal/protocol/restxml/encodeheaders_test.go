package restxml

import (
	"math/rand/v2"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
	"github.com/doppel-aws/doppel/internal/protocol/xmlbody"
)

func TestAppendHTTPDate(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	tests := []struct {
		name string
		t    time.Time
	}{
		{"epoch", time.Unix(0, 0)},
		{"with nanoseconds", time.Unix(1700000000, 999999999)},
		{"other zone is converted to UTC", time.Date(2024, 1, 1, 3, 0, 0, 0, tokyo)},
		{"leap day", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
		{"year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"year 10000 falls back to time.Format", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"negative year falls back to time.Format", time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"zero time", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(appendHTTPDate(nil, tc.t))
			if want := xmlbody.FormatTime(tc.t, "", "rfc822"); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		tm := time.Unix(rng.Int64N(253402300800), rng.Int64N(1e9))
		if got, want := string(appendHTTPDate(nil, tm)), tm.UTC().Format(http.TimeFormat); got != want {
			t.Fatalf("%v: got %q, want %q", tm, got, want)
		}
	}
}

// TestAppendHeaderText checks every kind a header member can have against
// the formatting the codecs share (xmlbody.FormatTime for dates).
func TestAppendHeaderText(t *testing.T) {
	type out struct {
		S    *string    `location:"header" locationName:"s"`
		B    *bool      `location:"header" locationName:"b"`
		I    *int64     `location:"header" locationName:"i"`
		F    *float64   `location:"header" locationName:"f"`
		T    *time.Time `location:"header" locationName:"t"`
		TISO *time.Time `location:"header" locationName:"tiso" timestampFormat:"iso8601"`
		TU   *time.Time `location:"header" locationName:"tu" timestampFormat:"unixTimestamp"`
		Blob []byte     `location:"header" locationName:"blob"`
		L    []string   `location:"header" locationName:"l"`
		Nil  *string    `location:"header" locationName:"nil"`
		V    time.Time  `location:"header" locationName:"v"`
	}
	tm := time.Date(2024, 1, 2, 3, 4, 5, 500000000, time.UTC)
	o := &out{S: api.String("a b"), B: api.Bool(true), I: api.Int64(-42), F: api.Ptr(1.5), T: &tm, TISO: &tm, TU: &tm,
		Blob: []byte("hi"), L: []string{"x", "y", "z"}, V: tm}
	want := map[string]string{"s": "a b", "b": "true", "i": "-42", "f": "1.5", "t": "Tue, 02 Jan 2024 03:04:05 GMT",
		"tiso": "2024-01-02T03:04:05.5Z", "tu": "1704164645.5", "blob": "aGk=", "l": "x,y,z", "v": "Tue, 02 Jan 2024 03:04:05 GMT"}
	sv := reflect.ValueOf(o).Elem()
	st := shape.Of(sv.Type())
	for _, f := range st.Fields {
		t.Run(f.Name, func(t *testing.T) {
			got, ok := appendHeaderText([]byte("prefix:"), f, sv.Field(f.Index))
			w, present := want[f.Name]
			if ok != present {
				t.Fatalf("ok = %v, want %v", ok, present)
			}
			if present && string(got) != "prefix:"+w {
				t.Errorf("got %q, want %q", got, "prefix:"+w)
			}
		})
	}
}

// TestWriteResponseHeaders checks the header map WriteResponse leaves: one
// value per header under its canonical key, the status a statusWhenSet
// member selects, user metadata under x-amz-meta-.
func TestWriteResponseHeaders(t *testing.T) {
	lm := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		op     string
		method string
		out    any
		status int
		want   http.Header
	}{
		{"head object", "HeadObject", "HEAD", &s3api.HeadObjectOutput{AcceptRanges: api.String("bytes"), LastModified: &lm, ContentLength: api.Int64(1024),
			ETag: api.String(`"e"`), ContentType: api.String("text/plain"), ServerSideEncryption: api.Ptr(s3api.ServerSideEncryptionAES256),
			Metadata: map[string]string{"color": "blue"}, PartsCount: api.Int32(3), BucketKeyEnabled: api.Bool(false),
			SSECustomerKeyMD5: api.String("md5")}, 200,
			http.Header{"Accept-Ranges": {"bytes"}, "Last-Modified": {"Tue, 02 Jan 2024 03:04:05 GMT"}, "Content-Length": {"1024"}, "Etag": {`"e"`},
				"Content-Type": {"text/plain"}, "X-Amz-Server-Side-Encryption": {"AES256"}, "x-amz-meta-color": {"blue"}, "X-Amz-Mp-Parts-Count": {"3"},
				"X-Amz-Server-Side-Encryption-Bucket-Key-Enabled": {"false"}, "X-Amz-Server-Side-Encryption-Customer-Key-Md5": {"md5"}}},
		{"ranged get object is 206", "GetObject", "HEAD", &s3api.GetObjectOutput{ContentRange: api.String("bytes 0-0/2"), ContentLength: api.Int64(1)}, 206,
			http.Header{"Content-Range": {"bytes 0-0/2"}, "Content-Length": {"1"}}},
		{"empty output", "PutObject", "PUT", &s3api.PutObjectOutput{}, 200, http.Header{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &recorder{h: http.Header{}}
			if err := WriteResponse(w, tc.method, s3api.Service.Operation(tc.op), tc.out); err != nil {
				t.Fatal(err)
			}
			if w.status != tc.status {
				t.Errorf("status %d, want %d", w.status, tc.status)
			}
			if !reflect.DeepEqual(w.h, tc.want) {
				t.Errorf("headers\n got %v\nwant %v", w.h, tc.want)
			}
			for k, v := range w.h {
				if cap(v) != 1 {
					t.Errorf("%s: cap %d: an append by a later handler would write into another header's value", k, cap(v))
				}
			}
		})
	}
}

type recorder struct {
	h      http.Header
	status int
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(p []byte) (int, error) { return len(p), nil }
func (r *recorder) WriteHeader(s int)           { r.status = s }
