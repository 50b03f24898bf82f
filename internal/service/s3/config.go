package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// Bucket configurations. Each is stored as the JSON of its s3api type in
// bucketRecord.Configs and returned as stored; the getters answer S3's
// "not configured" errors (errors.go) when absent.

// getConfig authorizes action, then decodes configuration name into v.
func (s *Service) getConfig(ctx context.Context, bucket string, expectedOwner *string, action, name string, v any) (*bucketRecord, bool, error) {
	b, err := s.bucketFor(ctx, bucket, expectedOwner, action)
	if err != nil {
		return nil, false, err
	}
	ok, err := b.config(name, v)
	return b, ok, err
}

// requireConfig is getConfig for configurations whose absence is an error.
func (s *Service) requireConfig(ctx context.Context, bucket string, expectedOwner *string, action, name string, v any) error {
	_, ok, err := s.getConfig(ctx, bucket, expectedOwner, action, name, v)
	if err != nil {
		return err
	}
	if !ok {
		return errNotConfiguredFor(name, bucket)
	}
	return nil
}

// putConfig authorizes action, then runs build, which validates the
// request and returns the configuration to store (nil deletes it): S3
// answers an unauthorized caller AccessDenied before looking at the body.
func (s *Service) putConfig(ctx context.Context, bucket string, expectedOwner *string, action, name string, build func() (any, error)) error {
	if _, err := s.bucketFor(ctx, bucket, expectedOwner, action); err != nil {
		return err
	}
	v, err := build()
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := b.setConfig(name, v); err != nil {
			return err
		}
		return putBucket(tx, b)
	})
}

// setConfig authorizes action, then stores v (nil deletes) as name.
func (s *Service) setConfig(ctx context.Context, bucket string, expectedOwner *string, action, name string, v any) error {
	return s.modifyBucket(ctx, bucket, expectedOwner, action, func(b *bucketRecord) error {
		return b.setConfig(name, v)
	})
}

// --- versioning

func (s *Service) GetBucketVersioning(ctx context.Context, in *s3api.GetBucketVersioningInput) (*s3api.GetBucketVersioningOutput, error) {
	b, err := s.bucketFor(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketVersioning")
	if err != nil {
		return nil, err
	}
	out := &s3api.GetBucketVersioningOutput{}
	if b.Versioning != "" {
		st := s3api.BucketVersioningStatus(b.Versioning)
		out.Status = &st
	}
	if b.MFADelete != "" {
		m := s3api.MFADeleteStatus(b.MFADelete)
		out.MFADelete = &m
	}
	return out, nil
}

func (s *Service) PutBucketVersioning(ctx context.Context, in *s3api.PutBucketVersioningInput) (*s3api.PutBucketVersioningOutput, error) {
	// Authorization comes before the body is looked at, as in S3.
	if _, err := s.bucketFor(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketVersioning"); err != nil {
		return nil, err
	}
	c := in.VersioningConfiguration
	if c == nil || c.Status == nil {
		return nil, errMalformedXML()
	}
	status := string(*c.Status)
	if status != "Enabled" && status != "Suspended" {
		return nil, errMalformedXML()
	}
	mfa := ""
	if c.MFADelete != nil {
		mfa = string(*c.MFADelete)
		if mfa != "Enabled" && mfa != "Disabled" {
			return nil, errMalformedXML()
		}
		// Changing MFA Delete needs the root user's MFA in x-amz-mfa (S3
		// User Guide, "Configuring MFA delete"); doppel cannot verify one
		// here, so it refuses enabling it as S3 refuses a request without.
		if mfa == "Enabled" && api.ToString(in.MFA) == "" {
			return nil, errInvalidRequest("DevPay and Mfa are mutually exclusive authorization methods.")
		}
	}
	err := s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		if b.ObjectLock && status != "Enabled" {
			return errInvalidBucketState("An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		b.Versioning = status
		if mfa != "" {
			b.MFADelete = mfa
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketVersioningOutput{}, nil
}

// --- encryption

// defaultEncryption is what every bucket has without a configuration of
// its own: SSE-S3 (S3 User Guide, "Setting default server-side encryption
// behavior": since January 2023 all buckets have it and it cannot be
// removed; DeleteBucketEncryption restores it).
func defaultEncryption() *s3api.ServerSideEncryptionConfiguration {
	return &s3api.ServerSideEncryptionConfiguration{Rules: []s3api.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &s3api.ServerSideEncryptionByDefault{SSEAlgorithm: s3api.ServerSideEncryptionAES256},
		BucketKeyEnabled:                   api.Bool(false),
	}}}
}

// bucketEncryption returns the bucket's default encryption rule.
func bucketEncryption(b *bucketRecord) *s3api.ServerSideEncryptionConfiguration {
	var c s3api.ServerSideEncryptionConfiguration
	if ok, err := b.config(cfgEncryption, &c); !ok || err != nil || len(c.Rules) == 0 {
		return defaultEncryption()
	}
	return &c
}

func (s *Service) GetBucketEncryption(ctx context.Context, in *s3api.GetBucketEncryptionInput) (*s3api.GetBucketEncryptionOutput, error) {
	b, err := s.bucketFor(ctx, in.Bucket, in.ExpectedBucketOwner, "GetEncryptionConfiguration")
	if err != nil {
		return nil, err
	}
	return &s3api.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: bucketEncryption(b)}, nil
}

func (s *Service) PutBucketEncryption(ctx context.Context, in *s3api.PutBucketEncryptionInput) (*s3api.PutBucketEncryptionOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutEncryptionConfiguration", cfgEncryption, func() (any, error) {
		c := in.ServerSideEncryptionConfiguration
		if c == nil || len(c.Rules) != 1 || c.Rules[0].ApplyServerSideEncryptionByDefault == nil {
			return nil, errMalformedXML()
		}
		d := c.Rules[0].ApplyServerSideEncryptionByDefault
		switch d.SSEAlgorithm {
		case "AES256":
			if api.ToString(d.KMSMasterKeyID) != "" {
				return nil, errInvalidArgument("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", "ApplyServerSideEncryptionByDefault", "")
			}
		case "aws:kms", "aws:kms:dsse":
		default:
			return nil, errMalformedXML()
		}
		stored := *c
		if stored.Rules[0].BucketKeyEnabled == nil {
			stored.Rules = []s3api.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: d, BucketKeyEnabled: api.Bool(false)}}
		}
		return stored, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketEncryptionOutput{}, nil
}

func (s *Service) DeleteBucketEncryption(ctx context.Context, in *s3api.DeleteBucketEncryptionInput) (*s3api.DeleteBucketEncryptionOutput, error) {
	if err := s.setConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutEncryptionConfiguration", cfgEncryption, nil); err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketEncryptionOutput{}, nil
}

// --- public access block

func (s *Service) GetPublicAccessBlock(ctx context.Context, in *s3api.GetPublicAccessBlockInput) (*s3api.GetPublicAccessBlockOutput, error) {
	var c s3api.PublicAccessBlockConfiguration
	if err := s.requireConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketPublicAccessBlock", cfgPublicAccess, &c); err != nil {
		return nil, err
	}
	return &s3api.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &c}, nil
}

func (s *Service) PutPublicAccessBlock(ctx context.Context, in *s3api.PutPublicAccessBlockInput) (*s3api.PutPublicAccessBlockOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketPublicAccessBlock", cfgPublicAccess, func() (any, error) {
		c := in.PublicAccessBlockConfiguration
		if c == nil {
			return nil, errMalformedXML()
		}
		// S3 answers all four settings, false where the request left one out.
		stored := s3api.PublicAccessBlockConfiguration{
			BlockPublicAcls:       api.Bool(on(c.BlockPublicAcls)),
			IgnorePublicAcls:      api.Bool(on(c.IgnorePublicAcls)),
			BlockPublicPolicy:     api.Bool(on(c.BlockPublicPolicy)),
			RestrictPublicBuckets: api.Bool(on(c.RestrictPublicBuckets)),
		}
		return stored, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutPublicAccessBlockOutput{}, nil
}

func (s *Service) DeletePublicAccessBlock(ctx context.Context, in *s3api.DeletePublicAccessBlockInput) (*s3api.DeletePublicAccessBlockOutput, error) {
	if err := s.setConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketPublicAccessBlock", cfgPublicAccess, nil); err != nil {
		return nil, err
	}
	return &s3api.DeletePublicAccessBlockOutput{}, nil
}

// --- ownership controls

// objectOwnership returns the bucket's Object Ownership; ObjectWriter when
// no ownership controls are configured (S3's behaviour before 2023).
func objectOwnership(b *bucketRecord) s3api.ObjectOwnership {
	return b.settings().ownership
}

func (s *Service) GetBucketOwnershipControls(ctx context.Context, in *s3api.GetBucketOwnershipControlsInput) (*s3api.GetBucketOwnershipControlsOutput, error) {
	var c s3api.OwnershipControls
	if err := s.requireConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketOwnershipControls", cfgOwnership, &c); err != nil {
		return nil, err
	}
	return &s3api.GetBucketOwnershipControlsOutput{OwnershipControls: &c}, nil
}

func (s *Service) PutBucketOwnershipControls(ctx context.Context, in *s3api.PutBucketOwnershipControlsInput) (*s3api.PutBucketOwnershipControlsOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketOwnershipControls", cfgOwnership, func() (any, error) {
		c := in.OwnershipControls
		if c == nil || len(c.Rules) != 1 {
			return nil, errMalformedXML()
		}
		switch c.Rules[0].ObjectOwnership {
		case s3api.ObjectOwnershipBucketOwnerEnforced, s3api.ObjectOwnershipBucketOwnerPreferred, s3api.ObjectOwnershipObjectWriter:
		default:
			return nil, errMalformedXML()
		}
		return *c, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketOwnershipControlsOutput{}, nil
}

func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, in *s3api.DeleteBucketOwnershipControlsInput) (*s3api.DeleteBucketOwnershipControlsOutput, error) {
	if err := s.setConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketOwnershipControls", cfgOwnership, nil); err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketOwnershipControlsOutput{}, nil
}

// --- policy

// policyAccess admits a bucket policy operation (S3 API Reference,
// GetBucketPolicy, PutBucketPolicy, DeleteBucketPolicy): the root user of
// the owner's account always may, whatever the policy says, so that no one
// locks the owner out; others need the action, and those of another account
// are refused with 405 even when it is allowed.
func (s *Service) policyAccess(ctx context.Context, bucket string, expectedOwner *string, action, method string) (*bucketRecord, error) {
	b, err := s.loadBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, expectedOwner); err != nil {
		return nil, err
	}
	p := caller(ctx)
	if p.Kind == identity.Root && p.Account == b.Owner {
		return b, nil
	}
	if err := s.authorize(ctx, b, bucketCheck(action, b.Name)); err != nil {
		return nil, err
	}
	if p.Account != b.Owner {
		return nil, awserr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.").With("Method", method).With("ResourceType", "BUCKETPOLICY")
	}
	return b, nil
}

// setPolicy stores (or with "" removes) the bucket policy.
func (s *Service) setPolicy(ctx context.Context, bucket, policy string) error {
	return s.update(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, bucket)
		if err != nil {
			return err
		}
		b.Policy = policy
		return putBucket(tx, b)
	})
}

func (s *Service) GetBucketPolicy(ctx context.Context, in *s3api.GetBucketPolicyInput) (*s3api.GetBucketPolicyOutput, error) {
	b, err := s.policyAccess(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketPolicy", "GET")
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, errNotConfiguredFor(cfgPolicy, in.Bucket)
	}
	return &s3api.GetBucketPolicyOutput{Policy: api.String(b.Policy)}, nil
}

func (s *Service) PutBucketPolicy(ctx context.Context, in *s3api.PutBucketPolicyInput) (*s3api.PutBucketPolicyOutput, error) {
	b, err := s.policyAccess(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketPolicy", "PUT")
	if err != nil {
		return nil, err
	}
	parsed, err := parseBucketPolicy(in.Bucket, in.Policy)
	if err != nil {
		return nil, err
	}
	if on(publicAccessBlock(b).BlockPublicPolicy) && policyIsPublic(parsed) {
		p := caller(ctx)
		if p.Account != b.Owner {
			return nil, errAccessDeniedPlain()
		}
		return nil, awserr.Newf(http.StatusForbidden, "AccessDenied",
			"User: %s is not authorized to perform: s3:PutBucketPolicy on resource: \"%s\" because public policies are blocked by the BlockPublicPolicy block public access setting.",
			p.ARN, bucketARN(in.Bucket))
	}
	if err := s.setPolicy(ctx, in.Bucket, in.Policy); err != nil {
		return nil, err
	}
	return &s3api.PutBucketPolicyOutput{}, nil
}

func (s *Service) DeleteBucketPolicy(ctx context.Context, in *s3api.DeleteBucketPolicyInput) (*s3api.DeleteBucketPolicyOutput, error) {
	if _, err := s.policyAccess(ctx, in.Bucket, in.ExpectedBucketOwner, "DeleteBucketPolicy", "DELETE"); err != nil {
		return nil, err
	}
	if err := s.setPolicy(ctx, in.Bucket, ""); err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketPolicyOutput{}, nil
}

func (s *Service) GetBucketPolicyStatus(ctx context.Context, in *s3api.GetBucketPolicyStatusInput) (*s3api.GetBucketPolicyStatusOutput, error) {
	b, err := s.bucketFor(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketPolicyStatus")
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, errNotConfiguredFor(cfgPolicy, in.Bucket)
	}
	return &s3api.GetBucketPolicyStatusOutput{PolicyStatus: &s3api.PolicyStatus{IsPublic: api.Bool(policyIsPublic(bucketPolicy(b)))}}, nil
}

// --- CORS

var corsMethods = map[string]bool{"GET": true, "PUT": true, "POST": true, "DELETE": true, "HEAD": true}

func (s *Service) GetBucketCors(ctx context.Context, in *s3api.GetBucketCorsInput) (*s3api.GetBucketCorsOutput, error) {
	var c s3api.CORSConfiguration
	if err := s.requireConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketCORS", cfgCORS, &c); err != nil {
		return nil, err
	}
	return &s3api.GetBucketCorsOutput{CORSRules: c.CORSRules}, nil
}

func (s *Service) PutBucketCors(ctx context.Context, in *s3api.PutBucketCorsInput) (*s3api.PutBucketCorsOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketCORS", cfgCORS, func() (any, error) {
		c := in.CORSConfiguration
		if c == nil || len(c.CORSRules) == 0 || len(c.CORSRules) > 100 {
			return nil, errMalformedXML()
		}
		for _, r := range c.CORSRules {
			if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 {
				return nil, errMalformedXML()
			}
			for _, m := range r.AllowedMethods {
				if !corsMethods[m] {
					return nil, errInvalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is " + m)
				}
			}
			// One wildcard per origin and header (S3 User Guide, "CORS
			// configuration": AllowedOrigin "can contain at most one *").
			for _, o := range r.AllowedOrigins {
				if strings.Count(o, "*") > 1 {
					return nil, errInvalidRequest("AllowedOrigin \"" + o + "\" can not have more than one wildcard.")
				}
			}
			for _, h := range r.AllowedHeaders {
				if strings.Count(h, "*") > 1 {
					return nil, errInvalidRequest("AllowedHeader \"" + h + "\" can not have more than one wildcard.")
				}
			}
		}
		return *c, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketCorsOutput{}, nil
}

func (s *Service) DeleteBucketCors(ctx context.Context, in *s3api.DeleteBucketCorsInput) (*s3api.DeleteBucketCorsOutput, error) {
	if err := s.setConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketCORS", cfgCORS, nil); err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketCorsOutput{}, nil
}

// --- website

func (s *Service) GetBucketWebsite(ctx context.Context, in *s3api.GetBucketWebsiteInput) (*s3api.GetBucketWebsiteOutput, error) {
	var c s3api.WebsiteConfiguration
	if err := s.requireConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketWebsite", cfgWebsite, &c); err != nil {
		return nil, err
	}
	return &s3api.GetBucketWebsiteOutput{ErrorDocument: c.ErrorDocument, IndexDocument: c.IndexDocument, RedirectAllRequestsTo: c.RedirectAllRequestsTo, RoutingRules: c.RoutingRules}, nil
}

func (s *Service) PutBucketWebsite(ctx context.Context, in *s3api.PutBucketWebsiteInput) (*s3api.PutBucketWebsiteOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketWebsite", cfgWebsite, func() (any, error) {
		c := in.WebsiteConfiguration
		if c == nil {
			return nil, errMalformedXML()
		}
		if c.RedirectAllRequestsTo == nil {
			if c.IndexDocument == nil {
				return nil, errInvalidArgument("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", "IndexDocument", "")
			}
			if c.IndexDocument.Suffix == "" || strings.Contains(c.IndexDocument.Suffix, "/") {
				return nil, errInvalidArgument("The IndexDocument Suffix is not well formed", "IndexDocument", c.IndexDocument.Suffix)
			}
		} else if c.IndexDocument != nil || c.ErrorDocument != nil || len(c.RoutingRules) > 0 {
			return nil, errInvalidArgument("RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.", "RedirectAllRequestsTo", "not null")
		}
		return *c, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketWebsiteOutput{}, nil
}

func (s *Service) DeleteBucketWebsite(ctx context.Context, in *s3api.DeleteBucketWebsiteInput) (*s3api.DeleteBucketWebsiteOutput, error) {
	if err := s.setConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "DeleteBucketWebsite", cfgWebsite, nil); err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketWebsiteOutput{}, nil
}

// --- lifecycle

func (s *Service) GetBucketLifecycleConfiguration(ctx context.Context, in *s3api.GetBucketLifecycleConfigurationInput) (*s3api.GetBucketLifecycleConfigurationOutput, error) {
	var c s3api.BucketLifecycleConfiguration
	b, ok, err := s.getConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetLifecycleConfiguration", cfgLifecycle, &c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNotConfiguredFor(cfgLifecycle, in.Bucket)
	}
	out := &s3api.GetBucketLifecycleConfigurationOutput{Rules: c.Rules}
	// Configurations written since September 2024 default to a 128 KB
	// minimum for transitions (S3 User Guide, "Transitioning objects").
	size := b.LifecycleMinSize
	if size == "" {
		size = "all_storage_classes_128K"
	}
	setOptionalString(out, "TransitionDefaultMinimumObjectSize", size)
	return out, nil
}

func (s *Service) PutBucketLifecycleConfiguration(ctx context.Context, in *s3api.PutBucketLifecycleConfigurationInput) (*s3api.PutBucketLifecycleConfigurationOutput, error) {
	// Authorization comes before the body is looked at, as in S3.
	if _, err := s.bucketFor(ctx, in.Bucket, in.ExpectedBucketOwner, "PutLifecycleConfiguration"); err != nil {
		return nil, err
	}
	c := in.LifecycleConfiguration
	if c == nil || len(c.Rules) == 0 || len(c.Rules) > 1000 {
		return nil, errMalformedXML()
	}
	ids := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return nil, errMalformedXML()
		}
		if err := checkLifecycleDates(r); err != nil {
			return nil, err
		}
		// A rule without an ID gets one (S3 User Guide, "Lifecycle
		// configuration elements": "If you don't specify an ID, Amazon S3
		// generates one").
		if r.ID == nil || *r.ID == "" {
			r.ID = api.String(newLifecycleRuleID())
		}
		id := api.ToString(r.ID)
		if len(id) > 255 {
			return nil, errInvalidArgument("ID length should not exceed allowed limit of 255", "ID", id)
		}
		if id != "" && ids[id] {
			return nil, errInvalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", id)
		}
		ids[id] = true
	}
	size := optionalString(in, "TransitionDefaultMinimumObjectSize")
	if size != "" && size != "all_storage_classes_128K" && size != "varies_by_storage_class" {
		return nil, errInvalidArgument("Invalid value for x-amz-transition-default-minimum-object-size", "x-amz-transition-default-minimum-object-size", size)
	}
	err := s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.LifecycleMinSize = size
		return b.setConfig(cfgLifecycle, *c)
	})
	if err != nil {
		return nil, err
	}
	out := &s3api.PutBucketLifecycleConfigurationOutput{}
	if size == "" {
		size = "all_storage_classes_128K"
	}
	setOptionalString(out, "TransitionDefaultMinimumObjectSize", size)
	return out, nil
}

// newLifecycleRuleID is a generated rule ID in the form S3 gives them: a
// random UUID in base64.
func newLifecycleRuleID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	u := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	return base64.StdEncoding.EncodeToString([]byte(u))
}

// checkLifecycleDates refuses what S3 refuses in a rule's actions: a Date
// that is not midnight UTC, and Days that are not positive (Ceph's
// s3-tests, test_lifecycle_set_date and the lifecycle Days tests).
func checkLifecycleDates(r *s3api.LifecycleRule) error {
	midnight := func(t *time.Time) error {
		if t != nil && !t.UTC().Equal(t.UTC().Truncate(24*time.Hour)) {
			return errInvalidArgument("'Date' must be at midnight GMT", "Date", t.UTC().Format(time.RFC3339))
		}
		return nil
	}
	if e := r.Expiration; e != nil {
		if err := midnight(e.Date); err != nil {
			return err
		}
		if e.Days != nil && *e.Days <= 0 {
			return errInvalidArgument("'Days' for Expiration action must be a positive integer", "Days", strconv.Itoa(int(*e.Days)))
		}
	}
	for _, t := range r.Transitions {
		if err := midnight(t.Date); err != nil {
			return err
		}
		if t.Days != nil && *t.Days < 0 {
			return errInvalidArgument("'Days' in Transition action must be nonnegative", "Days", strconv.Itoa(int(*t.Days)))
		}
	}
	return nil
}

func (s *Service) DeleteBucketLifecycle(ctx context.Context, in *s3api.DeleteBucketLifecycleInput) (*s3api.DeleteBucketLifecycleOutput, error) {
	if err := s.setConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutLifecycleConfiguration", cfgLifecycle, nil); err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketLifecycleOutput{}, nil
}

// --- replication

func (s *Service) GetBucketReplication(ctx context.Context, in *s3api.GetBucketReplicationInput) (*s3api.GetBucketReplicationOutput, error) {
	var c s3api.ReplicationConfiguration
	if err := s.requireConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetReplicationConfiguration", cfgReplication, &c); err != nil {
		return nil, err
	}
	return &s3api.GetBucketReplicationOutput{ReplicationConfiguration: &c}, nil
}

func (s *Service) PutBucketReplication(ctx context.Context, in *s3api.PutBucketReplicationInput) (*s3api.PutBucketReplicationOutput, error) {
	// Authorization comes before the body is looked at, as in S3.
	if _, err := s.bucketFor(ctx, in.Bucket, in.ExpectedBucketOwner, "PutReplicationConfiguration"); err != nil {
		return nil, err
	}
	c := in.ReplicationConfiguration
	if c == nil || len(c.Rules) == 0 {
		return nil, errMalformedXML()
	}
	err := s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		if b.Versioning != "Enabled" {
			return errInvalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication configuration")
		}
		return b.setConfig(cfgReplication, *c)
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketReplicationOutput{}, nil
}

func (s *Service) DeleteBucketReplication(ctx context.Context, in *s3api.DeleteBucketReplicationInput) (*s3api.DeleteBucketReplicationOutput, error) {
	if err := s.setConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutReplicationConfiguration", cfgReplication, nil); err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketReplicationOutput{}, nil
}

// --- object lock configuration

func (s *Service) GetObjectLockConfiguration(ctx context.Context, in *s3api.GetObjectLockConfigurationInput) (*s3api.GetObjectLockConfigurationOutput, error) {
	var c s3api.ObjectLockConfiguration
	if err := s.requireConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketObjectLockConfiguration", cfgObjectLock, &c); err != nil {
		return nil, err
	}
	return &s3api.GetObjectLockConfigurationOutput{ObjectLockConfiguration: &c}, nil
}

func (s *Service) PutObjectLockConfiguration(ctx context.Context, in *s3api.PutObjectLockConfigurationInput) (*s3api.PutObjectLockConfigurationOutput, error) {
	// Authorization comes before the body is looked at, as in S3.
	if _, err := s.bucketFor(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketObjectLockConfiguration"); err != nil {
		return nil, err
	}
	c := in.ObjectLockConfiguration
	if c == nil || c.ObjectLockEnabled == nil || *c.ObjectLockEnabled != s3api.ObjectLockEnabledEnabled {
		return nil, errMalformedXML()
	}
	if r := c.Rule; r != nil && r.DefaultRetention != nil {
		d := r.DefaultRetention
		if d.Mode == nil || (d.Days == nil) == (d.Years == nil) {
			return nil, errMalformedXML()
		}
		if d.Days != nil && *d.Days <= 0 || d.Years != nil && *d.Years <= 0 {
			return nil, errInvalidArgument("Default retention period must be a positive integer value", "DefaultRetention", "")
		}
	}
	err := s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		// Object Lock can be enabled on an existing bucket once versioning
		// is on (S3 User Guide, "Configuring S3 Object Lock").
		if !b.ObjectLock && b.Versioning != "Enabled" {
			return errInvalidBucketState("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
		}
		b.ObjectLock = true
		return b.setConfig(cfgObjectLock, *c)
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectLockConfigurationOutput{}, nil
}

// --- logging, notifications, accelerate, request payment: stored and
// returned; doppel delivers no logs or events.

func (s *Service) GetBucketLogging(ctx context.Context, in *s3api.GetBucketLoggingInput) (*s3api.GetBucketLoggingOutput, error) {
	var c s3api.BucketLoggingStatus
	if _, _, err := s.getConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketLogging", cfgLogging, &c); err != nil {
		return nil, err
	}
	return &s3api.GetBucketLoggingOutput{LoggingEnabled: c.LoggingEnabled}, nil
}

func (s *Service) PutBucketLogging(ctx context.Context, in *s3api.PutBucketLoggingInput) (*s3api.PutBucketLoggingOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketLogging", cfgLogging, func() (any, error) {
		c := in.BucketLoggingStatus
		if c == nil {
			return nil, errMalformedXML()
		}
		if le := c.LoggingEnabled; le != nil {
			if le.TargetBucket == "" {
				return nil, errMalformedXML()
			}
			if _, err := s.loadBucket(ctx, le.TargetBucket); err != nil {
				return nil, awserr.New(http.StatusBadRequest, "InvalidTargetBucketForLogging", "The target bucket for logging does not exist").With("TargetBucket", le.TargetBucket)
			}
		}
		var v any = *c
		if c.LoggingEnabled == nil {
			v = nil
		}
		return v, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketLoggingOutput{}, nil
}

func (s *Service) GetBucketNotificationConfiguration(ctx context.Context, in *s3api.GetBucketNotificationConfigurationInput) (*s3api.GetBucketNotificationConfigurationOutput, error) {
	var c s3api.NotificationConfiguration
	if _, _, err := s.getConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketNotification", cfgNotification, &c); err != nil {
		return nil, err
	}
	return &s3api.GetBucketNotificationConfigurationOutput{
		TopicConfigurations: c.TopicConfigurations, QueueConfigurations: c.QueueConfigurations,
		LambdaFunctionConfigurations: c.LambdaFunctionConfigurations, EventBridgeConfiguration: c.EventBridgeConfiguration,
	}, nil
}

func (s *Service) PutBucketNotificationConfiguration(ctx context.Context, in *s3api.PutBucketNotificationConfigurationInput) (*s3api.PutBucketNotificationConfigurationOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketNotification", cfgNotification, func() (any, error) {
		if in.NotificationConfiguration == nil {
			return nil, errMalformedXML()
		}
		return *in.NotificationConfiguration, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketNotificationConfigurationOutput{}, nil
}

func (s *Service) GetBucketAccelerateConfiguration(ctx context.Context, in *s3api.GetBucketAccelerateConfigurationInput) (*s3api.GetBucketAccelerateConfigurationOutput, error) {
	var c s3api.AccelerateConfiguration
	if _, _, err := s.getConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetAccelerateConfiguration", cfgAccelerate, &c); err != nil {
		return nil, err
	}
	return &s3api.GetBucketAccelerateConfigurationOutput{Status: c.Status}, nil
}

func (s *Service) PutBucketAccelerateConfiguration(ctx context.Context, in *s3api.PutBucketAccelerateConfigurationInput) (*s3api.PutBucketAccelerateConfigurationOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutAccelerateConfiguration", cfgAccelerate, func() (any, error) {
		c := in.AccelerateConfiguration
		if c == nil || c.Status == nil || (*c.Status != "Enabled" && *c.Status != "Suspended") {
			return nil, errMalformedXML()
		}
		// Transfer Acceleration needs a DNS-compatible name without dots
		// (S3 error list, InvalidRequest).
		if strings.Contains(in.Bucket, ".") {
			return nil, errInvalidRequest("S3 Transfer Acceleration is not supported for buckets with periods (.) in their names")
		}
		return *c, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketAccelerateConfigurationOutput{}, nil
}

func (s *Service) GetBucketRequestPayment(ctx context.Context, in *s3api.GetBucketRequestPaymentInput) (*s3api.GetBucketRequestPaymentOutput, error) {
	c := s3api.RequestPaymentConfiguration{Payer: s3api.PayerBucketOwner}
	if _, _, err := s.getConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketRequestPayment", cfgRequestPayment, &c); err != nil {
		return nil, err
	}
	return &s3api.GetBucketRequestPaymentOutput{Payer: &c.Payer}, nil
}

func (s *Service) PutBucketRequestPayment(ctx context.Context, in *s3api.PutBucketRequestPaymentInput) (*s3api.PutBucketRequestPaymentOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketRequestPayment", cfgRequestPayment, func() (any, error) {
		c := in.RequestPaymentConfiguration
		if c == nil || (c.Payer != s3api.PayerBucketOwner && c.Payer != s3api.PayerRequester) {
			return nil, errMalformedXML()
		}
		return *c, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketRequestPaymentOutput{}, nil
}

// --- bucket tagging

func (s *Service) GetBucketTagging(ctx context.Context, in *s3api.GetBucketTaggingInput) (*s3api.GetBucketTaggingOutput, error) {
	var c s3api.Tagging
	if err := s.requireConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketTagging", cfgTagging, &c); err != nil {
		return nil, err
	}
	return &s3api.GetBucketTaggingOutput{TagSet: c.TagSet}, nil
}

func (s *Service) PutBucketTagging(ctx context.Context, in *s3api.PutBucketTaggingInput) (*s3api.PutBucketTaggingOutput, error) {
	err := s.putConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketTagging", cfgTagging, func() (any, error) {
		if in.Tagging == nil {
			return nil, errMalformedXML()
		}
		tags := make([]tag, len(in.Tagging.TagSet))
		for i, t := range in.Tagging.TagSet {
			tags[i] = tag{t.Key, t.Value}
		}
		if err := validateTags(tags, true); err != nil {
			return nil, err
		}
		var v any = *in.Tagging
		if len(tags) == 0 {
			v = nil
		}
		return v, nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketTaggingOutput{}, nil
}

func (s *Service) DeleteBucketTagging(ctx context.Context, in *s3api.DeleteBucketTaggingInput) (*s3api.DeleteBucketTaggingOutput, error) {
	if err := s.setConfig(ctx, in.Bucket, in.ExpectedBucketOwner, "PutBucketTagging", cfgTagging, nil); err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketTaggingOutput{}, nil
}

// validateTags applies S3's tag limits (S3 User Guide, "Categorizing your
// storage using tags"): at most 50 tags on a bucket and 10 on an object,
// keys of 1 to 128 and values of up to 256 characters, unique keys, no
// "aws:" prefix.
func validateTags(tags []tag, bucket bool) error {
	max := 10
	if bucket {
		max = 50
	}
	if len(tags) > max {
		if bucket {
			return errInvalidTag("Bucket tag count cannot be greater than 50")
		}
		return errInvalidTag("Object tags cannot be greater than 10")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || len([]rune(t.Key)) > 128 {
			return errInvalidTag("The TagKey you have provided is invalid")
		}
		if len([]rune(t.Value)) > 256 {
			return errInvalidTag("The TagValue you have provided is invalid")
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errInvalidTag("System tags cannot be added/updated by requester")
		}
		if seen[t.Key] {
			return errInvalidTag("Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	return nil
}
