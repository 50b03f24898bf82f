package s3

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/api/s3controlapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// Control is S3 Control (the s3control API, host ACCOUNT.s3-control.REGION),
// for what S3 Control does to S3's own buckets and accounts: the tags of
// general purpose buckets, which Terraform's AWS provider reads and writes
// through ListTagsForResource, TagResource and UntagResource since 6.23,
// and the account's Block Public Access. A bucket
// has one tag set, shared with GetBucketTagging and PutBucketTagging (S3
// User Guide, "Using tags with S3 general purpose buckets").
type Control struct {
	s3controlapi.Unimplemented
	s *Service
}

var _ s3controlapi.Handler = (*Control)(nil)

// Control returns the S3 Control handler over s's buckets.
func (s *Service) Control() *Control { return &Control{s: s} }

// maxBucketTags is S3's limit on a bucket's tags.
const maxBucketTags = 50

// controlBucket finds the general purpose bucket an S3 Control request
// names, and checks the request's x-amz-account-id: it must name the
// caller's account or the bucket owner's (API Reference, TagResource,
// "x-amz-account-id": "the account ID that created the S3 resource ... or
// the requester's account ID"). Others are refused as S3 refuses an
// expected-owner mismatch.
func (c *Control) controlBucket(ctx context.Context, resourceARN string, accountID *string) (*bucketRecord, error) {
	if err := checkAccountHeader(ctx, accountID); err != nil {
		return nil, err
	}
	name, ok := strings.CutPrefix(resourceARN, "arn:aws:s3:::")
	if !ok || name == "" || strings.Contains(name, "/") {
		// Access points, Storage Lens groups and the rest: doppel has none.
		return nil, awserr.New(http.StatusBadRequest, "InvalidRequest", "The specified resource ARN is not valid or not supported: "+resourceARN)
	}
	b, err := c.s.loadBucket(ctx, name)
	if err != nil {
		return nil, err
	}
	account := api.ToString(accountID)
	if account != caller(ctx).Account && account != b.Owner {
		return nil, errAccessDeniedPlain()
	}
	return b, nil
}

func (c *Control) ListTagsForResource(ctx context.Context, in *s3controlapi.ListTagsForResourceInput) (*s3controlapi.ListTagsForResourceOutput, error) {
	b, err := c.controlBucket(ctx, in.ResourceArn, in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := c.s.authorize(ctx, b, bucketCheck("ListTagsForResource", b.Name)); err != nil {
		return nil, err
	}
	var t s3api.Tagging
	if _, err := b.config(cfgTagging, &t); err != nil {
		return nil, err
	}
	out := &s3controlapi.ListTagsForResourceOutput{Tags: make([]s3controlapi.Tag, len(t.TagSet))}
	for i, tag := range t.TagSet {
		out.Tags[i] = s3controlapi.Tag{Key: tag.Key, Value: tag.Value}
	}
	return out, nil
}

// TagResource adds tags to the bucket's tag set, replacing the values of
// keys it has already.
func (c *Control) TagResource(ctx context.Context, in *s3controlapi.TagResourceInput) (*s3controlapi.TagResourceOutput, error) {
	b, err := c.controlBucket(ctx, in.ResourceArn, in.AccountId)
	if err != nil {
		return nil, err
	}
	check := bucketCheck("TagResource", b.Name)
	tags := make([]tag, len(in.Tags))
	for i, t := range in.Tags {
		tags[i] = tag{t.Key, t.Value}
		check = check.with("aws:RequestTag/"+t.Key, t.Value).with("aws:TagKeys", t.Key)
	}
	if err := c.s.authorize(ctx, b, check); err != nil {
		return nil, err
	}
	if err := validateTags(tags, true); err != nil {
		return nil, err
	}
	err = c.s.updateBucket(ctx, b.Name, func(b *bucketRecord) error {
		var t s3api.Tagging
		if _, err := b.config(cfgTagging, &t); err != nil {
			return err
		}
		for _, n := range tags {
			i := 0
			for i < len(t.TagSet) && t.TagSet[i].Key != n.Key {
				i++
			}
			if i == len(t.TagSet) {
				t.TagSet = append(t.TagSet, s3api.Tag{Key: n.Key})
			}
			t.TagSet[i].Value = n.Value
		}
		if len(t.TagSet) > maxBucketTags {
			return s3controlapi.ErrTooManyTagsException("The number of tags exceeds the limit of 50 tags.")
		}
		return b.setConfig(cfgTagging, t)
	})
	if err != nil {
		return nil, err
	}
	return &s3controlapi.TagResourceOutput{}, nil
}

// UntagResource removes the named keys from the bucket's tag set; keys it
// does not have are no error.
func (c *Control) UntagResource(ctx context.Context, in *s3controlapi.UntagResourceInput) (*s3controlapi.UntagResourceOutput, error) {
	b, err := c.controlBucket(ctx, in.ResourceArn, in.AccountId)
	if err != nil {
		return nil, err
	}
	check := bucketCheck("UntagResource", b.Name)
	for _, k := range in.TagKeys {
		check = check.with("aws:TagKeys", k)
	}
	if err := c.s.authorize(ctx, b, check); err != nil {
		return nil, err
	}
	err = c.s.updateBucket(ctx, b.Name, func(b *bucketRecord) error {
		var t s3api.Tagging
		ok, err := b.config(cfgTagging, &t)
		if err != nil || !ok {
			return err
		}
		kept := t.TagSet[:0]
		for _, tag := range t.TagSet {
			if !slices.Contains(in.TagKeys, tag.Key) {
				kept = append(kept, tag)
			}
		}
		if len(kept) == 0 {
			return b.setConfig(cfgTagging, nil)
		}
		t.TagSet = kept
		return b.setConfig(cfgTagging, t)
	})
	if err != nil {
		return nil, err
	}
	return &s3controlapi.UntagResourceOutput{}, nil
}

// checkAccountHeader refuses what S3 Control never serves: an unsigned
// request (it has no anonymous access, whatever a bucket policy says) and
// one without a valid x-amz-account-id, which every operation requires.
func checkAccountHeader(ctx context.Context, accountID *string) error {
	if caller(ctx).Kind == identity.Anonymous {
		return errAccessDeniedPlain()
	}
	if !validAccountID(api.ToString(accountID)) {
		return awserr.New(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-account-id")
	}
	return nil
}

func validAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// controlAccount checks that an account-level S3 Control request names the
// caller's own account: an account's settings are its own business (S3
// answers another account's ID with AccessDenied).
func controlAccount(ctx context.Context, accountID *string) (string, error) {
	if err := checkAccountHeader(ctx, accountID); err != nil {
		return "", err
	}
	p := caller(ctx)
	if api.ToString(accountID) != p.Account {
		return "", errAccessDeniedPlain()
	}
	return p.Account, nil
}

// GetPublicAccessBlock answers the account's own Block Public Access
// settings, which apply to every bucket it owns on top of the bucket's.
func (c *Control) GetPublicAccessBlock(ctx context.Context, in *s3controlapi.GetPublicAccessBlockInput) (*s3controlapi.GetPublicAccessBlockOutput, error) {
	account, err := controlAccount(ctx, in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := c.s.authorizeAccount(ctx, "s3:GetAccountPublicAccessBlock", "*", nil); err != nil {
		return nil, err
	}
	var a accountRecord
	err = c.s.view(ctx, func(tx store.Tx) error {
		raw, err := getAccountRaw(tx, account)
		if err != nil || raw == nil {
			return err
		}
		return json.Unmarshal(raw, &a)
	})
	if err != nil {
		return nil, err
	}
	if a.PublicAccessBlock == nil {
		return nil, s3controlapi.ErrNoSuchPublicAccessBlockConfiguration("The public access block configuration was not found").With("AccountId", account)
	}
	pab := a.PublicAccessBlock
	return &s3controlapi.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &s3controlapi.PublicAccessBlockConfiguration{
		BlockPublicAcls: pab.BlockPublicAcls, IgnorePublicAcls: pab.IgnorePublicAcls,
		BlockPublicPolicy: pab.BlockPublicPolicy, RestrictPublicBuckets: pab.RestrictPublicBuckets,
	}}, nil
}

func (c *Control) PutPublicAccessBlock(ctx context.Context, in *s3controlapi.PutPublicAccessBlockInput) (*s3controlapi.PutPublicAccessBlockOutput, error) {
	account, err := controlAccount(ctx, in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := c.s.authorizeAccount(ctx, "s3:PutAccountPublicAccessBlock", "*", nil); err != nil {
		return nil, err
	}
	cfg := in.PublicAccessBlockConfiguration
	if cfg == nil {
		return nil, errMalformedXML()
	}
	// As for a bucket, all four settings are stored, false where left out.
	pab := &s3api.PublicAccessBlockConfiguration{
		BlockPublicAcls:       api.Bool(on(cfg.BlockPublicAcls)),
		IgnorePublicAcls:      api.Bool(on(cfg.IgnorePublicAcls)),
		BlockPublicPolicy:     api.Bool(on(cfg.BlockPublicPolicy)),
		RestrictPublicBuckets: api.Bool(on(cfg.RestrictPublicBuckets)),
	}
	if err := c.s.putAccount(ctx, account, func(a *accountRecord) { a.PublicAccessBlock = pab }); err != nil {
		return nil, err
	}
	return &s3controlapi.PutPublicAccessBlockOutput{}, nil
}

// DeletePublicAccessBlock removes the account's settings; deleting none is
// no error.
func (c *Control) DeletePublicAccessBlock(ctx context.Context, in *s3controlapi.DeletePublicAccessBlockInput) (*s3controlapi.DeletePublicAccessBlockOutput, error) {
	account, err := controlAccount(ctx, in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := c.s.authorizeAccount(ctx, "s3:PutAccountPublicAccessBlock", "*", nil); err != nil {
		return nil, err
	}
	if err := c.s.putAccount(ctx, account, func(a *accountRecord) { a.PublicAccessBlock = nil }); err != nil {
		return nil, err
	}
	return &s3controlapi.DeletePublicAccessBlockOutput{}, nil
}

// putAccount applies fn to the account's record in a write transaction; a
// record left empty is deleted.
func (s *Service) putAccount(ctx context.Context, account string, fn func(a *accountRecord)) error {
	return s.update(ctx, func(tx store.Tx) error {
		var a accountRecord
		raw, err := getAccountRaw(tx, account)
		if err != nil {
			return err
		}
		if raw != nil {
			if err := json.Unmarshal(raw, &a); err != nil {
				return err
			}
		}
		fn(&a)
		if a == (accountRecord{}) {
			if raw == nil {
				return nil
			}
			return tx.Delete(tableAccounts, account)
		}
		return store.PutJSON(tx, tableAccounts, account, a)
	})
}
