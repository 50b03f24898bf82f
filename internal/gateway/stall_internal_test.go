package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/sigv4"
)

// slowSTS takes longer than the body idle timeout after the body was read,
// as CompleteMultipartUpload of a large object does, and fails if its
// context ended meanwhile.
type slowSTS struct {
	stsapi.Unimplemented
	d time.Duration
}

func (s slowSTS) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	select {
	case <-time.After(s.d):
		return &stsapi.GetCallerIdentityOutput{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// The body's idle deadline ends with the body: an operation that works
// longer than the deadline after reading all of it is not cut off.
func TestBodyDeadlineEndsWithTheBody(t *testing.T) {
	const idle = 200 * time.Millisecond
	g := New(Config{
		Backends: []Backend{{Service: stsapi.Service, Handler: slowSTS{d: 4 * idle}}},
		Resolve: func(_ context.Context, akid, _ string) (*identity.Principal, string, error) {
			if akid != testKey {
				return nil, "", sigv4.ErrUnknownAccessKey
			}
			return &identity.Principal{Kind: identity.Root, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root"}, testSecret, nil
		},
		Logger:          slog.New(slog.DiscardHandler),
		BodyIdleTimeout: idle,
	})
	srv := httptest.NewServer(g)
	defer srv.Close()
	req := signedSTS(t, srv.URL+"/", "Action=GetCallerIdentity&Version=2011-06-15")
	req.RequestURI = ""
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "GetCallerIdentityResult") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// A read after the body's end (io.ReadAll then another Read, as some
// decoders do) does not set the deadline again: the handler's context lives
// on past it.
func TestReadAfterEOFKeepsTheContext(t *testing.T) {
	const idle = 200 * time.Millisecond
	g := &Gateway{cfg: Config{BodyIdleTimeout: idle}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.watchBody(w, r)
		io.ReadAll(r.Body)
		r.Body.Read(make([]byte, 1))
		select {
		case <-time.After(4 * idle):
			io.WriteString(w, "alive")
		case <-r.Context().Done():
			io.WriteString(w, "cancelled")
		}
	}))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "alive" {
		t.Fatalf("handler says %q", b)
	}
}
