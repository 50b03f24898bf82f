package console

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
)

func bucketURL(bucket, prefix string) string {
	u := Prefix + "/s3/" + url.PathEscape(bucket)
	if prefix != "" {
		u += "?prefix=" + url.QueryEscape(prefix)
	}
	return u
}

func (h *Handler) bucketsList(w http.ResponseWriter, r *http.Request, s *session) {
	v := view{Title: "Buckets", Section: "s3"}
	out, err := call(h, r, s, "s3", "ListBuckets", h.cfg.S3.ListBuckets, &s3api.ListBucketsInput{})
	if err != nil {
		v.Denied = errNotice(err)
	} else {
		v.Data = out.Buckets
	}
	h.render(w, s, "buckets", v)
}

func (h *Handler) bucketCreate(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("bucket"))
	if _, err := call(h, r, s, "s3", "CreateBucket", h.cfg.S3.CreateBucket, &s3api.CreateBucketInput{Bucket: name}); err != nil {
		h.failed(w, r, s, Prefix+"/s3", err)
		return
	}
	h.done(w, r, s, bucketURL(name, ""), &notice{Kind: "success", Title: "Bucket " + name + " created."})
}

type crumb struct{ Name, Prefix string }

type bucketPageData struct {
	Bucket  string
	Prefix  string
	Crumbs  []crumb
	Folders []string // full prefixes
	Objects []s3api.Object
	More    bool
	Denied  map[string]*notice
	Policy  string
	PAB     s3api.PublicAccessBlockConfiguration
	PABSet  bool
}

func (h *Handler) bucketPage(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	prefix := r.URL.Query().Get("prefix")
	v := view{Title: bucket, Section: "s3"}
	in := &s3api.ListObjectsV2Input{Bucket: bucket, Delimiter: api.String("/"), MaxKeys: api.Int32(1000)}
	if prefix != "" {
		in.Prefix = api.String(prefix)
	}
	out, err := call(h, r, s, "s3", "ListObjectsV2", h.cfg.S3.ListObjectsV2, in)
	if err != nil {
		v.Denied = errNotice(err)
		h.render(w, s, "bucket", v)
		return
	}
	d := &bucketPageData{Bucket: bucket, Prefix: prefix, Objects: out.Contents, More: api.ToBool(out.IsTruncated), Denied: map[string]*notice{}}
	for _, p := range out.CommonPrefixes {
		d.Folders = append(d.Folders, api.ToString(p.Prefix))
	}
	acc := ""
	for _, part := range strings.SplitAfter(prefix, "/") {
		if part == "" {
			continue
		}
		acc += part
		d.Crumbs = append(d.Crumbs, crumb{Name: strings.TrimSuffix(part, "/"), Prefix: acc})
	}
	pol, err := call(h, r, s, "s3", "GetBucketPolicy", h.cfg.S3.GetBucketPolicy, &s3api.GetBucketPolicyInput{Bucket: bucket})
	switch {
	case err == nil:
		d.Policy = prettyJSON(api.ToString(pol.Policy))
	case awserr.From(err).Code != "NoSuchBucketPolicy":
		d.Denied["policy"] = errNotice(err)
	}
	pab, err := call(h, r, s, "s3", "GetPublicAccessBlock", h.cfg.S3.GetPublicAccessBlock, &s3api.GetPublicAccessBlockInput{Bucket: bucket})
	switch {
	case err == nil && pab.PublicAccessBlockConfiguration != nil:
		d.PAB, d.PABSet = *pab.PublicAccessBlockConfiguration, true
	case err != nil && awserr.From(err).Code != "NoSuchPublicAccessBlockConfiguration":
		d.Denied["pab"] = errNotice(err)
	}
	v.Data = d
	h.render(w, s, "bucket", v)
}

// objectUpload puts each uploaded file under the current prefix.
func (h *Handler) objectUpload(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	prefix := r.FormValue("prefix")
	back := bucketURL(bucket, prefix)
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		h.done(w, r, s, back, &notice{Kind: "error", Title: "No file", Text: "Choose a file to upload."})
		return
	}
	var names []string
	for _, fh := range r.MultipartForm.File["file"] {
		f, err := fh.Open()
		if err != nil {
			h.failed(w, r, s, back, awserr.Internal(err))
			return
		}
		key := prefix + path.Base(strings.ReplaceAll(fh.Filename, "\\", "/"))
		in := &s3api.PutObjectInput{Bucket: bucket, Key: key, Body: f, ContentLength: api.Int64(fh.Size)}
		if ct := fh.Header.Get("Content-Type"); ct != "" {
			in.ContentType = api.String(ct)
		}
		_, err = call(h, r, s, "s3", "PutObject", h.cfg.S3.PutObject, in)
		f.Close()
		if err != nil {
			h.failed(w, r, s, back, err)
			return
		}
		names = append(names, key)
	}
	h.done(w, r, s, back, &notice{Kind: "success", Title: "Upload succeeded", Text: strings.Join(names, ", ")})
}

func (h *Handler) objectDownload(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	key := r.URL.Query().Get("key")
	out, err := call(h, r, s, "s3", "GetObject", h.cfg.S3.GetObject, &s3api.GetObjectInput{Bucket: bucket, Key: key})
	if err != nil {
		v := view{Title: key, Section: "s3", Denied: errNotice(err)}
		h.render(w, s, "bucket", v)
		return
	}
	defer out.Body.Close()
	// The object's own Content-Type could make the browser render it as a
	// page of this origin: always download.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(key)}))
	if out.ContentLength != nil {
		w.Header().Set("Content-Length", strconv.FormatInt(*out.ContentLength, 10))
	}
	io.Copy(w, out.Body)
}

func (h *Handler) objectDelete(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	key := r.PostFormValue("key")
	back := bucketURL(bucket, r.PostFormValue("prefix"))
	if _, err := call(h, r, s, "s3", "DeleteObject", h.cfg.S3.DeleteObject, &s3api.DeleteObjectInput{Bucket: bucket, Key: key}); err != nil {
		h.failed(w, r, s, back, err)
		return
	}
	h.done(w, r, s, back, &notice{Kind: "success", Title: "Deleted " + key})
}

// bucketPolicyPut saves the bucket policy; an empty document deletes it.
func (h *Handler) bucketPolicyPut(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	back := bucketURL(bucket, "") + "#policy"
	doc := strings.TrimSpace(r.PostFormValue("policy"))
	var err error
	if doc == "" {
		_, err = call(h, r, s, "s3", "DeleteBucketPolicy", h.cfg.S3.DeleteBucketPolicy, &s3api.DeleteBucketPolicyInput{Bucket: bucket})
	} else {
		_, err = call(h, r, s, "s3", "PutBucketPolicy", h.cfg.S3.PutBucketPolicy, &s3api.PutBucketPolicyInput{Bucket: bucket, Policy: doc})
	}
	if err != nil {
		h.failed(w, r, s, back, err)
		return
	}
	h.done(w, r, s, back, &notice{Kind: "success", Title: "Bucket policy saved."})
}

func (h *Handler) bucketPABPut(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	back := bucketURL(bucket, "") + "#permissions"
	on := func(k string) *bool { return api.Bool(r.PostFormValue(k) == "on") }
	_, err := call(h, r, s, "s3", "PutPublicAccessBlock", h.cfg.S3.PutPublicAccessBlock, &s3api.PutPublicAccessBlockInput{
		Bucket: bucket,
		PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{
			BlockPublicAcls: on("block_public_acls"), IgnorePublicAcls: on("ignore_public_acls"),
			BlockPublicPolicy: on("block_public_policy"), RestrictPublicBuckets: on("restrict_public_buckets"),
		},
	})
	if err != nil {
		h.failed(w, r, s, back, err)
		return
	}
	h.done(w, r, s, back, &notice{Kind: "success", Title: "Block Public Access settings saved."})
}
