// Package request carries what the gateway learned about one request (its ID,
// caller, network facts and time) through a context.Context to the services and
// to authorization.
package request

import (
	"context"
	"net/netip"
	"time"

	"github.com/doppel-aws/doppel/internal/identity"
)

// Info describes one request. The gateway fills it before calling a service.
type Info struct {
	ID        string // x-amzn-RequestId / x-amz-request-id
	Service   string // signing name: iam, sts, s3, organizations
	Operation string // e.g. CreateUser
	Region    string // from the SigV4 credential scope
	Time      time.Time
	Principal *identity.Principal // never nil; Kind Anonymous when unsigned
	SourceIP  netip.Addr          // aws:SourceIp
	Secure    bool                // aws:SecureTransport
	UserAgent string              // aws:UserAgent
	Host      string
	SigV2     bool // S3 request signed with Signature Version 2 (no region in it)
}

type key struct{}

// With returns a context carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request's Info, or nil outside a request.
func From(ctx context.Context) *Info {
	info, _ := ctx.Value(key{}).(*Info)
	return info
}
