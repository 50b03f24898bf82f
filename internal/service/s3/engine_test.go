package s3

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/blob"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/store"
)

// userPolicies is a PolicySource of identity policies per "account/user".
type userPolicies map[string][]string

func (u userPolicies) PrincipalPolicies(ctx context.Context, account, kind, name string) (authz.PrincipalPolicies, error) {
	var p authz.PrincipalPolicies
	for i, doc := range u[account+"/"+name] {
		p.Identity = append(p.Identity, authz.NamedDocument{Name: "user/" + name + "/inline/" + string(rune('a'+i)), Document: doc})
	}
	return p, nil
}

func (u userPolicies) ManagedPolicyDocument(ctx context.Context, arn string) (string, error) {
	return "", awserr.New(http.StatusNotFound, "NoSuchEntity", "no such policy")
}

func asUser(account, name string) context.Context {
	p := &identity.Principal{Kind: identity.User, Account: account, Name: name, ARN: "arn:aws:iam::" + account + ":user/" + name, UserID: "AIDA" + strings.ToUpper(name)}
	return request.With(context.Background(), &request.Info{ID: "req", Service: "s3", Region: "us-east-1", Principal: p, Time: time.Now()})
}

// TestWithPolicyEngine decides S3 requests with the real Authorizer:
// identity policies, the bucket policy as resource policy, cross-account
// and anonymous access, and Block Public Access.
func TestWithPolicyEngine(t *testing.T) {
	readAny := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`
	pols := userPolicies{accountA + "/alice": {readAny}, accountB + "/bob": {readAny}}
	st := store.NewMemory()
	svc, err := New(Config{Store: st, Blobs: blob.NewMemory(), Authorizer: authz.New(authz.Config{Policies: pols})})
	if err != nil {
		t.Fatal(err)
	}
	root := as(accountA, "us-east-1")
	must(svc.CreateBucket(root, &s3api.CreateBucketInput{Bucket: "data"}))
	must(svc.PutObject(root, &s3api.PutObjectInput{Bucket: "data", Key: "k", Body: body("secret")}))
	alice, carol, bob, anon := asUser(accountA, "alice"), asUser(accountA, "carol"), asUser(accountB, "bob"), as("", "us-east-1")
	get := func(ctx context.Context) error {
		_, err := svc.GetObject(ctx, &s3api.GetObjectInput{Bucket: "data", Key: "k"})
		return err
	}
	steps := []struct {
		name    string
		setup   func()
		ctx     context.Context
		code    string
		message string
	}{
		{"owner account root", nil, root, "", ""},
		{"same-account user with an identity policy", nil, alice, "", ""},
		{"same-account user without one gets the explanation", nil, carol, "AccessDenied",
			`User: arn:aws:iam::111111111111:user/carol is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::data/k" because no identity-based policy allows the s3:GetObject action`},
		{"other account without a bucket policy", nil, bob, "AccessDenied", "Access Denied"},
		{"anonymous without a bucket policy", nil, anon, "AccessDenied", "Access Denied"},
		{"other account granted by the bucket policy", func() {
			must(svc.PutBucketPolicy(root, &s3api.PutBucketPolicyInput{Bucket: "data", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`}))
		}, bob, "", ""},
		{"public policy refused while BlockPublicPolicy is on", func() {
			_, err := svc.PutBucketPolicy(root, &s3api.PutBucketPolicyInput{Bucket: "data", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`})
			if code(err) != "AccessDenied" {
				t.Errorf("public policy under BlockPublicPolicy: %v", err)
			}
		}, anon, "AccessDenied", "Access Denied"},
		{"anonymous granted by a public policy", func() {
			must(svc.PutPublicAccessBlock(root, &s3api.PutPublicAccessBlockInput{Bucket: "data", PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{}}))
			must(svc.PutBucketPolicy(root, &s3api.PutBucketPolicyInput{Bucket: "data", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`}))
		}, anon, "", ""},
		{"RestrictPublicBuckets withdraws it from anonymous callers", func() {
			must(svc.PutPublicAccessBlock(root, &s3api.PutPublicAccessBlockInput{Bucket: "data", PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{RestrictPublicBuckets: api.Bool(true)}}))
		}, anon, "AccessDenied", "Access Denied"},
		{"and from other accounts", nil, bob, "AccessDenied", "Access Denied"},
		{"but not from the owner's account", nil, carol, "", ""},
		{"a public-read object ACL lets anonymous callers read once ACLs are enabled", func() {
			must(svc.DeleteBucketPolicy(root, &s3api.DeleteBucketPolicyInput{Bucket: "data"}))
			must(svc.PutPublicAccessBlock(root, &s3api.PutPublicAccessBlockInput{Bucket: "data", PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{}}))
			must(svc.PutBucketOwnershipControls(root, &s3api.PutBucketOwnershipControlsInput{Bucket: "data", OwnershipControls: &s3api.OwnershipControls{Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: s3api.ObjectOwnershipObjectWriter}}}}))
			must(svc.PutObject(root, &s3api.PutObjectInput{Bucket: "data", Key: "k", Body: body("public"), ACL: ptr(s3api.ObjectCannedACLPublicRead)}))
		}, anon, "", ""},
		{"but not under IgnorePublicAcls", func() {
			must(svc.PutPublicAccessBlock(root, &s3api.PutPublicAccessBlockInput{Bucket: "data", PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{IgnorePublicAcls: api.Bool(true)}}))
		}, anon, "AccessDenied", "Access Denied"},
		{"nor once BucketOwnerEnforced disables ACLs", func() {
			must(svc.PutPublicAccessBlock(root, &s3api.PutPublicAccessBlockInput{Bucket: "data", PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{}}))
			must(svc.PutBucketOwnershipControls(root, &s3api.PutBucketOwnershipControlsInput{Bucket: "data", OwnershipControls: &s3api.OwnershipControls{Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: s3api.ObjectOwnershipBucketOwnerEnforced}}}}))
		}, anon, "AccessDenied", "Access Denied"},
		{"authenticated-read admits another account's allowed user", func() {
			must(svc.PutBucketOwnershipControls(root, &s3api.PutBucketOwnershipControlsInput{Bucket: "data", OwnershipControls: &s3api.OwnershipControls{Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: s3api.ObjectOwnershipObjectWriter}}}}))
			must(svc.PutObjectAcl(root, &s3api.PutObjectAclInput{Bucket: "data", Key: "k", ACL: ptr(s3api.ObjectCannedACLAuthenticatedRead)}))
		}, bob, "", ""},
		{"but not anonymous callers", nil, anon, "AccessDenied", "Access Denied"},
		{"an explicit deny in the bucket policy wins for the owner's users", func() {
			must(svc.PutBucketPolicy(root, &s3api.PutBucketPolicyInput{Bucket: "data", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*","Condition":{"StringEquals":{"aws:username":"alice"}}}]}`}))
		}, alice, "AccessDenied", "with an explicit deny in a resource-based policy"},
	}
	// The owner's root may always manage the policy, even one that denies it.
	t.Run("root user manages a policy that denies everyone", func(t *testing.T) {
		deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::lockout","arn:aws:s3:::lockout/*"]}]}`
		must(svc.CreateBucket(root, &s3api.CreateBucketInput{Bucket: "lockout"}))
		must(svc.PutBucketPolicy(root, &s3api.PutBucketPolicyInput{Bucket: "lockout", Policy: deny}))
		if _, err := svc.GetBucketPolicy(root, &s3api.GetBucketPolicyInput{Bucket: "lockout"}); err != nil {
			t.Errorf("root GetBucketPolicy: %v", err)
		}
		if _, err := svc.HeadBucket(root, &s3api.HeadBucketInput{Bucket: "lockout"}); code(err) != "AccessDenied" {
			t.Errorf("root HeadBucket under a deny-all policy: %v", err)
		}
		must(svc.DeleteBucketPolicy(root, &s3api.DeleteBucketPolicyInput{Bucket: "lockout"}))
	})
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.setup != nil {
				s.setup()
			}
			err := get(s.ctx)
			if code(err) != s.code {
				t.Fatalf("err = %v, want %q", err, s.code)
			}
			if s.message != "" && !strings.Contains(err.Error(), s.message) {
				t.Errorf("message %q, want it to contain %q", err.Error(), s.message)
			}
		})
	}
}
