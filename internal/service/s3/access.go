package s3

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
)

// errAccessDeniedPlain is S3's denial without explanation, which S3 sends
// for requests from outside the bucket owner's account (S3 User Guide,
// "Troubleshoot access denied (403 Forbidden) errors": the added context
// is only for requests within the same account or organization).
func errAccessDeniedPlain() error {
	return awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
}

// publicAccessBlock returns the bucket's Block Public Access settings (all
// false when none are configured).
func publicAccessBlock(b *bucketRecord) s3api.PublicAccessBlockConfiguration {
	var c s3api.PublicAccessBlockConfiguration
	_, _ = b.config(cfgPublicAccess, &c)
	return c
}

func on(p *bool) bool { return p != nil && *p }

// effectivePolicy is the bucket policy the policy engine may use for this
// caller. With RestrictPublicBuckets set and a public policy, only
// principals of the owner's account (and AWS services) keep what the policy
// grants (S3 User Guide, "Blocking public access to your Amazon S3
// storage", RestrictPublicBuckets).
func effectivePolicy(b *bucketRecord, p *identity.Principal) string {
	if b.Policy == "" {
		return ""
	}
	if on(publicAccessBlock(b).RestrictPublicBuckets) && p.Account != b.Owner && policyIsPublic(b.Policy) {
		return ""
	}
	return b.Policy
}

// check is one action to authorize on a bucket or object.
type check struct {
	action   string
	resource string
	keys     map[string][]string
	// grants is the object's ACL when the check is about an existing
	// object version (see withACLs).
	grants []s3api.Grant
}

func bucketCheck(action, bucket string) check {
	return check{action: "s3:" + action, resource: bucketARN(bucket)}
}

func objectCheck(action, bucket, key string) check {
	return check{action: "s3:" + action, resource: objectARN(bucket, key)}
}

// with adds a condition key when value is not empty.
func (c check) with(key, value string) check {
	if value == "" {
		return c
	}
	if c.keys == nil {
		c.keys = map[string][]string{}
	}
	c.keys[key] = append(c.keys[key], value)
	return c
}

// withTags adds s3:ExistingObjectTag/<key> for each tag of the object.
func (c check) withTags(tags []tag) check {
	for _, t := range tags {
		c = c.with("s3:ExistingObjectTag/"+t.Key, t.Value)
	}
	return c
}

// authorize asks the Authorizer about each check on bucket b, in order,
// and returns the first denial.
func (s *Service) authorize(ctx context.Context, b *bucketRecord, checks ...check) error {
	p := caller(ctx)
	bucketPolicy := effectivePolicy(b, p)
	for _, c := range checks {
		policy := withACLs(b, bucketPolicy, c.grants, c.resource)
		keys := make(map[string][]string, len(c.keys)+1)
		for k, v := range c.keys {
			keys[k] = v
		}
		keys["s3:ResourceAccount"] = []string{b.Owner}
		err := s.authz.Authorize(ctx, authz.Check{
			Action:          c.action,
			Resource:        c.resource,
			ResourceAccount: b.Owner,
			ResourcePolicy:  policy,
			Context:         keys,
		})
		if err != nil {
			return denial(err, p, b.Owner)
		}
	}
	return nil
}

// denial turns an Authorizer's AccessDenied into what S3 sends: the
// explanation for callers of the owner's account, "Access Denied" for others.
func denial(err error, p *identity.Principal, owner string) error {
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != "AccessDenied" {
		return err
	}
	if p.Kind == identity.Anonymous || p.Account != owner {
		return errAccessDeniedPlain()
	}
	if m := quoteResource(e.Message); m != e.Message {
		c := *e
		c.Message = m
		return &c
	}
	return err
}

// quoteResource puts the resource ARN of an explanatory denial in double
// quotes, as S3 writes it ("... on resource: \"arn:aws:s3:::b/k\" because
// ..."), where IAM and STS write it bare.
func quoteResource(msg string) string {
	const marker = " on resource: "
	i := strings.Index(msg, marker)
	if i < 0 {
		return msg
	}
	rest := msg[i+len(marker):]
	if strings.HasPrefix(rest, `"`) {
		return msg
	}
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		end = len(rest)
	}
	return msg[:i+len(marker)] + `"` + rest[:end] + `"` + rest[end:]
}

// authorizeAccount asks about an action on a resource that is not a
// bucket yet (CreateBucket) or not a bucket at all (ListBuckets).
func (s *Service) authorizeAccount(ctx context.Context, action, resource string, keys map[string][]string) error {
	p := caller(ctx)
	if keys == nil {
		keys = map[string][]string{}
	}
	account := ""
	if resource != "*" {
		account = p.Account
		keys["s3:ResourceAccount"] = []string{account}
	}
	err := s.authz.Authorize(ctx, authz.Check{Action: action, Resource: resource, ResourceAccount: account, Context: keys})
	if err != nil {
		return denial(err, p, p.Account)
	}
	return nil
}
