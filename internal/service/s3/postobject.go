package s3

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
)

// POST Object: browser-based uploads with an HTML form (S3 API Reference,
// "PostObject"; S3 User Guide, "Browser-based uploads using POST" and
// "Creating a POST policy"). The gateway reads the form fields before the
// file, checks the SigV4 signature over the policy and hands over the
// rest; this file applies the policy (expiration, every condition, every
// field covered) and stores the object as PutObject does, authorized the
// same way.

// postExempt are the fields a policy need not mention (S3 User Guide,
// "Creating a POST policy": the signature and policy themselves, the file,
// and x-ignore- fields).
func postExempt(name string) bool {
	switch name {
	case "policy", "x-amz-signature", "file", "awsaccesskeyid", "signature":
		return true
	}
	return strings.HasPrefix(name, "x-ignore-")
}

func errPolicy(msg string) error {
	return awserr.New(http.StatusForbidden, "AccessDenied", "Invalid according to Policy: "+msg)
}

func errInvalidPolicyDocument(msg string) error {
	return awserr.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: "+msg)
}

// postPolicy is a decoded POST policy document.
type postPolicy struct {
	expiration time.Time
	conditions []postCondition
	minSize    int64
	maxSize    int64 // -1: no content-length-range
}

type postCondition struct {
	op, field, value string // op: eq or starts-with; field without "$", lower case
}

func (c postCondition) String() string {
	return fmt.Sprintf(`[%q, "$%s", %q]`, c.op, c.field, c.value)
}

func parsePostPolicy(b64 string) (*postPolicy, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errInvalidPolicyDocument("Invalid JSON.")
	}
	var doc struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, errInvalidPolicyDocument("Invalid JSON.")
	}
	if doc.Expiration == nil {
		return nil, errInvalidPolicyDocument("Policy missing expiration.")
	}
	exp, err := time.Parse(time.RFC3339Nano, *doc.Expiration)
	if err != nil {
		return nil, errInvalidPolicyDocument("Invalid 'expiration' value: '" + *doc.Expiration + "'")
	}
	p := &postPolicy{expiration: exp, maxSize: -1}
	for _, c := range doc.Conditions {
		var obj map[string]any
		if json.Unmarshal(c, &obj) == nil {
			if len(obj) != 1 {
				return nil, errInvalidPolicyDocument("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
			}
			for k, v := range obj {
				s, ok := v.(string)
				if !ok {
					return nil, errInvalidPolicyDocument("Invalid Simple-Condition: value must be a string.")
				}
				p.conditions = append(p.conditions, postCondition{"eq", strings.ToLower(k), s})
			}
			continue
		}
		var arr []any
		if err := json.Unmarshal(c, &arr); err != nil || len(arr) != 3 {
			return nil, errInvalidPolicyDocument("Invalid JSON.")
		}
		op, _ := arr[0].(string)
		switch strings.ToLower(op) {
		case "content-length-range":
			lo, ok1 := arr[1].(float64)
			hi, ok2 := arr[2].(float64)
			if !ok1 || !ok2 || lo < 0 || hi < lo {
				return nil, errInvalidPolicyDocument("Invalid content-length-range condition.")
			}
			p.minSize, p.maxSize = int64(lo), int64(hi)
		case "eq", "starts-with":
			f, ok1 := arr[1].(string)
			v, ok2 := arr[2].(string)
			if !ok1 || !ok2 || !strings.HasPrefix(f, "$") {
				return nil, errInvalidPolicyDocument("Invalid Condition: " + string(c))
			}
			p.conditions = append(p.conditions, postCondition{strings.ToLower(op), strings.ToLower(f[1:]), v})
		default:
			return nil, errInvalidPolicyDocument("Invalid Condition: unknown operation '" + op + "'.")
		}
	}
	return p, nil
}

// check applies the policy to the form: not expired, every condition
// holds, every field is covered by a condition.
func (p *postPolicy) check(now time.Time, fields map[string]string) error {
	if !now.Before(p.expiration) {
		return errPolicy("Policy expired.")
	}
	covered := map[string]bool{}
	for _, c := range p.conditions {
		covered[c.field] = true
		v := fields[c.field]
		ok := false
		switch c.op {
		case "eq":
			ok = v == c.value
		case "starts-with":
			// content-type may list several values, each starting so.
			ok = strings.HasPrefix(v, c.value)
			if c.field == "content-type" && strings.Contains(v, ",") {
				ok = true
				for _, part := range strings.Split(v, ",") {
					ok = ok && strings.HasPrefix(strings.TrimSpace(part), c.value)
				}
			}
		}
		if !ok {
			return errPolicy("Policy Condition failed: " + c.String())
		}
	}
	for name := range fields {
		if name != "bucket" && !postExempt(name) && !covered[name] {
			return errPolicy("Extra input fields: " + name)
		}
	}
	return nil
}

// sizeRange enforces content-length-range while the file streams in.
type sizeRange struct {
	r        io.Reader
	n        int64
	min, max int64
}

func (s *sizeRange) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	s.n += int64(n)
	if s.max >= 0 && s.n > s.max {
		return n, errEntityTooLarge(s.n, s.max)
	}
	if err == io.EOF && s.n < s.min {
		return n, awserr.New(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size").
			With("ProposedSize", itoa(s.n)).With("MinSizeAllowed", itoa(s.min))
	}
	return n, err
}

// PostObject stores a browser-based upload into bucket. fields are the
// form fields before the file, names in lower case; policy is required
// unless the caller is anonymous (a bucket policy may still let anonymous
// uploads in). objectURL gives the object's URL for Location.
func (s *Service) PostObject(ctx context.Context, bucket string, fields map[string]string, filename string, file io.Reader, objectURL func(key string) string) (status int, h http.Header, body []byte, err error) {
	r, err := s.postObject(ctx, bucket, fields, filename, file, objectURL)
	if err != nil {
		return 0, nil, nil, err
	}
	return r.status, r.header, r.body, nil
}

type postResult struct {
	status int
	header http.Header
	body   []byte
}

func (s *Service) postObject(ctx context.Context, bucket string, fields map[string]string, filename string, file io.Reader, objectURL func(key string) string) (*postResult, error) {
	if _, err := s.loadBucket(ctx, bucket); err != nil {
		return nil, err
	}
	key, ok := fields["key"]
	if !ok {
		return nil, awserr.New(http.StatusBadRequest, "InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.").
			With("ArgumentName", "key").With("ArgumentValue", "")
	}
	// ${filename} is replaced by the name of the file the user chose.
	// Browsers send the file's own name; some send a Windows path.
	base := ""
	if filename != "" {
		base = path.Base(strings.ReplaceAll(filename, `\`, "/"))
	}
	key = strings.ReplaceAll(key, "${filename}", base)
	if key == "" {
		return nil, awserr.New(http.StatusBadRequest, "InvalidArgument", "User key must have a length greater than 0.").With("ArgumentName", "key").With("ArgumentValue", "")
	}
	checked := map[string]string{"bucket": bucket}
	for k, v := range fields {
		checked[k] = v
	}
	checked["key"] = key
	body := &sizeRange{r: file, max: -1}
	if pol, ok := fields["policy"]; ok {
		p, err := parsePostPolicy(pol)
		if err != nil {
			return nil, err
		}
		if err := p.check(s.clock(ctx), checked); err != nil {
			return nil, err
		}
		body.min, body.max = p.minSize, p.maxSize
	} else if caller(ctx).Kind != identity.Anonymous {
		return nil, awserr.New(http.StatusBadRequest, "InvalidArgument", "Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields.").With("ArgumentName", "policy").With("ArgumentValue", "")
	}
	in, err := postPutInput(bucket, key, fields, body)
	if err != nil {
		return nil, err
	}
	out, err := s.PutObject(ctx, in)
	if err != nil {
		return nil, err
	}
	etag := api.ToString(out.ETag)
	loc := objectURL(key)
	h := http.Header{"Etag": {etag}, "Location": {loc}}
	if out.VersionId != nil {
		h.Set("X-Amz-Version-Id", *out.VersionId)
	}
	if out.ServerSideEncryption != nil {
		h.Set("X-Amz-Server-Side-Encryption", string(*out.ServerSideEncryption))
	}
	// success_action_redirect (or the older redirect) sends the browser on
	// with bucket, key and etag in the query; otherwise
	// success_action_status picks 200, 201 (with a PostResponse document)
	// or the default 204.
	redirect := fields["success_action_redirect"]
	if redirect == "" {
		redirect = fields["redirect"]
	}
	if u, err := url.Parse(redirect); redirect != "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		q := u.Query()
		q.Set("bucket", bucket)
		q.Set("key", key)
		q.Set("etag", etag)
		u.RawQuery = q.Encode()
		h.Set("Location", u.String())
		return &postResult{status: http.StatusSeeOther, header: h}, nil
	}
	switch fields["success_action_status"] {
	case "200":
		return &postResult{status: http.StatusOK, header: h}, nil
	case "201":
		doc, _ := xml.Marshal(struct {
			XMLName  xml.Name `xml:"PostResponse"`
			Location string
			Bucket   string
			Key      string
			ETag     string
		}{Location: loc, Bucket: bucket, Key: key, ETag: etag})
		h.Set("Content-Type", "application/xml")
		return &postResult{status: http.StatusCreated, header: h, body: append([]byte(xml.Header), doc...)}, nil
	}
	return &postResult{status: http.StatusNoContent, header: h}, nil
}

// postPutInput is the PutObject a form stands for: its header-like fields
// (Content-Type, Cache-Control, x-amz-meta-*, ...) as PutObject headers.
func postPutInput(bucket, key string, f map[string]string, body io.Reader) (*s3api.PutObjectInput, error) {
	opt := func(name string) *string {
		if v, ok := f[name]; ok {
			return &v
		}
		return nil
	}
	in := &s3api.PutObjectInput{Bucket: bucket, Key: key, Body: body,
		ContentType: opt("content-type"), CacheControl: opt("cache-control"), ContentDisposition: opt("content-disposition"),
		ContentEncoding: opt("content-encoding"), WebsiteRedirectLocation: opt("x-amz-website-redirect-location"),
		SSEKMSKeyId: opt("x-amz-server-side-encryption-aws-kms-key-id")}
	if in.ContentType == nil {
		in.ContentType = api.String("binary/octet-stream")
	}
	if v, ok := f["expires"]; ok {
		t, err := http.ParseTime(v)
		if err != nil {
			return nil, errInvalidArgument("Invalid Expires header", "expires", v)
		}
		in.Expires = &t
	}
	if v, ok := f["x-amz-server-side-encryption"]; ok {
		sse := s3api.ServerSideEncryption(v)
		in.ServerSideEncryption = &sse
	}
	if v, ok := f["x-amz-storage-class"]; ok {
		sc := s3api.StorageClass(v)
		in.StorageClass = &sc
	}
	// Checksums: the object's checksum as form fields, verified as
	// PutObject verifies its x-amz-checksum-* headers.
	if v, ok := f["x-amz-checksum-algorithm"]; ok {
		alg := s3api.ChecksumAlgorithm(strings.ToUpper(v))
		in.ChecksumAlgorithm = &alg
	}
	in.ChecksumCRC32, in.ChecksumCRC32C = opt("x-amz-checksum-crc32"), opt("x-amz-checksum-crc32c")
	in.ChecksumSHA1, in.ChecksumSHA256 = opt("x-amz-checksum-sha1"), opt("x-amz-checksum-sha256")
	if v, ok := f["x-amz-checksum-crc64nvme"]; ok {
		setOptionalString(in, "ChecksumCRC64NVME", v)
	}
	if v, ok := f["acl"]; ok {
		acl := s3api.ObjectCannedACL(v)
		in.ACL = &acl
	}
	for k, v := range f {
		if name, ok := strings.CutPrefix(k, "x-amz-meta-"); ok {
			if in.Metadata == nil {
				in.Metadata = map[string]string{}
			}
			in.Metadata[name] = v
		}
	}
	// The tagging field is a Tagging document; PutObject takes tags as a
	// query string.
	if v, ok := f["tagging"]; ok {
		var t struct {
			Tags []struct{ Key, Value string } `xml:"TagSet>Tag"`
		}
		if err := xml.Unmarshal([]byte(v), &t); err != nil {
			return nil, errMalformedXML()
		}
		q := url.Values{}
		for _, tg := range t.Tags {
			q.Add(tg.Key, tg.Value)
		}
		s := q.Encode()
		in.Tagging = &s
	}
	return in, nil
}
