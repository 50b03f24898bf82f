package s3

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// etagMatches reports whether an If-Match / If-None-Match header value (a
// "*" or a comma-separated list of entity tags, quoted or not) matches etag.
func etagMatches(header, etag string) bool {
	want := strings.Trim(etag, `"`)
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == "*" || strings.Trim(t, `"`) == want {
			return true
		}
	}
	return false
}

// readConditions are the conditional headers of GetObject and HeadObject.
type readConditions struct {
	ifMatch, ifNoneMatch               *string
	ifModifiedSince, ifUnmodifiedSince *time.Time
}

// check evaluates the conditions against v as S3 does (S3 API Reference,
// GetObject, "Conditional requests"): If-Match that holds makes a failing
// If-Unmodified-Since irrelevant (200); If-None-Match that fails with an
// If-Modified-Since that holds still answers 304. Times compare to the
// second, as HTTP dates carry no more.
func (c readConditions) check(v *version) error {
	mod := v.LastModified.Truncate(time.Second)
	if c.ifMatch != nil {
		if !etagMatches(*c.ifMatch, v.ETag) {
			return errPreconditionFailed("If-Match")
		}
	} else if c.ifUnmodifiedSince != nil && mod.After(*c.ifUnmodifiedSince) {
		return errPreconditionFailed("If-Unmodified-Since")
	}
	if c.ifNoneMatch != nil {
		if etagMatches(*c.ifNoneMatch, v.ETag) {
			return errNotModified(v)
		}
	} else if c.ifModifiedSince != nil && !mod.After(*c.ifModifiedSince) {
		return errNotModified(v)
	}
	return nil
}

// copySourceConditions are CopyObject's and UploadPartCopy's
// x-amz-copy-source-if-* headers; a failure of any is 412 (S3 API
// Reference, CopyObject).
func copySourceConditions(v *version, ifMatch, ifNoneMatch *string, ifModifiedSince, ifUnmodifiedSince *time.Time) error {
	mod := v.LastModified.Truncate(time.Second)
	if ifMatch != nil {
		if !etagMatches(*ifMatch, v.ETag) {
			return errPreconditionFailed("x-amz-copy-source-If-Match")
		}
	} else if ifUnmodifiedSince != nil && mod.After(*ifUnmodifiedSince) {
		return errPreconditionFailed("x-amz-copy-source-If-Unmodified-Since")
	}
	if ifNoneMatch != nil {
		if etagMatches(*ifNoneMatch, v.ETag) {
			return errPreconditionFailed("x-amz-copy-source-If-None-Match")
		}
	} else if ifModifiedSince != nil && !mod.After(*ifModifiedSince) {
		return errPreconditionFailed("x-amz-copy-source-If-Modified-Since")
	}
	return nil
}

// writeConditions are the If-Match / If-None-Match headers of PutObject and
// CompleteMultipartUpload (S3 User Guide, "Add preconditions to S3
// operations with conditional requests").
type writeConditions struct {
	ifMatch, ifNoneMatch string
}

func (c writeConditions) any() bool { return c.ifMatch != "" || c.ifNoneMatch != "" }

// validate refuses what S3 refuses before looking at the object: on
// writes, If-None-Match only takes "*".
func (c writeConditions) validate() error {
	if c.ifNoneMatch != "" && strings.TrimSpace(c.ifNoneMatch) != "*" {
		return awserr.New(http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented").With("Header", "If-None-Match")
	}
	return nil
}

// check evaluates the conditions against the key's current version (nil or
// a delete marker when the key has no object): If-None-Match: * fails when
// an object exists; If-Match on a missing object is NoSuchKey.
func (c writeConditions) check(key string, cur *version) error {
	exists := cur != nil && !cur.DeleteMarker
	if c.ifNoneMatch != "" && exists {
		return errPreconditionFailed("If-None-Match")
	}
	if c.ifMatch != "" {
		if !exists {
			return errNoSuchKey(key)
		}
		if !etagMatches(c.ifMatch, cur.ETag) {
			return errPreconditionFailed("If-Match")
		}
	}
	return nil
}

// recheck evaluates the conditions again at commit time, after the body
// was stored. A write that lost a race to another write answers 412 like
// any failed precondition; an If-Match write whose object was deleted
// meanwhile answers 409 ConditionalRequestConflict (S3 User Guide,
// "Conditional writes": "If a delete request succeeds before a conditional
// write completes, S3 returns 409").
func (c writeConditions) recheck(key string, cur *version) error {
	err := c.check(key, cur)
	if err != nil && c.ifMatch != "" && (cur == nil || cur.DeleteMarker) {
		return errConditionalRequestConflict()
	}
	return err
}

// optionalString reads a *string (or string enum) member by name from an
// s3api value when the generated type has it: the checksum members, which
// differ from one shape to another, and members the pinned model still
// lacks (TransitionDefaultMinimumObjectSize).
func optionalString(in any, field string) string {
	v := reflect.ValueOf(in)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	f := v.FieldByName(field)
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.String {
		return ""
	}
	return f.Elem().String()
}

// setOptionalString sets a *string member by name when the type has it.
func setOptionalString(out any, field, value string) {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	f := v.Elem().FieldByName(field)
	if !f.IsValid() || !f.CanSet() || f.Kind() != reflect.Pointer || f.Type().Elem().Kind() != reflect.String {
		return
	}
	p := reflect.New(f.Type().Elem())
	p.Elem().SetString(value)
	f.Set(p)
}

// byteRange is a resolved Range header.
type byteRange struct {
	start, length int64
}

func (r byteRange) contentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.start, 10) + "-" + strconv.FormatInt(r.start+r.length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// parseRange resolves a Range header against an object of size bytes. S3
// serves one range; a header it cannot parse (or several ranges) is
// ignored and the whole object is sent, as HTTP allows (RFC 9110, 14.2).
// A well-formed range that starts past the end is 416 InvalidRange.
func parseRange(header string, size int64) (*byteRange, error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return nil, errInvalidRange(header, size)
		}
		if n > size {
			n = size
		}
		return &byteRange{size - n, n}, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return nil, nil
	}
	end := size - 1
	if last != "" {
		end, err = strconv.ParseInt(last, 10, 64)
		if err != nil || end < start {
			return nil, nil
		}
		if end > size-1 {
			end = size - 1
		}
	}
	if start >= size {
		return nil, errInvalidRange(header, size)
	}
	return &byteRange{start, end - start + 1}, nil
}
