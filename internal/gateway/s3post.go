package gateway

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/sigv4"
)

// s3Post is the S3 backend's POST Object: a browser-based upload.
type s3Post interface {
	PostObject(ctx context.Context, bucket string, fields map[string]string, filename string, file io.Reader, objectURL func(key string) string) (int, http.Header, []byte, error)
}

// maxPostFields caps the form fields before the file (S3 API Reference,
// PostObject: MaxPostPreDataLengthExceeded past 20 KB).
const maxPostFields = 20 << 10

// isPostObject reports whether r is a form upload to a bucket.
func isPostObject(r *http.Request, bucket, key string) bool {
	if r.Method != http.MethodPost || bucket == "" || key != "" || r.URL.RawQuery != "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// serveS3Post answers POST Object. The form's fields before the file carry
// the signature (x-amz-credential, x-amz-date, x-amz-signature over the
// policy), so authentication happens here rather than from headers; the
// file streams to the service, which applies the policy and stores the
// object as PutObject does.
func (g *Gateway) serveS3Post(c *call, r *http.Request, post s3Post, bucket string) {
	c.info.Operation = "PostObject"
	fields, filename, file, err := readPostForm(r)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	if _, v2 := fields["awsaccesskeyid"]; v2 {
		g.writeError(c, awserr.New(http.StatusBadRequest, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."))
		return
	}
	_, hasSig := fields["x-amz-signature"]
	_, hasCred := fields["x-amz-credential"]
	if _, hasPolicy := fields["policy"]; hasPolicy || hasSig || hasCred {
		f := sigv4.PostForm{Policy: fields["policy"], Algorithm: fields["x-amz-algorithm"], Credential: fields["x-amz-credential"],
			Date: fields["x-amz-date"], Signature: fields["x-amz-signature"], Token: fields["x-amz-security-token"]}
		if err := g.verifier.VerifyPost(r.Context(), f, g.lookup(c), &c.sig); err != nil {
			g.writeError(c, asAWS(err))
			return
		}
		c.info.Region = c.sig.Region
		if c.signer != nil {
			c.info.Principal = c.signer
		}
	}
	if c.info.Region == "" {
		c.info.Region = "us-east-1"
	}
	ctx := request.With(r.Context(), &c.info)
	if g.cfg.Admit != nil {
		if err := g.cfg.Admit(ctx, &c.info); err != nil {
			g.writeError(c, asAWS(err))
			return
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	objectURL := func(key string) string {
		p := "/" + url.PathEscape(bucket) + "/"
		if virtualHostBucket(r.Host, g.cfg.Hostnames) != "" {
			p = "/"
		}
		return scheme + "://" + r.Host + p + strings.ReplaceAll(url.PathEscape(key), "%2F", "/")
	}
	status, h, body, err := post.PostObject(ctx, bucket, fields, filename, file, objectURL)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	out := c.w.Header()
	for k, v := range h {
		out[k] = v
	}
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// readPostForm reads the form fields up to the file, names in lower case
// (S3 matches them without regard to case), and returns the file's part,
// positioned at its content. Fields after the file are ignored, as S3
// ignores them.
func readPostForm(r *http.Request) (map[string]string, string, io.Reader, error) {
	malformed := awserr.New(http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", nil, malformed
	}
	fields := map[string]string{}
	total := 0
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", nil, awserr.New(http.StatusBadRequest, "InvalidArgument", "POST requires exactly one file upload per request.").
				With("ArgumentName", "file").With("ArgumentValue", "0")
		}
		if err != nil {
			return nil, "", nil, malformed
		}
		name := strings.ToLower(p.FormName())
		if name == "file" {
			return fields, p.FileName(), p, nil
		}
		v, err := io.ReadAll(io.LimitReader(p, int64(maxPostFields-total+1)))
		if err != nil {
			return nil, "", nil, malformed
		}
		total += len(name) + len(v)
		if total > maxPostFields {
			return nil, "", nil, awserr.New(http.StatusBadRequest, "MaxPostPreDataLengthExceeded", "Your POST request fields preceeding the upload file was too large.")
		}
		if _, dup := fields[name]; !dup {
			fields[name] = string(v)
		}
	}
}
