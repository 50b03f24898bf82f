package s3

import (
	"context"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/store"
)

// ACLs are stored and returned; with Object Ownership BucketOwnerEnforced
// (every new bucket's default) they are disabled and S3 refuses to set them.
// Their group grants take part in authorization (aclpolicy.go).

const (
	groupAllUsers  = "http://acs.amazonaws.com/groups/global/AllUsers"
	groupAuthUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	groupLogs      = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

func ownerGrant(account string) s3api.Grant {
	p := s3api.PermissionFULLCONTROL
	return s3api.Grant{Grantee: &s3api.Grantee{Type: s3api.TypeCanonicalUser, ID: api.String(canonicalID(account))}, Permission: &p}
}

func groupGrant(uri string, perm s3api.Permission) s3api.Grant {
	return s3api.Grant{Grantee: &s3api.Grantee{Type: s3api.TypeGroup, URI: api.String(uri)}, Permission: &perm}
}

// cannedGrants expands a canned ACL (S3 User Guide, "Canned ACL").
func cannedGrants(acl, owner, bucketOwner string) []s3api.Grant {
	g := []s3api.Grant{ownerGrant(owner)}
	switch acl {
	case "public-read":
		g = append(g, groupGrant(groupAllUsers, s3api.PermissionREAD))
	case "public-read-write":
		g = append(g, groupGrant(groupAllUsers, s3api.PermissionREAD), groupGrant(groupAllUsers, s3api.PermissionWRITE))
	case "authenticated-read":
		g = append(g, groupGrant(groupAuthUsers, s3api.PermissionREAD))
	case "log-delivery-write":
		g = append(g, groupGrant(groupLogs, s3api.PermissionWRITE), groupGrant(groupLogs, s3api.PermissionREADACP))
	case "bucket-owner-read":
		if bucketOwner != owner {
			p := s3api.PermissionREAD
			g = append(g, s3api.Grant{Grantee: &s3api.Grantee{Type: s3api.TypeCanonicalUser, ID: api.String(canonicalID(bucketOwner))}, Permission: &p})
		}
	case "bucket-owner-full-control":
		if bucketOwner != owner {
			g = append(g, ownerGrant(bucketOwner))
		}
	}
	return g
}

// grantsArePublic reports whether a grant goes to everyone or to every
// AWS user (S3 User Guide, "The meaning of 'public'": ACLs).
func grantsArePublic(grants []s3api.Grant) bool {
	for _, g := range grants {
		if g.Grantee != nil && g.Grantee.URI != nil && (*g.Grantee.URI == groupAllUsers || *g.Grantee.URI == groupAuthUsers) {
			return true
		}
	}
	return false
}

// aclRequest is a PutBucketAcl or PutObjectAcl request's ACL in whichever
// of its three forms it came.
type aclRequest struct {
	canned string
	policy *s3api.AccessControlPolicy
	grants map[s3api.Permission]*string
}

func (r aclRequest) hasGrantHeaders() bool {
	for _, v := range r.grants {
		if v != nil && *v != "" {
			return true
		}
	}
	return false
}

// resolve returns the grants the request sets.
func (r aclRequest) resolve(owner, bucketOwner string) ([]s3api.Grant, error) {
	forms := 0
	if r.canned != "" {
		forms++
	}
	if r.policy != nil {
		forms++
	}
	if r.hasGrantHeaders() {
		forms++
	}
	if forms != 1 {
		if forms == 0 {
			return nil, errMissingRequestBody()
		}
		return nil, errInvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
	}
	switch {
	case r.canned != "":
		if !validCannedACL(r.canned) {
			return nil, errInvalidArgument("", "x-amz-acl", r.canned)
		}
		return cannedGrants(r.canned, owner, bucketOwner), nil
	case r.policy != nil:
		for _, g := range r.policy.Grants {
			if g.Grantee == nil || g.Permission == nil {
				return nil, errMalformedXML()
			}
		}
		return r.policy.Grants, nil
	}
	var out []s3api.Grant
	for perm, h := range r.grants {
		if h == nil {
			continue
		}
		for _, item := range strings.Split(*h, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
			if !ok {
				return nil, errInvalidArgument("Invalid grant header", "x-amz-grant", *h)
			}
			v = strings.Trim(v, `"`)
			p := perm
			g := s3api.Grant{Permission: &p, Grantee: &s3api.Grantee{}}
			switch strings.ToLower(k) {
			case "id":
				g.Grantee.Type, g.Grantee.ID = s3api.TypeCanonicalUser, api.String(v)
			case "uri":
				g.Grantee.Type, g.Grantee.URI = s3api.TypeGroup, api.String(v)
			case "emailaddress":
				g.Grantee.Type, g.Grantee.EmailAddress = s3api.TypeAmazonCustomerByEmail, api.String(v)
			default:
				return nil, errInvalidArgument("Invalid grantee type", "x-amz-grant", *h)
			}
			out = append(out, g)
		}
	}
	return out, nil
}

func (s *Service) GetBucketAcl(ctx context.Context, in *s3api.GetBucketAclInput) (*s3api.GetBucketAclOutput, error) {
	b, err := s.bucketFor(ctx, in.Bucket, in.ExpectedBucketOwner, "GetBucketAcl")
	if err != nil {
		return nil, err
	}
	var acl s3api.AccessControlPolicy
	if ok, err := b.config(cfgACL, &acl); err != nil {
		return nil, err
	} else if !ok || objectOwnership(b) == s3api.ObjectOwnershipBucketOwnerEnforced {
		acl.Grants = []s3api.Grant{ownerGrant(b.Owner)}
	}
	return &s3api.GetBucketAclOutput{Owner: owner(b.Owner), Grants: acl.Grants}, nil
}

func (s *Service) PutBucketAcl(ctx context.Context, in *s3api.PutBucketAclInput) (*s3api.PutBucketAclOutput, error) {
	r := aclRequest{canned: enumString(in.ACL), policy: in.AccessControlPolicy, grants: map[s3api.Permission]*string{
		s3api.PermissionFULLCONTROL: in.GrantFullControl, s3api.PermissionREAD: in.GrantRead, s3api.PermissionREADACP: in.GrantReadACP,
		s3api.PermissionWRITE: in.GrantWrite, s3api.PermissionWRITEACP: in.GrantWriteACP,
	}}
	err := s.modifyBucketChecked(ctx, in.Bucket, in.ExpectedBucketOwner, bucketCheck("PutBucketAcl", in.Bucket).with("s3:x-amz-acl", r.canned), func(b *bucketRecord) error {
		if objectOwnership(b) == s3api.ObjectOwnershipBucketOwnerEnforced {
			return errAccessControlListNotSupported()
		}
		grants, err := r.resolve(b.Owner, b.Owner)
		if err != nil {
			return err
		}
		if grantsArePublic(grants) && on(publicAccessBlock(b).BlockPublicAcls) {
			return errAccessDeniedPlain()
		}
		return b.setConfig(cfgACL, s3api.AccessControlPolicy{Owner: owner(b.Owner), Grants: grants})
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketAclOutput{}, nil
}

// modifyBucketChecked is modifyBucket with a prepared check.
func (s *Service) modifyBucketChecked(ctx context.Context, bucket string, expectedOwner *string, c check, fn func(b *bucketRecord) error) error {
	b, err := s.loadBucket(ctx, bucket)
	if err != nil {
		return err
	}
	if err := s.admit(ctx, b, expectedOwner); err != nil {
		return err
	}
	if err := s.authorize(ctx, b, c); err != nil {
		return err
	}
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

func (s *Service) GetObjectAcl(ctx context.Context, in *s3api.GetObjectAclInput) (*s3api.GetObjectAclOutput, error) {
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "GetObjectAcl", "GetObjectVersionAcl", "GET")
	if err != nil {
		return nil, err
	}
	grants := r.version.Grants
	if len(grants) == 0 || objectOwnership(r.bucket) == s3api.ObjectOwnershipBucketOwnerEnforced {
		grants = []s3api.Grant{ownerGrant(r.version.Owner)}
	}
	return &s3api.GetObjectAclOutput{Owner: owner(r.version.Owner), Grants: grants}, nil
}

func (s *Service) PutObjectAcl(ctx context.Context, in *s3api.PutObjectAclInput) (*s3api.PutObjectAclOutput, error) {
	req := aclRequest{canned: enumString(in.ACL), policy: in.AccessControlPolicy, grants: map[s3api.Permission]*string{
		s3api.PermissionFULLCONTROL: in.GrantFullControl, s3api.PermissionREAD: in.GrantRead, s3api.PermissionREADACP: in.GrantReadACP,
		s3api.PermissionWRITE: in.GrantWrite, s3api.PermissionWRITEACP: in.GrantWriteACP,
	}}
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "PutObjectAcl", "PutObjectVersionAcl", "PUT")
	if err != nil {
		return nil, err
	}
	b := r.bucket
	if objectOwnership(b) == s3api.ObjectOwnershipBucketOwnerEnforced && req.canned != "bucket-owner-full-control" {
		return nil, errAccessControlListNotSupported()
	}
	grants, err := req.resolve(r.version.Owner, b.Owner)
	if err != nil {
		return nil, err
	}
	if grantsArePublic(grants) && on(publicAccessBlock(b).BlockPublicAcls) {
		return nil, errAccessDeniedPlain()
	}
	target := r.version.ID
	err = s.update(ctx, func(tx store.Tx) error {
		o, err := getObject(tx, in.Bucket, in.Key)
		if err != nil {
			return err
		}
		v := o.find(target)
		if v == nil || v.DeleteMarker {
			return errNoSuchKey(in.Key)
		}
		v.Grants = grants
		return putObject(tx, in.Bucket, in.Key, o)
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectAclOutput{}, nil
}
