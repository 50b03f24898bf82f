// Package s3 is doppel's S3: buckets owned by accounts, their configurations,
// and objects whose bytes live in internal/blob and whose metadata lives in
// internal/store. Service implements s3api.Handler; every operation is
// authorized through authz.Authorizer before it acts.
//
// State: table s3.buckets holds one record per bucket (owner, region,
// versioning, policy, and each configuration as the JSON of its s3api type);
// s3.objects one record per key with every version, newest first; s3.uploads
// one record per multipart upload with its parts. An object write streams
// the body into a new blob first and commits the version in one store
// transaction after, so readers see the old object or the new one; blobs
// that a version no longer names are deleted after the commit, and New
// sweeps those a crash left behind. Small objects (up to maxInline bytes,
// in buckets without versioning enabled) keep their content in the version
// record instead and need no blob. Version writes go through store.Batch,
// so concurrent writers share a durable store's commit.
//
// Order of checks, as S3's: the bucket must exist (NoSuchBucket to anyone),
// the request must be signed for its region and name the right expected
// owner, then the Authorizer decides (the bucket policy and ACL group grants
// are the resource policy; denials to other accounts and anonymous callers
// say only "Access Denied"), then the operation's own rules apply.
//
// Browsers: the bucket's CORS rules answer preflights and add
// Access-Control-* headers (cors.go); POST Object takes form uploads under
// a SigV4 POST policy (postobject.go), stored as PutObject stores.
//
// Stored but not acted on: lifecycle rules never expire objects, replication
// never copies, notifications and logs are never delivered, SSE-KMS only
// records its headers and SSE-C only its key's MD5 (bytes are stored as
// sent; SSE-C is refused over plain HTTP, as S3 does), storage classes
// never change retrieval; ACL grants to canonical users and email
// addresses are stored and returned but not evaluated.
package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/blob"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/store"
)

// Config is what a Service needs.
type Config struct {
	Store      store.Store
	Blobs      blob.Store
	Authorizer authz.Authorizer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Region is the region of requests that carry none (unsigned ones);
	// us-east-1 when empty.
	Region string
	// KeepOrphanBlobs skips the sweep of unreferenced blobs that New does
	// (see SweepBlobs): for a blob store that other processes write to.
	KeepOrphanBlobs bool
}

// Service implements s3api.Handler.
type Service struct {
	s3api.Unimplemented

	store  store.Store
	blobs  blob.Store
	authz  authz.Authorizer
	now    func() time.Time
	region string

	buckets bucketCache
	// blobGate keeps blobs from being deleted while a read holds it between
	// reading a version and opening its blob (see GetObject).
	blobGate sync.RWMutex
}

var _ s3api.Handler = (*Service)(nil)

// New returns a Service. Store, Blobs and Authorizer are required.
func New(c Config) (*Service, error) {
	if c.Store == nil || c.Blobs == nil || c.Authorizer == nil {
		return nil, errors.New("s3: Config needs Store, Blobs and Authorizer")
	}
	s := &Service{store: c.Store, blobs: c.Blobs, authz: c.Authorizer, now: c.Now, region: c.Region}
	if s.now == nil {
		s.now = time.Now
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	// Nothing is served yet, so every blob a version or part does not name
	// is garbage from a crash.
	if !c.KeepOrphanBlobs {
		if _, err := s.SweepBlobs(context.Background()); err != nil {
			return nil, fmt.Errorf("s3: sweeping orphan blobs: %w", err)
		}
	}
	return s, nil
}

// caller is who sends the request, from the request's Info.
func caller(ctx context.Context) *identity.Principal {
	if info := request.From(ctx); info != nil && info.Principal != nil {
		return info.Principal
	}
	return &identity.Principal{Kind: identity.Anonymous}
}

func (s *Service) requestRegion(ctx context.Context) string {
	if info := request.From(ctx); info != nil && info.Region != "" {
		return info.Region
	}
	return s.region
}

// clock returns the request's time when the gateway set one, so that one
// request sees one instant; the Service's clock otherwise.
func (s *Service) clock(ctx context.Context) time.Time {
	if info := request.From(ctx); info != nil && !info.Time.IsZero() {
		return info.Time.UTC()
	}
	return s.now().UTC()
}

// canonicalID is the 64-hex-digit canonical user ID S3 shows for an
// account in Owner elements and ACLs. AWS derives it by means it does not
// publish; doppel derives it from the account ID so it is stable.
func canonicalID(account string) string {
	sum := sha256.Sum256([]byte("doppel canonical user " + account))
	return hex.EncodeToString(sum[:])
}

func owner(account string) *s3api.Owner {
	id := canonicalID(account)
	return &s3api.Owner{ID: &id}
}

func bucketARN(bucket string) string { return "arn:aws:s3:::" + bucket }

func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// checkExpectedOwner answers x-amz-expected-bucket-owner: a mismatch is
// refused as AccessDenied (S3 User Guide, "Verifying bucket ownership with
// bucket owner condition").
func checkExpectedOwner(b *bucketRecord, expected *string) error {
	if expected != nil && *expected != "" && *expected != b.Owner {
		return errAccessDeniedPlain()
	}
	return nil
}

// admit refuses a request for bucket b that S3 would refuse before
// authorization: one signed for another region than the bucket's, and one
// whose x-amz-expected-bucket-owner names another account.
func (s *Service) admit(ctx context.Context, b *bucketRecord, expectedOwner *string) error {
	if err := checkRegion(ctx, b); err != nil {
		return err
	}
	return checkExpectedOwner(b, expectedOwner)
}

// checkRegion: a request signed for a region other than the bucket's is
// refused with the bucket's region in the error, which SDKs use to retry
// there (S3 API Reference, "Error responses": AuthorizationHeaderMalformed;
// presigned URLs get AuthorizationQueryParametersError). Unsigned requests
// name no region and pass.
func checkRegion(ctx context.Context, b *bucketRecord) error {
	info := request.From(ctx)
	if info != nil && info.SigV2 {
		return checkSigV2Region(b)
	}
	if info == nil || info.Region == "" || info.Region == b.Region || info.Principal == nil || info.Principal.Kind == identity.Anonymous {
		return nil
	}
	return awserr.Newf(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region '%s' is wrong; expecting '%s'", info.Region, b.Region).With("Region", b.Region)
}

// sigV2Regions are the regions that still take Signature Version 2: those
// launched before January 30, 2014 (S3 API Reference, "Signature Version 2
// (deprecated)"); buckets anywhere else answer a SigV2 request with
// InvalidRequest.
var sigV2Regions = map[string]bool{"us-east-1": true, "us-west-1": true, "us-west-2": true, "eu-west-1": true,
	"ap-southeast-1": true, "ap-southeast-2": true, "ap-northeast-1": true, "sa-east-1": true}

func checkSigV2Region(b *bucketRecord) error {
	if sigV2Regions[b.Region] {
		return nil
	}
	return awserr.New(http.StatusBadRequest, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
}

// view runs fn in a read transaction.
func (s *Service) view(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.store.View(ctx, fn)
}

// update runs fn in a write transaction.
func (s *Service) update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.store.Update(ctx, fn)
}

// loadBucket reads a bucket in its own transaction. The record is shared:
// read it, never modify it.
func (s *Service) loadBucket(ctx context.Context, name string) (*bucketRecord, error) {
	var b *bucketRecord
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		b, err = s.buckets.get(tx, name)
		return err
	})
	return b, err
}

// deleteBlobs removes blobs no version refers to any more, after the
// metadata that referred to them is committed. A failure only leaves an
// orphan file, so it is not the client's error. Versions without a blob
// (content kept in the record, delete markers) name "": with nothing else
// to delete, readers are not held up by blobGate.
func (s *Service) deleteBlobs(ctx context.Context, ids []string) {
	if !slices.ContainsFunc(ids, func(id string) bool { return id != "" }) {
		return
	}
	s.blobGate.Lock()
	defer s.blobGate.Unlock()
	for _, id := range ids {
		if id != "" {
			_ = s.blobs.Delete(context.WithoutCancel(ctx), id)
		}
	}
}

// blobLister is a blob store that can enumerate its blobs (blob.Disk).
type blobLister interface {
	IDs(fn func(id string) error) error
}

// SweepBlobs deletes the blobs no object version or multipart part refers
// to: what a crash leaves between storing a blob and committing the
// metadata that names it, or between committing a delete and removing the
// blob. It must run before the Service serves requests (a write in flight
// has a blob its metadata does not name yet). It returns how many blobs it
// deleted; a blob store that cannot list its blobs is left alone.
func (s *Service) SweepBlobs(ctx context.Context) (int, error) {
	l, ok := s.blobs.(blobLister)
	if !ok {
		return 0, nil
	}
	used := map[string]bool{}
	err := s.view(ctx, func(tx store.Tx) error {
		if err := tx.Scan(tableObjects, "", "", func(_ string, raw []byte) (bool, error) {
			o, err := decodeObject(raw, 0)
			if err != nil {
				return false, err
			}
			for _, v := range o.Versions {
				used[v.Blob] = true
			}
			return true, nil
		}); err != nil {
			return err
		}
		return store.ScanJSON(tx, tableUploads, "", "", func(_ string, u upload) (bool, error) {
			for _, p := range u.Parts {
				used[p.Blob] = true
			}
			return true, nil
		})
	})
	if err != nil {
		return 0, err
	}
	var orphans []string
	if err := l.IDs(func(id string) error {
		if !used[id] {
			orphans = append(orphans, id)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for _, id := range orphans {
		if err := s.blobs.Delete(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(orphans), nil
}
