package s3_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3controltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/doppel-aws/doppel/doppeltest"
)

// S3 Control as Terraform's AWS provider 6.x uses it for every
// aws_s3_bucket (internal/service/s3/tags.go since 6.23): tags on
// CreateBucket, then ListTagsForResource, TagResource and UntagResource on
// the bucket's ARN with x-amz-account-id, falling back to the bucket
// tagging API only when S3 Control answers MethodNotAllowed or "is not
// authorized to perform: s3:ListTagsForResource".

// controlClient is the SDK's S3 Control client as the provider builds it
// with AWS_ENDPOINT_URL set: it sends each request to ACCOUNT.HOST, which
// reaches doppel through doppel itself as the HTTP proxy (the README's
// set-up; HTTP_PROXY in the environment does the same for Terraform).
func controlClient(t *testing.T, srv *doppeltest.Server, cfg aws.Config) *s3control.Client {
	t.Helper()
	proxy, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	return s3control.NewFromConfig(cfg)
}

func tagMap(tags []s3controltypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func bucketTagMap(t *testing.T, c *s3.Client, bucket string) map[string]string {
	t.Helper()
	out, err := c.GetBucketTagging(context.Background(), &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	if errCode(err) == "NoSuchTagSet" {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, tg := range out.TagSet {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

func sameTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestS3ControlBucketTagLifeCycle(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	a := client(srv, "account-a")
	ctl := controlClient(t, srv, srv.AWSConfig("account-a"))
	const bucket = "tf-tagged"
	arn := "arn:aws:s3:::" + bucket
	acct := aws.String(srv.Account("account-a").ID)

	// Create with tags, as 6.x does.
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{
		Tags: []s3types.Tag{{Key: aws.String("Name"), Value: aws.String("state")}, {Key: aws.String("env"), Value: aws.String("dev")}},
	}}); err != nil {
		t.Fatal(err)
	}
	list := func() map[string]string {
		t.Helper()
		out, err := ctl.ListTagsForResource(ctx, &s3control.ListTagsForResourceInput{AccountId: acct, ResourceArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("ListTagsForResource: %v", err)
		}
		return tagMap(out.Tags)
	}
	want := map[string]string{"Name": "state", "env": "dev"}
	if got := list(); !sameTags(got, want) {
		t.Errorf("tags after CreateBucket = %v, want %v", got, want)
	}
	// Update: UntagResource for removed keys, TagResource for changed ones.
	if _, err := ctl.UntagResource(ctx, &s3control.UntagResourceInput{AccountId: acct, ResourceArn: aws.String(arn), TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	if _, err := ctl.TagResource(ctx, &s3control.TagResourceInput{AccountId: acct, ResourceArn: aws.String(arn), Tags: []s3controltypes.Tag{
		{Key: aws.String("Name"), Value: aws.String("renamed")}, {Key: aws.String("team"), Value: aws.String("platform")},
	}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	want = map[string]string{"Name": "renamed", "team": "platform"}
	if got := list(); !sameTags(got, want) {
		t.Errorf("tags after update = %v, want %v", got, want)
	}
	// One tag set: the bucket tagging API sees it and changes it.
	if got := bucketTagMap(t, a, bucket); !sameTags(got, want) {
		t.Errorf("GetBucketTagging = %v, want %v", got, want)
	}
	if _, err := a.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(bucket), Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("only"), Value: aws.String("one")}}}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); !sameTags(got, map[string]string{"only": "one"}) {
		t.Errorf("ListTagsForResource after PutBucketTagging = %v", got)
	}
	// Removing every tag leaves no tag set at all.
	if _, err := ctl.UntagResource(ctx, &s3control.UntagResourceInput{AccountId: acct, ResourceArn: aws.String(arn), TagKeys: []string{"only"}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 0 {
		t.Errorf("tags after removing all = %v", got)
	}
	if _, err := a.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)}); errCode(err) != "NoSuchTagSet" {
		t.Errorf("GetBucketTagging with no tags: %v, want NoSuchTagSet", err)
	}

	// Bad input: no change, S3's errors.
	if _, err := ctl.TagResource(ctx, &s3control.TagResourceInput{AccountId: acct, ResourceArn: aws.String(arn), Tags: []s3controltypes.Tag{{Key: aws.String("aws:system"), Value: aws.String("x")}}}); errCode(err) != "InvalidTag" {
		t.Errorf("TagResource with an aws: key: %v, want InvalidTag", err)
	}
	many := make([]s3controltypes.Tag, 51)
	for i := range many {
		many[i] = s3controltypes.Tag{Key: aws.String("k" + strings.Repeat("x", i)), Value: aws.String("v")}
	}
	if _, err := ctl.TagResource(ctx, &s3control.TagResourceInput{AccountId: acct, ResourceArn: aws.String(arn), Tags: many}); errCode(err) != "InvalidTag" {
		t.Errorf("TagResource with 51 tags: %v, want InvalidTag", err)
	}
	if got := list(); len(got) != 0 {
		t.Errorf("refused TagResource changed the tags: %v", got)
	}
	if _, err := ctl.ListTagsForResource(ctx, &s3control.ListTagsForResourceInput{AccountId: acct, ResourceArn: aws.String("arn:aws:s3:::no-such-bucket")}); errCode(err) != "NoSuchBucket" {
		t.Errorf("ListTagsForResource of a missing bucket: %v, want NoSuchBucket", err)
	}
	if _, err := ctl.ListTagsForResource(ctx, &s3control.ListTagsForResourceInput{AccountId: acct, ResourceArn: aws.String("arn:aws:s3:us-east-1:" + *acct + ":accesspoint/ap")}); errCode(err) != "InvalidRequest" {
		t.Errorf("ListTagsForResource of an access point: %v, want InvalidRequest", err)
	}

	// The bucket goes with its tags; a new bucket of the name has none.
	if _, err := a.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.ListTagsForResource(ctx, &s3control.ListTagsForResourceInput{AccountId: acct, ResourceArn: aws.String(arn)}); errCode(err) != "NoSuchBucket" {
		t.Errorf("ListTagsForResource after DeleteBucket: %v, want NoSuchBucket", err)
	}
}

func TestS3ControlTagAuthorization(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	a := client(srv, "account-a")
	idA, idB := srv.Account("account-a").ID, srv.Account("account-b").ID
	const bucket = "owned-by-a"
	arn := aws.String("arn:aws:s3:::" + bucket)
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := controlClient(t, srv, srv.AWSConfig("account-a")).TagResource(ctx, &s3control.TagResourceInput{AccountId: aws.String(idA), ResourceArn: arn, Tags: []s3controltypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}

	// Account B: refused with S3's bare denial whatever account it names,
	// and nothing changes.
	b := controlClient(t, srv, srv.AWSConfig("account-b"))
	for _, acct := range []string{idA, idB} {
		if _, err := b.ListTagsForResource(ctx, &s3control.ListTagsForResourceInput{AccountId: aws.String(acct), ResourceArn: arn}); errCode(err) != "AccessDenied" {
			t.Errorf("B lists A's bucket tags (x-amz-account-id %s): %v, want AccessDenied", acct, err)
		}
		if _, err := b.UntagResource(ctx, &s3control.UntagResourceInput{AccountId: aws.String(acct), ResourceArn: arn, TagKeys: []string{"k"}}); errCode(err) != "AccessDenied" {
			t.Errorf("B untags A's bucket (x-amz-account-id %s): %v, want AccessDenied", acct, err)
		}
	}
	if got := bucketTagMap(t, a, bucket); !sameTags(got, map[string]string{"k": "v"}) {
		t.Errorf("B's refused calls changed the tags: %v", got)
	}

	// A bucket policy lets B list them, naming its own account or A's;
	// a third account in x-amz-account-id is refused.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + idB + `:root"},"Action":"s3:ListTagsForResource","Resource":"arn:aws:s3:::` + bucket + `"}]}`
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	for _, acct := range []string{idA, idB} {
		out, err := b.ListTagsForResource(ctx, &s3control.ListTagsForResourceInput{AccountId: aws.String(acct), ResourceArn: arn})
		if err != nil || !sameTags(tagMap(out.Tags), map[string]string{"k": "v"}) {
			t.Errorf("B lists with the policy (x-amz-account-id %s): %v", acct, err)
		}
	}
	if _, err := b.ListTagsForResource(ctx, &s3control.ListTagsForResourceInput{AccountId: aws.String("333333333333"), ResourceArn: arn}); errCode(err) != "AccessDenied" {
		t.Errorf("B names a third account: %v, want AccessDenied", err)
	}
	if _, err := b.TagResource(ctx, &s3control.TagResourceInput{AccountId: aws.String(idA), ResourceArn: arn, Tags: []s3controltypes.Tag{{Key: aws.String("k"), Value: aws.String("B")}}}); errCode(err) != "AccessDenied" {
		t.Errorf("B tags with only ListTagsForResource granted: %v, want AccessDenied", err)
	}

	// An IAM user of A allowed the bucket tagging API but not S3 Control's
	// actions gets the denial the provider falls back on, word for word.
	ia := iam.NewFromConfig(srv.AWSConfig("account-a"))
	if _, err := ia.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("tagger")}); err != nil {
		t.Fatal(err)
	}
	userPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetBucketTagging","s3:PutBucketTagging"],"Resource":"*"}]}`
	if _, err := ia.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("tagger"), PolicyName: aws.String("tags"), PolicyDocument: aws.String(userPolicy)}); err != nil {
		t.Fatal(err)
	}
	key, err := ia.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("tagger")})
	if err != nil {
		t.Fatal(err)
	}
	user := controlClient(t, srv, srv.ConfigFor(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, ""))
	_, err = user.ListTagsForResource(ctx, &s3control.ListTagsForResourceInput{AccountId: aws.String(idA), ResourceArn: arn})
	if errCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "is not authorized to perform: s3:ListTagsForResource") {
		t.Errorf("user without s3:ListTagsForResource: %v", err)
	}
	_, err = user.TagResource(ctx, &s3control.TagResourceInput{AccountId: aws.String(idA), ResourceArn: arn, Tags: []s3controltypes.Tag{{Key: aws.String("k"), Value: aws.String("user")}}})
	if errCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "is not authorized to perform: s3:TagResource") {
		t.Errorf("user without s3:TagResource: %v", err)
	}
	// Creating a bucket with tags needs s3:TagResource as well.
	ia.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("tagger"), PolicyName: aws.String("create"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:CreateBucket","Resource":"*"}]}`)})
	us3 := s3.NewFromConfig(srv.ConfigFor(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, ""), func(o *s3.Options) { o.UsePathStyle = true })
	_, err = us3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("user-tagged"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{Tags: []s3types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}})
	if errCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "s3:TagResource") {
		t.Errorf("CreateBucket with tags without s3:TagResource: %v", err)
	}
	if _, err := a.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("user-tagged")}); err == nil {
		t.Error("the refused CreateBucket made the bucket")
	}
	if _, err := us3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("user-tagged")}); err != nil {
		t.Errorf("CreateBucket without tags: %v", err)
	}
	if got := bucketTagMap(t, a, bucket); !sameTags(got, map[string]string{"k": "v"}) || slices.Contains([]string{"user", "B"}, got["k"]) {
		t.Errorf("refused calls changed the tags: %v", got)
	}
}

// The account's Block Public Access (S3 Control) adds to each bucket's: a
// bucket that opened itself to the public is closed again by it, and only
// the account itself reads or changes it.
func TestS3ControlAccountPublicAccessBlock(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	a := client(srv, "account-a")
	idA := aws.String(srv.Account("account-a").ID)
	ctl := controlClient(t, srv, srv.AWSConfig("account-a"))
	if _, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: idA}); errCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("GetPublicAccessBlock before any: %v", err)
	}

	const bucket = "public-site"
	for _, err := range []error{
		func() error {
			_, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
			return err
		}(),
		func() error {
			_, err := a.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)})
			return err
		}(),
		func() error {
			_, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("index.html"), Body: strings.NewReader("hi")})
			return err
		}(),
		func() error {
			_, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`)})
			return err
		}(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	anonymousGet := func() int {
		t.Helper()
		resp, err := http.Get(srv.URL + "/" + bucket + "/index.html")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := anonymousGet(); got != http.StatusOK {
		t.Fatalf("anonymous GET of the public object = %d, want 200", got)
	}

	// Another account can neither read nor set A's settings.
	b := controlClient(t, srv, srv.AWSConfig("account-b"))
	if _, err := b.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: idA, PublicAccessBlockConfiguration: &s3controltypes.PublicAccessBlockConfiguration{}}); errCode(err) != "AccessDenied" {
		t.Errorf("B puts A's account Block Public Access: %v, want AccessDenied", err)
	}
	if _, err := b.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: idA}); errCode(err) != "AccessDenied" {
		t.Errorf("B reads A's account Block Public Access: %v, want AccessDenied", err)
	}

	on := aws.Bool(true)
	if _, err := ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: idA, PublicAccessBlockConfiguration: &s3controltypes.PublicAccessBlockConfiguration{RestrictPublicBuckets: on, BlockPublicPolicy: on}}); err != nil {
		t.Fatal(err)
	}
	got, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: idA})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.PublicAccessBlockConfiguration; !aws.ToBool(c.RestrictPublicBuckets) || !aws.ToBool(c.BlockPublicPolicy) || aws.ToBool(c.BlockPublicAcls) || c.IgnorePublicAcls == nil {
		t.Errorf("GetPublicAccessBlock = %+v", c)
	}
	if got := anonymousGet(); got != http.StatusForbidden {
		t.Errorf("anonymous GET with the account's RestrictPublicBuckets = %d, want 403", got)
	}
	// The bucket's own setting is still what the bucket has.
	if _, err := a.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)}); errCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Errorf("the bucket's own Block Public Access: %v", err)
	}
	// BlockPublicPolicy at account level refuses a new public policy.
	_, err = a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/x"}]}`)})
	if errCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "BlockPublicPolicy") {
		t.Errorf("public policy under the account's BlockPublicPolicy: %v", err)
	}

	if _, err := ctl.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: idA}); err != nil {
		t.Fatal(err)
	}
	if got := anonymousGet(); got != http.StatusOK {
		t.Errorf("anonymous GET after the account's settings are deleted = %d, want 200", got)
	}
	if _, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: idA}); errCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Errorf("GetPublicAccessBlock after delete: %v", err)
	}
}

// A body that is not TagResource's document, and a method the tags path
// does not have, change nothing; the second is MethodNotAllowed, the answer
// on which Terraform's provider falls back to the bucket tagging API.
func TestS3ControlRefusesWhatItDoesNotKnow(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	a := client(srv, "account-a")
	const bucket = "raw-tags"
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{
		Tags: []s3types.Tag{{Key: aws.String("keep"), Value: aws.String("me")}},
	}}); err != nil {
		t.Fatal(err)
	}
	// Escaped as the SDK escapes the label, so the signature covers the path sent.
	path := "/v20180820/tags/arn%3Aaws%3As3%3A%3A%3A" + bucket
	account := []string{"X-Amz-Account-Id", srv.Account("account-a").ID}
	for _, c := range []struct {
		method, body, code string
		status             int
	}{
		{"POST", "<Foo/>", "MalformedXML", 400},
		{"POST", `<TagResourceRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><Tags><Tag><Key>k</Key></Tag></Tags></TagResourceRequest>`, "MalformedXML", 400},
		{"PUT", "", "MethodNotAllowed", 405},
	} {
		status, body := signedS3(t, srv, "account-a", c.method, path, c.body, account...)
		if status != c.status || !strings.Contains(body, "<ErrorResponse><Error><Code>"+c.code+"</Code>") {
			t.Errorf("%s %q = %d %s, want %d %s in S3 Control's error document", c.method, c.body, status, body, c.status, c.code)
		}
	}
	// Unsigned, even where a bucket policy lets anyone do anything: S3
	// Control has no anonymous access. Without the account header: refused.
	if _, err := a.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	open := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/*"]}]}`
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(open)}); err != nil {
		t.Fatal(err)
	}
	tagDoc := `<TagResourceRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><Tags><Tag><Key>k</Key><Value>anon</Value></Tag></Tags></TagResourceRequest>`
	for _, hdr := range [][]string{nil, account} {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(tagDoc))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		req.Header.Set("X-Amz-Account-Id", req.Header.Get("X-Amz-Account-Id")) // absent stays absent
		req.Host = srv.Account("account-a").ID + "." + strings.TrimPrefix(srv.URL, "http://")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("unsigned TagResource (headers %v) = %d, want 403", hdr, resp.StatusCode)
		}
	}
	if status, body := signedS3(t, srv, "account-a", "GET", path, ""); status == 200 {
		t.Errorf("ListTagsForResource without x-amz-account-id = %d %s, want a refusal", status, body)
	}
	if got := bucketTagMap(t, a, bucket); !sameTags(got, map[string]string{"keep": "me"}) {
		t.Errorf("refused requests changed the tags: %v", got)
	}
}
