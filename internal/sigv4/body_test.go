package sigv4

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// TestReadLimited holds readLimited to what it replaces,
// io.ReadAll(io.LimitReader(r, limit+1)).
func TestReadLimited(t *testing.T) {
	const limit = 100
	errBoom := errors.New("boom")
	data := strings.Repeat("abcdefghij", 30) // 300 bytes
	for _, tc := range []struct {
		name     string
		r        func() io.Reader
		declared int64
	}{
		{"empty", func() io.Reader { return strings.NewReader("") }, 0},
		{"small, declared", func() io.Reader { return strings.NewReader(data[:10]) }, 10},
		{"small, undeclared", func() io.Reader { return strings.NewReader(data[:10]) }, -1},
		{"declared too short", func() io.Reader { return strings.NewReader(data[:50]) }, 5},
		{"declared too long", func() io.Reader { return strings.NewReader(data[:50]) }, 99},
		{"exactly the limit", func() io.Reader { return strings.NewReader(data[:limit]) }, limit},
		{"one over the limit", func() io.Reader { return strings.NewReader(data[:limit+1]) }, limit + 1},
		{"far over, declared small", func() io.Reader { return strings.NewReader(data) }, 10},
		{"far over, undeclared", func() io.Reader { return strings.NewReader(data) }, -1},
		{"one byte at a time", func() io.Reader { return iotest.OneByteReader(strings.NewReader(data[:70])) }, 70},
		{"data with EOF", func() io.Reader { return iotest.DataErrReader(strings.NewReader(data[:30])) }, 30},
		{"error midway", func() io.Reader {
			return io.MultiReader(strings.NewReader(data[:20]), iotest.ErrReader(errBoom))
		}, 40},
		{"error past the limit", func() io.Reader {
			return io.MultiReader(strings.NewReader(data), iotest.ErrReader(errBoom))
		}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, gerr := readLimited(tc.r(), limit, tc.declared)
			want, werr := io.ReadAll(io.LimitReader(tc.r(), limit+1))
			if !bytes.Equal(got, want) || !errors.Is(gerr, werr) && gerr != werr {
				t.Errorf("got %d bytes, %v; io.ReadAll gives %d bytes, %v", len(got), gerr, len(want), werr)
			}
		})
	}
}

// TestHashedBodyLimit: a non-S3 body is read whole to hash it, up to
// MaxHashedBody; one byte more is refused before any signature is checked.
func TestHashedBodyLimit(t *testing.T) {
	const limit = 64
	for _, tc := range []struct {
		name string
		size int
		code string
	}{
		{"under the limit", limit - 1, ""},
		{"at the limit", limit, ""},
		{"over the limit", limit + 1, "RequestEntityTooLarge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := "Action=GetCallerIdentity&Version=2011-06-15&X=" + strings.Repeat("x", tc.size-len("Action=GetCallerIdentity&Version=2011-06-15&X="))
			r := signed(t, "sts", "POST", "http://localhost:4566/", body, testNow, longTerm,
				map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			v := testVerifier()
			v.MaxHashedBody = limit
			_, err := v.Verify(r, "sts")
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := io.ReadAll(r.Body); string(got) != body {
					t.Errorf("body handed back as %q", got)
				}
				return
			}
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Code != tc.code || ae.Status != 413 {
				t.Errorf("got %v, want %s (413)", err, tc.code)
			}
		})
	}
}
