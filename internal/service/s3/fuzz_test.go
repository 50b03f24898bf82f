package s3

import (
	"encoding/base64"
	"testing"
	"time"
)

// The parsers of client input must answer an S3 error or a value, never
// panic, whatever they are given.

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-1", "bytes=-5", "bytes=7-", "bytes=9-2", "bytes=--", "bytes=0-1,2-3", "", "bytes=99999999999999999999-"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		r, err := parseRange(h, size)
		if err == nil && r != nil && (r.start < 0 || r.length <= 0 || r.start+r.length > size) {
			t.Errorf("parseRange(%q, %d) = %+v", h, size, r)
		}
	})
}

func FuzzParseCopySource(f *testing.F) {
	for _, s := range []string{"/b/k", "b/k?versionId=x", "b", "%zz/k", "/b/k%2Fx?versionId=", "?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, k, _, err := parseCopySource(s)
		if err == nil && (b == "" || k == "") {
			t.Errorf("parseCopySource(%q) = %q, %q without error", s, b, k)
		}
	})
}

func FuzzParseTaggingHeader(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "a", "=", "%zz=1", "a=1&a=2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tags, err := parseTaggingHeader(s)
		if err == nil && len(tags) > 10 {
			t.Errorf("parseTaggingHeader(%q) accepted %d tags", s, len(tags))
		}
	})
}

func FuzzBucketPolicy(f *testing.F) {
	for _, s := range []string{
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
		`{"Statement":{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`,
		`{"Statement":[{"Principal":"x"}]}`, `{`, `[]`, `{"Statement":null}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := parseBucketPolicy("b", doc)
		if err != nil && code(err) != "MalformedPolicy" {
			t.Errorf("parseBucketPolicy error %v is not MalformedPolicy", err)
		}
		if err == nil {
			policyIsPublic(p)
		}
	})
}

func FuzzPostPolicy(f *testing.F) {
	for _, s := range []string{`{"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"bucket":"b"},["starts-with","$key",""],["content-length-range",1,10]]}`,
		`{"conditions":[]}`, `{"expiration":"x"}`, `[]`, `{"expiration":"2030-01-01T00:00:00Z","conditions":[[1,2,3],{"a":1},{}]}`} {
		f.Add(base64.StdEncoding.EncodeToString([]byte(s)), "key", "v")
	}
	f.Fuzz(func(t *testing.T, b64, field, value string) {
		p, err := parsePostPolicy(b64)
		if err != nil {
			return
		}
		_ = p.check(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), map[string]string{field: value, "key": value})
	})
}
