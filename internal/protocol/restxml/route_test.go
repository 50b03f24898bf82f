package restxml

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
)

func TestRoute(t *testing.T) {
	router := NewRouter(s3api.Service)
	tests := []struct {
		name, method, bucket, key, query string
		header                           map[string]string
		want                             string
	}{
		{"list buckets", "GET", "", "", "", nil, "ListBuckets"},
		{"create bucket", "PUT", "b", "", "", nil, "CreateBucket"},
		{"head bucket", "HEAD", "b", "", "", nil, "HeadBucket"},
		{"delete bucket", "DELETE", "b", "", "", nil, "DeleteBucket"},
		{"list objects v1", "GET", "b", "", "prefix=a", nil, "ListObjects"},
		{"list objects v2", "GET", "b", "", "list-type=2&prefix=a", nil, "ListObjectsV2"},
		{"list-type other than 2 is v1", "GET", "b", "", "list-type=1", nil, "ListObjects"},
		{"list object versions", "GET", "b", "", "versions", nil, "ListObjectVersions"},
		{"bucket tagging", "PUT", "b", "", "tagging", nil, "PutBucketTagging"},
		{"bucket policy", "GET", "b", "", "policy", nil, "GetBucketPolicy"},
		{"bucket location", "GET", "b", "", "location", nil, "GetBucketLocation"},
		{"lifecycle prefers the non-deprecated operation", "GET", "b", "", "lifecycle", nil, "GetBucketLifecycleConfiguration"},
		{"notification prefers the non-deprecated operation", "PUT", "b", "", "notification", nil, "PutBucketNotificationConfiguration"},
		{"analytics with id is Get", "GET", "b", "", "analytics&id=x", nil, "GetBucketAnalyticsConfiguration"},
		{"analytics without id is List", "GET", "b", "", "analytics", nil, "ListBucketAnalyticsConfigurations"},
		{"delete objects", "POST", "b", "", "delete", nil, "DeleteObjects"},
		{"list multipart uploads", "GET", "b", "", "uploads", nil, "ListMultipartUploads"},
		{"get object", "GET", "b", "k", "", nil, "GetObject"},
		{"get object version", "GET", "b", "a/b/c", "versionId=1", nil, "GetObject"},
		{"head object", "HEAD", "b", "k", "", nil, "HeadObject"},
		{"put object", "PUT", "b", "k", "", nil, "PutObject"},
		{"copy object", "PUT", "b", "k", "", map[string]string{"x-amz-copy-source": "/src/k"}, "CopyObject"},
		{"upload part", "PUT", "b", "k", "partNumber=1&uploadId=u", nil, "UploadPart"},
		{"upload part copy", "PUT", "b", "k", "partNumber=1&uploadId=u", map[string]string{"x-amz-copy-source": "/src/k"}, "UploadPartCopy"},
		{"create multipart upload", "POST", "b", "k", "uploads", nil, "CreateMultipartUpload"},
		{"complete multipart upload", "POST", "b", "k", "uploadId=u", nil, "CompleteMultipartUpload"},
		{"abort multipart upload", "DELETE", "b", "k", "uploadId=u", nil, "AbortMultipartUpload"},
		{"delete object", "DELETE", "b", "k", "", nil, "DeleteObject"},
		{"list parts", "GET", "b", "k", "uploadId=u", nil, "ListParts"},
		{"object tagging", "GET", "b", "k", "tagging", nil, "GetObjectTagging"},
		{"object acl", "PUT", "b", "k", "acl", nil, "PutObjectAcl"},
		{"unknown query parameters are ignored", "GET", "b", "k", "x-id=GetObject&foo", nil, "GetObject"},
		{"select", "POST", "b", "k", "select&select-type=2", nil, "SelectObjectContent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			op, err := router.Route(tc.method, tc.bucket, tc.key, q, h)
			if err != nil {
				t.Fatalf("Route: %v", err)
			}
			if op.Name != tc.want {
				t.Errorf("got %s, want %s", op.Name, tc.want)
			}
		})
	}
}

func TestRouteErrors(t *testing.T) {
	router := NewRouter(s3api.Service)
	tests := []struct {
		name, method, bucket, key, query string
		code                             string
		status                           int
		fields                           []awserr.Field
	}{
		{"delete service", "DELETE", "", "", "", "MethodNotAllowed", 405, []awserr.Field{{Name: "Method", Value: "DELETE"}, {Name: "ResourceType", Value: "SERVICE"}}},
		{"patch object", "PATCH", "b", "k", "", "MethodNotAllowed", 405, []awserr.Field{{Name: "Method", Value: "PATCH"}, {Name: "ResourceType", Value: "OBJECT"}}},
		{"post bucket without subresource", "POST", "b", "", "", "NotImplemented", 501, nil},
		{"post object without subresource", "POST", "b", "k", "", "NotImplemented", 501, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			_, err := router.Route(tc.method, tc.bucket, tc.key, q, http.Header{})
			e, ok := err.(*awserr.Error)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			if e.Code != tc.code || e.Status != tc.status || len(e.Fields) != len(tc.fields) {
				t.Fatalf("got %d %s %v", e.Status, e.Code, e.Fields)
			}
			for i, f := range tc.fields {
				if e.Fields[i] != f {
					t.Errorf("field %d = %v, want %v", i, e.Fields[i], f)
				}
			}
		})
	}
}

func TestLabels(t *testing.T) {
	tests := []struct {
		name, uri, path string
		want            map[string]string
		ok              bool
	}{
		{"bucket", "/{Bucket}", "/b", map[string]string{"Bucket": "b"}, true},
		{"greedy key keeps slashes", "/{Bucket}/{Key+}", "/b/a/b//c", map[string]string{"Bucket": "b", "Key": "a/b//c"}, true},
		{"escaped", "/{Bucket}/{Key+}", "/b/a%20b%2Fc%3F", map[string]string{"Bucket": "b", "Key": "a b/c?"}, true},
		{"literal", "/2014-01-01/jobs/{Id}", "/2014-01-01/jobs/x", map[string]string{"Id": "x"}, true},
		{"literal mismatch", "/2014-01-01/jobs/{Id}", "/2015/jobs/x", nil, false},
		{"bad escape", "/{Bucket}/{Key+}", "/b/%zz", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Labels(tc.uri, tc.path)
			if ok != tc.ok {
				t.Fatalf("ok = %v", ok)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
