package s3

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/store"
)

// CreateBucket creates a bucket owned by the caller's account, with the
// defaults S3 applies to new buckets since April 2023 (S3 User Guide,
// "Default settings for new S3 buckets"): Block Public Access on, Object
// Ownership BucketOwnerEnforced (ACLs disabled) and SSE-S3 encryption.
func (s *Service) CreateBucket(ctx context.Context, in *s3api.CreateBucketInput) (*s3api.CreateBucketOutput, error) {
	if !validBucketName(in.Bucket) {
		return nil, errInvalidBucketName(in.Bucket)
	}
	constraint := ""
	if c := in.CreateBucketConfiguration; c != nil && c.LocationConstraint != nil {
		constraint = string(*c.LocationConstraint)
	}
	endpoint := s.requestRegion(ctx)
	region, err := bucketRegion(endpoint, constraint)
	if err != nil {
		return nil, err
	}
	ownership := s3api.ObjectOwnershipBucketOwnerEnforced
	if in.ObjectOwnership != nil {
		switch *in.ObjectOwnership {
		case s3api.ObjectOwnershipBucketOwnerEnforced, s3api.ObjectOwnershipBucketOwnerPreferred, s3api.ObjectOwnershipObjectWriter:
			ownership = *in.ObjectOwnership
		default:
			return nil, errInvalidArgument("Invalid x-amz-object-ownership header", "x-amz-object-ownership", string(*in.ObjectOwnership))
		}
	}
	acl := ""
	if in.ACL != nil {
		acl = string(*in.ACL)
	}
	if ownership == s3api.ObjectOwnershipBucketOwnerEnforced && (acl != "" && acl != "private" || hasGrantHeaders(in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWrite, in.GrantWriteACP)) {
		return nil, awserr.New(http.StatusBadRequest, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
	}

	// New buckets have Block Public Access on, so a public ACL cannot come
	// with them.
	if ownership != s3api.ObjectOwnershipBucketOwnerEnforced && (isPublicCannedACL(acl) || grantHeadersArePublic(in.GrantRead, in.GrantWrite, in.GrantReadACP, in.GrantWriteACP, in.GrantFullControl)) {
		return nil, awserr.New(http.StatusBadRequest, "InvalidBucketAclWithBlockPublicAccessError", "Bucket cannot have public ACLs set with BlockPublicAccess enabled")
	}
	p := caller(ctx)
	keys := map[string][]string{}
	if constraint != "" {
		keys["s3:locationconstraint"] = []string{constraint}
	}
	if acl != "" {
		keys["s3:x-amz-acl"] = []string{acl}
	}
	if in.ObjectOwnership != nil {
		keys["s3:x-amz-object-ownership"] = []string{string(*in.ObjectOwnership)}
	}
	if err := s.authorizeAccount(ctx, "s3:CreateBucket", bucketARN(in.Bucket), keys); err != nil {
		return nil, err
	}
	// Object Lock at creation also needs the permissions to configure it
	// (S3 API Reference, CreateBucket, "Permissions").
	if api.ToBool(in.ObjectLockEnabledForBucket) {
		for _, a := range []string{"s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"} {
			if err := s.authorizeAccount(ctx, a, bucketARN(in.Bucket), nil); err != nil {
				return nil, err
			}
		}
	}
	if in.ObjectOwnership != nil {
		if err := s.authorizeAccount(ctx, "s3:PutBucketOwnershipControls", bucketARN(in.Bucket), nil); err != nil {
			return nil, err
		}
	}
	// Tags at creation need s3:TagResource too (API Reference, CreateBucket,
	// CreateBucketConfiguration "Tags").
	var tags []tag
	if c := in.CreateBucketConfiguration; c != nil && len(c.Tags) > 0 {
		keys := map[string][]string{}
		for _, t := range c.Tags {
			tags = append(tags, tag{t.Key, t.Value})
			keys["aws:RequestTag/"+t.Key] = []string{t.Value}
			keys["aws:TagKeys"] = append(keys["aws:TagKeys"], t.Key)
		}
		if err := validateTags(tags, true); err != nil {
			return nil, err
		}
		if err := s.authorizeAccount(ctx, "s3:TagResource", bucketARN(in.Bucket), keys); err != nil {
			return nil, err
		}
	}

	now := s.clock(ctx)
	err = s.update(ctx, func(tx store.Tx) error {
		existing, err := getBucket(tx, in.Bucket)
		if err == nil {
			if existing.Owner != p.Account {
				return errBucketAlreadyExists(in.Bucket)
			}
			// Legacy us-east-1 behaviour: re-creating your own bucket
			// there succeeds.
			if existing.Region == "us-east-1" && region == "us-east-1" {
				return errAlreadyMine
			}
			return errBucketAlreadyOwnedByYou(in.Bucket)
		}
		if !isNoSuchBucket(err) {
			return err
		}
		b := &bucketRecord{Name: in.Bucket, Owner: p.Account, Region: region, Created: now}
		t := true
		if err := b.setConfig(cfgPublicAccess, s3api.PublicAccessBlockConfiguration{BlockPublicAcls: &t, IgnorePublicAcls: &t, BlockPublicPolicy: &t, RestrictPublicBuckets: &t}); err != nil {
			return err
		}
		if err := b.setConfig(cfgOwnership, s3api.OwnershipControls{Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: ownership}}}); err != nil {
			return err
		}
		if acl != "" && ownership != s3api.ObjectOwnershipBucketOwnerEnforced {
			if err := b.setConfig(cfgACL, s3api.AccessControlPolicy{Owner: owner(b.Owner), Grants: cannedGrants(acl, b.Owner, b.Owner)}); err != nil {
				return err
			}
		}
		if len(tags) > 0 {
			if err := b.setConfig(cfgTagging, s3api.Tagging{TagSet: in.CreateBucketConfiguration.Tags}); err != nil {
				return err
			}
		}
		if api.ToBool(in.ObjectLockEnabledForBucket) {
			b.ObjectLock = true
			b.Versioning = string(s3api.BucketVersioningStatusEnabled)
			enabled := s3api.ObjectLockEnabledEnabled
			if err := b.setConfig(cfgObjectLock, s3api.ObjectLockConfiguration{ObjectLockEnabled: &enabled}); err != nil {
				return err
			}
		}
		return putBucket(tx, b)
	})
	if err != nil && !errors.Is(err, errAlreadyMine) {
		return nil, err
	}
	return &s3api.CreateBucketOutput{Location: api.String("/" + in.Bucket)}, nil
}

// errAlreadyMine ends CreateBucket's transaction without a change when the
// caller re-creates its own us-east-1 bucket.
var errAlreadyMine = errors.New("s3: bucket already owned, us-east-1")

func isNoSuchBucket(err error) bool {
	var e *awserr.Error
	return errors.As(err, &e) && e.Code == "NoSuchBucket"
}

// grantHeadersArePublic reports whether x-amz-grant-* headers name the
// AllUsers or AuthenticatedUsers group.
func grantHeadersArePublic(grants ...*string) bool {
	for _, g := range grants {
		if g != nil && (strings.Contains(*g, groupAllUsers) || strings.Contains(*g, groupAuthUsers)) {
			return true
		}
	}
	return false
}

func hasGrantHeaders(grants ...*string) bool {
	for _, g := range grants {
		if g != nil && *g != "" {
			return true
		}
	}
	return false
}

// DeleteBucket deletes an empty bucket. Versions and delete markers count
// as content; multipart uploads in progress are aborted with the bucket.
func (s *Service) DeleteBucket(ctx context.Context, in *s3api.DeleteBucketInput) (*s3api.DeleteBucketOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, in.ExpectedBucketOwner); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, b, bucketCheck("DeleteBucket", b.Name)); err != nil {
		return nil, err
	}
	var garbage []string
	err = s.update(ctx, func(tx store.Tx) error {
		if _, err := getBucket(tx, in.Bucket); err != nil {
			return err
		}
		empty := true
		if err := tx.Scan(tableObjects, in.Bucket+"/", "", func(string, []byte) (bool, error) {
			empty = false
			return false, nil
		}); err != nil {
			return err
		}
		if !empty {
			return errBucketNotEmpty(in.Bucket)
		}
		var keys []string
		if err := store.ScanJSON(tx, tableUploads, in.Bucket+"/", "", func(k string, u upload) (bool, error) {
			keys = append(keys, k)
			for _, p := range u.Parts {
				garbage = append(garbage, p.Blob)
			}
			return true, nil
		}); err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Delete(tableUploads, k); err != nil {
				return err
			}
		}
		return tx.Delete(tableBuckets, in.Bucket)
	})
	if err != nil {
		return nil, err
	}
	s.deleteBlobs(ctx, garbage)
	return &s3api.DeleteBucketOutput{}, nil
}

// HeadBucket needs s3:ListBucket (S3 API Reference, HeadBucket).
func (s *Service) HeadBucket(ctx context.Context, in *s3api.HeadBucketInput) (*s3api.HeadBucketOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	// HeadBucket answers from any region: clients use it to find a
	// bucket's region (x-amz-bucket-region). S3 itself answers a wrong
	// region with a 301 carrying that header; doppel's errors carry no
	// headers, so it answers 200.
	if err := checkExpectedOwner(b, in.ExpectedBucketOwner); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, b, bucketCheck("ListBucket", b.Name)); err != nil {
		return nil, err
	}
	return &s3api.HeadBucketOutput{BucketRegion: api.String(b.Region)}, nil
}

// ListBuckets lists the caller's account's buckets, by name.
func (s *Service) ListBuckets(ctx context.Context, in *s3api.ListBucketsInput) (*s3api.ListBucketsOutput, error) {
	if err := s.authorizeAccount(ctx, "s3:ListAllMyBuckets", "*", nil); err != nil {
		return nil, err
	}
	// Pagination (S3 API Reference, ListBuckets): names in order, at most
	// max-buckets of them (10,000 when only prefix, continuation-token or
	// bucket-region is given), a ContinuationToken when more remain, and
	// each bucket's region once any of these parameters is sent.
	paged := in.MaxBuckets != nil || in.ContinuationToken != nil || in.Prefix != nil || in.BucketRegion != nil
	limit := 10000
	if in.MaxBuckets != nil {
		limit = int(*in.MaxBuckets)
	}
	prefix, region := api.ToString(in.Prefix), api.ToString(in.BucketRegion)
	after := ""
	if t := api.ToString(in.ContinuationToken); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil || len(raw) == 0 {
			return nil, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", t)
		}
		after = string(raw)
	}
	p := caller(ctx)
	out := &s3api.ListBucketsOutput{Owner: owner(p.Account), Buckets: []s3api.Bucket{}, Prefix: in.Prefix}
	err := s.view(ctx, func(tx store.Tx) error {
		return store.ScanJSON(tx, tableBuckets, "", "", func(_ string, b bucketRecord) (bool, error) {
			if b.Owner != p.Account || !strings.HasPrefix(b.Name, prefix) || b.Name <= after || (region != "" && b.Region != region) {
				return true, nil
			}
			if len(out.Buckets) == limit {
				last := *out.Buckets[len(out.Buckets)-1].Name
				out.ContinuationToken = api.String(base64.RawURLEncoding.EncodeToString([]byte(last)))
				return false, nil
			}
			bk := s3api.Bucket{Name: api.String(b.Name), CreationDate: api.Time(b.Created)}
			if paged {
				bk.BucketRegion = api.String(b.Region)
			}
			out.Buckets = append(out.Buckets, bk)
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetBucketLocation answers an empty LocationConstraint for us-east-1, as
// S3 does.
func (s *Service) GetBucketLocation(ctx context.Context, in *s3api.GetBucketLocationInput) (*s3api.GetBucketLocationOutput, error) {
	b, err := s.bucketFor(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketLocation")
	if err != nil {
		return nil, err
	}
	out := &s3api.GetBucketLocationOutput{}
	if b.Region != "us-east-1" {
		c := s3api.BucketLocationConstraint(b.Region)
		out.LocationConstraint = &c
	}
	return out, nil
}

// bucketFor loads a bucket, checks the expected owner and authorizes one
// bucket-level action.
func (s *Service) bucketFor(ctx context.Context, bucket string, expectedOwner *string, action string) (*bucketRecord, error) {
	b, err := s.loadBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	// GetBucketLocation is how clients learn the region, so any region
	// may ask.
	if action == "GetBucketLocation" {
		err = checkExpectedOwner(b, expectedOwner)
	} else {
		err = s.admit(ctx, b, expectedOwner)
	}
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, b, bucketCheck(action, b.Name)); err != nil {
		return nil, err
	}
	return b, nil
}

// modifyBucket authorizes action and then applies fn to the bucket record
// in a write transaction.
func (s *Service) modifyBucket(ctx context.Context, bucket string, expectedOwner *string, action string, fn func(b *bucketRecord) error) error {
	if _, err := s.bucketFor(ctx, bucket, expectedOwner, action); err != nil {
		return err
	}
	return s.updateBucket(ctx, bucket, fn)
}

// updateBucket applies fn to the bucket record in a write transaction,
// for callers that authorized already.
func (s *Service) updateBucket(ctx context.Context, bucket string, fn func(b *bucketRecord) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		return putBucket(tx, b)
	})
}
