package restxml

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// s3Server routes and decodes every path-style request with the codec and
// answers with reply's output.
func s3Server(t *testing.T, reply func(op *api.Operation, in any) (any, error)) *httptest.Server {
	t.Helper()
	router := NewRouter(s3api.Service)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
		labels, _ := Labels("/{Bucket}/{Key+}", "/"+bucket+"/"+key)
		if key == "" {
			labels, _ = Labels("/{Bucket}", "/"+bucket)
		}
		op, err := router.Route(r.Method, labels["Bucket"], labels["Key"], r.URL.Query(), r.Header)
		var in, out any
		if err == nil {
			in, err = Decode(op, r, labels)
		}
		if err == nil {
			out, err = reply(op, in)
		}
		if err != nil {
			WriteError(w, r.Method, awserr.From(err), "req-1", "host-1")
			return
		}
		if err := WriteResponse(w, r.Method, op, out); err != nil {
			t.Errorf("WriteResponse: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func s3Client(url string) *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
		// Checksums only when required: aws-chunked bodies are the SigV4
		// layer's to unwrap, before the codec sees the request.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(url)
		o.UsePathStyle = true
	})
}

func TestSDKS3Objects(t *testing.T) {
	modified := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var put struct {
		in   *s3api.PutObjectInput
		body string
	}
	srv := s3Server(t, func(op *api.Operation, in any) (any, error) {
		switch in := in.(type) {
		case *s3api.PutObjectInput:
			b, err := io.ReadAll(in.Body)
			if err != nil {
				return nil, err
			}
			put.in, put.body = in, string(b)
			return &s3api.PutObjectOutput{ETag: api.String(`"abc"`), VersionId: api.String("v1")}, nil
		case *s3api.GetObjectInput:
			if in.Key == "missing" {
				return nil, awserr.New(404, "NoSuchKey", "The specified key does not exist.").With("Key", in.Key)
			}
			return &s3api.GetObjectOutput{
				Body: io.NopCloser(strings.NewReader("hello, world")), ContentLength: api.Int64(12), ContentType: api.String("text/plain"),
				ETag: api.String(`"abc"`), LastModified: api.Time(modified), Metadata: map[string]string{"color": "blue"},
				TagCount: api.Int32(2),
			}, nil
		case *s3api.HeadObjectInput:
			return nil, awserr.New(404, "NotFound", "Not Found")
		}
		return nil, NotImplemented()
	})
	c := s3Client(srv.URL)
	ctx := context.Background()

	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("b"), Key: aws.String("dir/a b+c.txt"), Body: strings.NewReader("payload bytes"),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"Color": "blue", "shape": "round"},
		Tagging: aws.String("a=b"), StorageClass: s3types.StorageClassStandardIa,
	})
	if err != nil {
		t.Fatal(err)
	}
	in := put.in
	checks := []struct {
		name      string
		got, want any
	}{
		{"Bucket", in.Bucket, "b"},
		{"Key", in.Key, "dir/a b+c.txt"},
		{"Body", put.body, "payload bytes"},
		{"ContentType", api.ToString(in.ContentType), "text/plain"},
		{"ContentLength", api.ToInt64(in.ContentLength), int64(13)},
		{"Metadata", in.Metadata, map[string]string{"color": "blue", "shape": "round"}},
		{"Tagging", api.ToString(in.Tagging), "a=b"},
		{"StorageClass", api.Deref(in.StorageClass), s3api.StorageClassSTANDARDIA},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("decoded %s = %#v, want %#v", c.name, c.got, c.want)
		}
	}

	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "hello, world" || aws.ToInt64(got.ContentLength) != 12 || aws.ToString(got.ContentType) != "text/plain" ||
		aws.ToString(got.ETag) != `"abc"` || !aws.ToTime(got.LastModified).Equal(modified) || got.Metadata["color"] != "blue" || aws.ToInt32(got.TagCount) != 2 {
		t.Errorf("GetObject = %+v body %q", got, body)
	}

	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("missing")})
	var nsk *s3types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("GetObject missing: %v, want NoSuchKey", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
	var nf *s3types.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("HeadObject: %v, want NotFound", err)
	}
}

func TestSDKS3Buckets(t *testing.T) {
	modified := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	decoded := map[string]any{}
	srv := s3Server(t, func(op *api.Operation, in any) (any, error) {
		decoded[op.Name] = in
		switch op.Name {
		case "CreateBucket":
			return &s3api.CreateBucketOutput{Location: api.String("/b")}, nil
		case "ListObjectsV2":
			return &s3api.ListObjectsV2Output{
				Name: api.String("b"), Prefix: api.String("p/"), KeyCount: api.Int32(2), MaxKeys: api.Int32(1000), IsTruncated: api.Bool(false),
				Contents: []s3api.Object{
					{Key: api.String("p/a"), Size: api.Int64(1), ETag: api.String(`"e1"`), LastModified: api.Time(modified), StorageClass: api.Ptr(s3api.ObjectStorageClassSTANDARD)},
					{Key: api.String("p/b & c"), Size: api.Int64(2), LastModified: api.Time(modified)},
				},
				CommonPrefixes: []s3api.CommonPrefix{{Prefix: api.String("p/d/")}},
			}, nil
		case "GetBucketLocation":
			return &s3api.GetBucketLocationOutput{LocationConstraint: api.Ptr(s3api.BucketLocationConstraintEuWest1)}, nil
		case "PutBucketTagging", "DeleteBucket":
			return nil, nil
		case "GetBucketPolicy":
			return &s3api.GetBucketPolicyOutput{Policy: api.String(`{"Version":"2012-10-17"}`)}, nil
		case "ListBuckets":
			return &s3api.ListBucketsOutput{Owner: &s3api.Owner{ID: api.String("owner")}, Buckets: []s3api.Bucket{{Name: api.String("b"), CreationDate: api.Time(modified)}}}, nil
		case "CopyObject":
			return &s3api.CopyObjectOutput{CopyObjectResult: &s3api.CopyObjectResult{ETag: api.String(`"e"`), LastModified: api.Time(modified)}}, nil
		}
		return nil, NotImplemented()
	})
	c := s3Client(srv.URL)
	ctx := context.Background()

	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	cb := decoded["CreateBucket"].(*s3api.CreateBucketInput)
	if cb.Bucket != "b" || cb.CreateBucketConfiguration == nil || api.Deref(cb.CreateBucketConfiguration.LocationConstraint) != "eu-west-1" {
		t.Errorf("CreateBucket decoded %+v", cb)
	}

	lo, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("b"), Prefix: aws.String("p/"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if li := decoded["ListObjectsV2"].(*s3api.ListObjectsV2Input); api.ToString(li.Prefix) != "p/" || api.ToString(li.Delimiter) != "/" {
		t.Errorf("ListObjectsV2 decoded %+v", li)
	}
	if aws.ToString(lo.Name) != "b" || aws.ToInt32(lo.KeyCount) != 2 || len(lo.Contents) != 2 || aws.ToString(lo.Contents[1].Key) != "p/b & c" ||
		aws.ToInt64(lo.Contents[0].Size) != 1 || lo.Contents[0].StorageClass != s3types.ObjectStorageClassStandard ||
		!aws.ToTime(lo.Contents[0].LastModified).Equal(modified) || len(lo.CommonPrefixes) != 1 || aws.ToString(lo.CommonPrefixes[0].Prefix) != "p/d/" {
		t.Errorf("ListObjectsV2 = %+v", lo)
	}

	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("b")})
	if err != nil {
		t.Fatal(err)
	}
	if loc.LocationConstraint != s3types.BucketLocationConstraintEuWest1 {
		t.Errorf("GetBucketLocation = %q", loc.LocationConstraint)
	}

	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("b"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("k1"), Value: aws.String("v1")}, {Key: aws.String("k2"), Value: aws.String("")}}}}); err != nil {
		t.Fatal(err)
	}
	pt := decoded["PutBucketTagging"].(*s3api.PutBucketTaggingInput)
	if pt.Tagging == nil || !reflect.DeepEqual(pt.Tagging.TagSet, []s3api.Tag{{Key: "k1", Value: "v1"}, {Key: "k2", Value: ""}}) {
		t.Errorf("PutBucketTagging decoded %+v", pt.Tagging)
	}

	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("b")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(pol.Policy) != `{"Version":"2012-10-17"}` {
		t.Errorf("GetBucketPolicy = %q", aws.ToString(pol.Policy))
	}

	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "b" || aws.ToString(lb.Owner.ID) != "owner" {
		t.Errorf("ListBuckets = %+v", lb)
	}

	co, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("b"), Key: aws.String("dst"), CopySource: aws.String("src/k")})
	if err != nil {
		t.Fatal(err)
	}
	if ci := decoded["CopyObject"].(*s3api.CopyObjectInput); ci.CopySource == nil || *ci.CopySource != "src/k" || ci.Key != "dst" {
		t.Errorf("CopyObject decoded %+v", ci)
	}
	if co.CopyObjectResult == nil || aws.ToString(co.CopyObjectResult.ETag) != `"e"` {
		t.Errorf("CopyObject = %+v", co.CopyObjectResult)
	}

	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b")}); err != nil {
		t.Fatal(err)
	}

	_, err = c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("b")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NotImplemented" {
		t.Errorf("GetBucketAcl: %v, want NotImplemented", err)
	}
}
