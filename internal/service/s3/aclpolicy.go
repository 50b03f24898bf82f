package s3

import (
	"encoding/json"
	"slices"

	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/policy"
)

// ACL grants take part in authorization as resource-based permissions,
// like the bucket policy: doppel turns a bucket's and an object's grants to
// the AllUsers and AuthenticatedUsers groups into policy statements added to
// the bucket policy the Authorizer sees (S3 User Guide, "Mapping of ACL
// permissions and access policy permissions"). ACLs count only when the
// bucket's Object Ownership allows them (not BucketOwnerEnforced), and
// public grants not at all under IgnorePublicAcls. Grants to canonical
// users are kept and returned but not evaluated.

// Actions an ACL permission grants, for buckets and for objects.
var (
	bucketACLActions = map[s3api.Permission][]string{
		s3api.PermissionREAD:     {"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"},
		s3api.PermissionWRITE:    {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"},
		s3api.PermissionREADACP:  {"s3:GetBucketAcl"},
		s3api.PermissionWRITEACP: {"s3:PutBucketAcl"},
	}
	objectACLActions = map[s3api.Permission][]string{
		s3api.PermissionREAD:     {"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent"},
		s3api.PermissionREADACP:  {"s3:GetObjectAcl", "s3:GetObjectVersionAcl"},
		s3api.PermissionWRITEACP: {"s3:PutObjectAcl", "s3:PutObjectVersionAcl"},
	}
)

// aclStatements returns the policy statements equivalent to the public
// grants of one ACL on resource (bucket ARN, or object ARN for objects;
// bucket WRITE grants objects in the bucket).
func aclStatements(grants []s3api.Grant, actions map[s3api.Permission][]string, bucket, resource string) []any {
	var out []any
	for _, g := range grants {
		if g.Grantee == nil || g.Grantee.URI == nil || g.Permission == nil {
			continue
		}
		var perms []s3api.Permission
		if *g.Permission == s3api.PermissionFULLCONTROL {
			perms = []s3api.Permission{s3api.PermissionREAD, s3api.PermissionWRITE, s3api.PermissionREADACP, s3api.PermissionWRITEACP}
		} else {
			perms = []s3api.Permission{*g.Permission}
		}
		for _, perm := range perms {
			acts := actions[perm]
			if len(acts) == 0 {
				continue
			}
			res := resource
			if perm == s3api.PermissionWRITE {
				res = objectARN(bucket, "*")
			}
			st := map[string]any{"Effect": "Allow", "Principal": "*", "Action": acts, "Resource": res}
			switch *g.Grantee.URI {
			case groupAllUsers:
			case groupAuthUsers:
				// Any signed request: anonymous ones carry no principal account.
				st["Condition"] = map[string]any{"Null": map[string]string{"aws:PrincipalAccount": "false"}}
			default:
				continue
			}
			out = append(out, st)
		}
	}
	return out
}

// withACLs returns rp (the bucket policy the caller may use, possibly nil)
// with the bucket's and the object's ACL grants added as statements.
func withACLs(a *bucketSettings, rp *policy.Policy, objectGrants []s3api.Grant, bucket, objectResource string) *policy.Policy {
	if !a.aclsCount {
		return rp
	}
	var objectStmts []any
	if objectResource != "" {
		objectStmts = aclStatements(objectGrants, objectACLActions, bucket, objectResource)
	}
	if len(objectStmts) == 0 {
		// The common case, decided when the record was decoded.
		if rp == nil {
			return a.aclPolicy
		}
		if rp == a.policy {
			return a.withACL
		}
	}
	// a.aclStmts is shared: clip it so that append copies.
	return policy.Merge("bucket policy and ACL", rp, aclPolicy(append(slices.Clip(a.aclStmts), objectStmts...)))
}

// aclPolicy compiles ACL statements (built here, from grants) into the
// resource policy they stand for; nil when there are none.
func aclPolicy(stmts []any) *policy.Policy {
	if len(stmts) == 0 {
		return nil
	}
	doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	if err != nil {
		return nil
	}
	p, err := policy.ParseStored(string(doc), policy.Resource)
	if err != nil {
		return nil // cannot happen: the statements are built above
	}
	p.Name = "ACL"
	return p
}
