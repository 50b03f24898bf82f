package s3

import (
	"context"
	"errors"
	"net/http"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
)

// errAccessDeniedPlain is S3's denial without explanation, which S3 sends
// for requests from outside the bucket owner's account (S3 User Guide,
// "Troubleshoot access denied (403 Forbidden) errors": the added context
// is only for requests within the same account or organization).
func errAccessDeniedPlain() error {
	return awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
}

// bucketSettings is what per-request work (authorization, object writes)
// needs from a bucket's configuration, decoded from the record once
// instead of per request.
type bucketSettings struct {
	ownership s3api.ObjectOwnership
	pab       s3api.PublicAccessBlockConfiguration
	// policy is the compiled bucket policy (nil when none).
	policy *policy.Policy
	// policyPublic tells whether the bucket policy is public; computed only
	// when RestrictPublicBuckets is set, the one case that asks.
	policyPublic bool
	// aclsCount is false when ACLs take no part in authorization
	// (BucketOwnerEnforced, IgnorePublicAcls); aclStmts are the bucket
	// ACL's public grants as policy statements, aclPolicy the same compiled.
	aclsCount bool
	aclStmts  []any
	aclPolicy *policy.Policy
	// withACL is the bucket policy with aclPolicy's statements added: what
	// withACLs returns when the object's own grants add nothing.
	withACL *policy.Policy
	// ownerContext is the condition context of a check without keys of its
	// own: s3:ResourceAccount only. Shared between requests: read only.
	ownerContext map[string][]string
	// The default encryption a new object gets when its request names none.
	defaultSSE, defaultKMSKeyID string
	defaultBucketKey            bool
}

func newBucketSettings(b *bucketRecord) *bucketSettings {
	a := &bucketSettings{ownership: s3api.ObjectOwnershipObjectWriter}
	var oc s3api.OwnershipControls
	if ok, err := b.config(cfgOwnership, &oc); ok && err == nil && len(oc.Rules) > 0 {
		a.ownership = oc.Rules[0].ObjectOwnership
	}
	_, _ = b.config(cfgPublicAccess, &a.pab)
	// The account's settings add to the bucket's (S3 User Guide, "Blocking
	// public access to your Amazon S3 storage": "Amazon S3 applies the most
	// restrictive combination of the bucket-level and account-level settings").
	acct := b.accountPAB
	a.pab = s3api.PublicAccessBlockConfiguration{
		BlockPublicAcls:       api.Bool(on(a.pab.BlockPublicAcls) || on(acct.BlockPublicAcls)),
		IgnorePublicAcls:      api.Bool(on(a.pab.IgnorePublicAcls) || on(acct.IgnorePublicAcls)),
		BlockPublicPolicy:     api.Bool(on(a.pab.BlockPublicPolicy) || on(acct.BlockPublicPolicy)),
		RestrictPublicBuckets: api.Bool(on(a.pab.RestrictPublicBuckets) || on(acct.RestrictPublicBuckets)),
	}
	a.policy = bucketPolicy(b)
	if a.policy != nil && on(a.pab.RestrictPublicBuckets) {
		a.policyPublic = policyIsPublic(a.policy)
	}
	a.aclsCount = a.ownership != s3api.ObjectOwnershipBucketOwnerEnforced && !on(a.pab.IgnorePublicAcls)
	if a.aclsCount {
		var acl s3api.AccessControlPolicy
		if ok, err := b.config(cfgACL, &acl); err != nil || !ok {
			acl.Grants = nil
		}
		a.aclStmts = aclStatements(acl.Grants, bucketACLActions, b.Name, bucketARN(b.Name))
		a.aclPolicy = aclPolicy(a.aclStmts)
	}
	a.withACL = policy.Merge("bucket policy and ACL", a.policy, a.aclPolicy)
	a.ownerContext = map[string][]string{"s3:ResourceAccount": {b.Owner}}
	enc := bucketEncryption(b).Rules[0]
	a.defaultSSE = string(enc.ApplyServerSideEncryptionByDefault.SSEAlgorithm)
	a.defaultKMSKeyID = api.ToString(enc.ApplyServerSideEncryptionByDefault.KMSMasterKeyID)
	a.defaultBucketKey = api.ToBool(enc.BucketKeyEnabled)
	return a
}

// settings returns the bucket's decoded configuration: the one kept
// with a cached record (see bucketCache), or a fresh one for a record a
// writer decoded and may have changed.
func (b *bucketRecord) settings() *bucketSettings {
	if b.cachedSettings != nil {
		return b.cachedSettings
	}
	return newBucketSettings(b)
}

// publicAccessBlock returns the Block Public Access settings in force for
// the bucket: its own and its account's together (all false when neither
// is configured).
func publicAccessBlock(b *bucketRecord) s3api.PublicAccessBlockConfiguration {
	return b.settings().pab
}

func on(p *bool) bool { return p != nil && *p }

// effectivePolicy is the bucket policy the policy engine may use for this
// caller. With RestrictPublicBuckets set and a public policy, only
// principals of the owner's account (and AWS services) keep what the policy
// grants (S3 User Guide, "Blocking public access to your Amazon S3
// storage", RestrictPublicBuckets).
func effectivePolicy(b *bucketRecord, a *bucketSettings, p *identity.Principal) *policy.Policy {
	if a.policy == nil {
		return nil
	}
	if on(a.pab.RestrictPublicBuckets) && p.Account != b.Owner && a.policyPublic {
		return nil
	}
	return a.policy
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
	a := b.settings()
	bucketPolicy := effectivePolicy(b, a, p)
	for _, c := range checks {
		rp := withACLs(a, bucketPolicy, c.grants, b.Name, c.resource)
		keys := a.ownerContext
		if len(c.keys) > 0 {
			keys = make(map[string][]string, len(c.keys)+1)
			for k, v := range c.keys {
				keys[k] = v
			}
			keys["s3:ResourceAccount"] = a.ownerContext["s3:ResourceAccount"]
		}
		err := s.authz.Authorize(ctx, authz.Check{
			Action:          c.action,
			Resource:        c.resource,
			ResourceAccount: b.Owner,
			ResourcePolicy:  rp,
			Context:         keys,
		})
		if err != nil {
			return denial(err, p, b.Owner)
		}
	}
	return nil
}

// denial turns an Authorizer's AccessDenied into what S3 sends: the
// explanation, worded as S3 words it, for callers of the owner's account;
// "Access Denied" for others.
func denial(err error, p *identity.Principal, owner string) error {
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != "AccessDenied" {
		return err
	}
	if p.Kind == identity.Anonymous || p.Account != owner {
		return errAccessDeniedPlain()
	}
	if d := authz.DenialOf(err); d != nil {
		return awserr.AccessDenied(policy.DenyMessageS3(&d.Request, d.Effect, d.DeniedBy)).Wrap(d)
	}
	return err
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
