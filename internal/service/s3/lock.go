package s3

import (
	"context"
	"net/http"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/store"
)

// Object Lock per object version (S3 User Guide, "Locking objects with
// Object Lock"): retention (GOVERNANCE or COMPLIANCE until a date) and legal
// hold. Both need a bucket with Object Lock enabled.

func errNoObjectLock() error {
	return errInvalidRequest("Bucket is missing Object Lock Configuration")
}

func errNoSuchObjectLockConfiguration(what string) error {
	return awserr.New(http.StatusNotFound, "NoSuchObjectLockConfiguration", "The specified object does not have a "+what+" configuration")
}

// updateVersion applies fn to one version in a write transaction.
func (s *Service) updateVersion(ctx context.Context, bucket, key, id string, fn func(v *version) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		o, err := getObject(tx, bucket, key)
		if err != nil {
			return err
		}
		v := o.find(id)
		if v == nil || v.DeleteMarker {
			return errNoSuchKey(key)
		}
		if err := fn(v); err != nil {
			return err
		}
		return putObject(tx, bucket, key, o)
	})
}

func (s *Service) GetObjectRetention(ctx context.Context, in *s3api.GetObjectRetentionInput) (*s3api.GetObjectRetentionOutput, error) {
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "GetObjectRetention", "GetObjectRetention", "GET")
	if err != nil {
		return nil, err
	}
	if !r.bucket.ObjectLock {
		return nil, errNoObjectLock()
	}
	if r.version.LockMode == "" {
		return nil, errNoSuchObjectLockConfiguration("retention")
	}
	mode := s3api.ObjectLockRetentionMode(r.version.LockMode)
	return &s3api.GetObjectRetentionOutput{Retention: &s3api.ObjectLockRetention{Mode: &mode, RetainUntilDate: r.version.LockUntil}}, nil
}

func (s *Service) PutObjectRetention(ctx context.Context, in *s3api.PutObjectRetentionInput) (*s3api.PutObjectRetentionOutput, error) {
	ret := in.Retention
	if ret == nil || ret.Mode == nil || ret.RetainUntilDate == nil {
		return nil, errMalformedXML()
	}
	mode := string(*ret.Mode)
	if mode != "GOVERNANCE" && mode != "COMPLIANCE" {
		return nil, errMalformedXML()
	}
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "PutObjectRetention", "PutObjectRetention", "PUT")
	if err != nil {
		return nil, err
	}
	if !r.bucket.ObjectLock {
		return nil, errNoObjectLock()
	}
	now := s.clock(ctx)
	if !ret.RetainUntilDate.After(now) {
		return nil, errInvalidArgument("The retain until date must be in the future!", "RetainUntilDate", ret.RetainUntilDate.Format("2006-01-02T15:04:05.000Z"))
	}
	bypass := api.ToBool(in.BypassGovernanceRetention)
	if bypass {
		if err := s.authorize(ctx, r.bucket, objectCheck("BypassGovernanceRetention", in.Bucket, in.Key)); err != nil {
			return nil, err
		}
	}
	err = s.updateVersion(ctx, in.Bucket, in.Key, r.version.ID, func(v *version) error {
		// An active retention may be extended; shortening it or changing
		// its mode needs governance bypass, and COMPLIANCE never yields.
		if v.LockUntil != nil && v.LockUntil.After(now) {
			weaker := ret.RetainUntilDate.Before(*v.LockUntil) || v.LockMode == "COMPLIANCE" && mode == "GOVERNANCE"
			if weaker && (v.LockMode == "COMPLIANCE" || !bypass) {
				return errAccessDeniedPlain()
			}
		}
		v.LockMode, v.LockUntil = mode, ret.RetainUntilDate
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectRetentionOutput{}, nil
}

func (s *Service) GetObjectLegalHold(ctx context.Context, in *s3api.GetObjectLegalHoldInput) (*s3api.GetObjectLegalHoldOutput, error) {
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "GetObjectLegalHold", "GetObjectLegalHold", "GET")
	if err != nil {
		return nil, err
	}
	if !r.bucket.ObjectLock {
		return nil, errNoObjectLock()
	}
	if r.version.LegalHold == "" {
		return nil, errNoSuchObjectLockConfiguration("legal hold")
	}
	st := s3api.ObjectLockLegalHoldStatus(r.version.LegalHold)
	return &s3api.GetObjectLegalHoldOutput{LegalHold: &s3api.ObjectLockLegalHold{Status: &st}}, nil
}

func (s *Service) PutObjectLegalHold(ctx context.Context, in *s3api.PutObjectLegalHoldInput) (*s3api.PutObjectLegalHoldOutput, error) {
	if in.LegalHold == nil || in.LegalHold.Status == nil || (*in.LegalHold.Status != "ON" && *in.LegalHold.Status != "OFF") {
		return nil, errMalformedXML()
	}
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "PutObjectLegalHold", "PutObjectLegalHold", "PUT")
	if err != nil {
		return nil, err
	}
	if !r.bucket.ObjectLock {
		return nil, errNoObjectLock()
	}
	err = s.updateVersion(ctx, in.Bucket, in.Key, r.version.ID, func(v *version) error {
		v.LegalHold = string(*in.LegalHold.Status)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectLegalHoldOutput{}, nil
}

// GetObjectAttributes answers the attributes asked for in
// x-amz-object-attributes.
func (s *Service) GetObjectAttributes(ctx context.Context, in *s3api.GetObjectAttributesInput) (*s3api.GetObjectAttributesOutput, error) {
	if len(in.ObjectAttributes) == 0 {
		return nil, errInvalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", "")
	}
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "GetObjectAttributes", "GetObjectVersionAttributes", "GET")
	if err != nil {
		return nil, err
	}
	v := r.version
	out := &s3api.GetObjectAttributesOutput{LastModified: api.Time(v.LastModified)}
	if r.versioned || v.ID != "null" {
		out.VersionId = api.String(v.ID)
	}
	for _, a := range in.ObjectAttributes {
		switch a {
		case s3api.ObjectAttributesETag:
			out.ETag = api.String(trimQuotes(v.ETag))
		case s3api.ObjectAttributesObjectSize:
			out.ObjectSize = api.Int64(v.Size)
		case s3api.ObjectAttributesStorageClass:
			sc := s3api.StorageClass(v.StorageClass)
			out.StorageClass = &sc
		case s3api.ObjectAttributesChecksum:
			if len(v.Checksums) > 0 {
				out.Checksum = &s3api.Checksum{}
				setChecksums(out.Checksum, v.Checksums, v.ChecksumType)
			}
		case s3api.ObjectAttributesObjectParts:
			if v.PartsCount > 0 {
				out.ObjectParts = objectParts(v, in.MaxParts, in.PartNumberMarker)
			}
		default:
			return nil, errInvalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", string(a))
		}
	}
	return out, nil
}

// objectParts is GetObjectAttributes' ObjectParts: the part count, and the
// parts themselves (number, size, checksum) for an object uploaded with an
// additional checksum, paged by x-amz-max-parts (1,000 by default) and
// x-amz-part-number-marker. Without a checksum S3 lists no Part elements
// (S3 API Reference, GetObjectAttributes, ObjectParts).
func objectParts(v *version, maxParts, marker *int32) *s3api.GetObjectAttributesParts {
	out := &s3api.GetObjectAttributesParts{TotalPartsCount: api.Int32(v.PartsCount)}
	if len(v.PartChecksums) == 0 || len(v.PartChecksums) != len(v.PartSizes) {
		return out
	}
	limit := int32(1000)
	if maxParts != nil && *maxParts >= 0 && *maxParts < limit {
		limit = *maxParts
	}
	after := api.ToInt32(marker)
	out.MaxParts, out.PartNumberMarker, out.IsTruncated = api.Int32(limit), api.Int32(after), api.Bool(false)
	alg := ""
	for a := range v.Checksums {
		alg = a
	}
	for i, size := range v.PartSizes {
		n := int32(i + 1)
		if n <= after {
			continue
		}
		if int32(len(out.Parts)) == limit {
			out.IsTruncated = api.Bool(true)
			break
		}
		p := s3api.ObjectPart{PartNumber: api.Int32(n), Size: api.Int64(size)}
		if alg != "" && v.PartChecksums[i] != "" {
			setOptionalString(&p, "Checksum"+alg, v.PartChecksums[i])
		}
		out.Parts = append(out.Parts, p)
		out.NextPartNumberMarker = api.Int32(n)
	}
	return out
}

func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}
