// Package api describes AWS services for the gateway and the codecs: each
// generated subpackage (iamapi, stsapi, s3api, s3controlapi, organizationsapi) exports a
// *Service whose Operations dispatch to that package's Handler without
// reflection on method names.
package api

import (
	"context"
	"net/http"

	"github.com/doppel-aws/doppel/internal/awserr"
)

//go:generate go run ./gen -model iam/2010-05-08 -pkg iamapi
//go:generate go run ./gen -model sts/2011-06-15 -pkg stsapi
//go:generate go run ./gen -model s3/2006-03-01 -pkg s3api
//go:generate go run ./gen -model organizations/2016-11-28 -pkg organizationsapi
//go:generate go run ./gen -model s3control/2018-08-20 -pkg s3controlapi -ops ListTagsForResource,TagResource,UntagResource,GetPublicAccessBlock,PutPublicAccessBlock,DeletePublicAccessBlock

// Wire protocols, as the models name them.
const (
	ProtocolQuery   = "query"
	ProtocolRestXML = "rest-xml"
	ProtocolJSON    = "json"
)

// Service is one AWS service as its model describes it.
type Service struct {
	Name           string // SigV4 signing name: iam, sts, s3, organizations
	EndpointPrefix string
	Protocol       string // ProtocolQuery, ProtocolRestXML or ProtocolJSON
	APIVersion     string // e.g. 2010-05-08
	XMLNamespace   string // query responses' xmlns
	TargetPrefix   string // json: X-Amz-Target is TargetPrefix + "." + operation
	JSONVersion    string // json: Content-Type application/x-amz-json-<JSONVersion>
	Operations     []*Operation
	Errors         []ErrorInfo // every error shape of the model
	// TimePrecision is how XML responses write timestamps: IAM and STS
	// send whole seconds (2024-01-02T03:04:05Z), S3 milliseconds
	// (2009-10-12T17:50:30.000Z, as in its API Reference examples).
	TimePrecision TimePrecision

	byName map[string]*Operation
}

// TimePrecision selects how XML bodies write ISO 8601 timestamps.
type TimePrecision uint8

// Timestamp precisions.
const (
	TimeAsIs    TimePrecision = iota // fractional seconds only when present
	TimeSeconds                      // truncated to whole seconds
	TimeMillis                       // always three fractional digits
)

// Operation is one operation of a Service.
type Operation struct {
	Name             string
	Method           string // HTTP method
	RequestURI       string // e.g. "/{Bucket}/{Key+}?tagging"
	ResponseCode     int    // success status when not 200 (S3's 204s)
	ResultWrapper    string // query: the <OpResult> element; empty when the output is empty
	ChecksumRequired bool   // S3: Content-MD5 or a flexible checksum is required
	Deprecated       bool   // superseded (S3's GetBucketLifecycle...); routers prefer the successor
	Errors           []string

	// NewInput returns a pointer to a zero input struct (e.g. *iamapi.CreateUserInput).
	NewInput func() any
	// NewOutput returns a pointer to a zero output struct.
	NewOutput func() any
	// Invoke calls the operation's method on h, which must implement the
	// generated package's Handler. A nil output means an empty one.
	Invoke func(ctx context.Context, h any, in any) (any, error)

	Service *Service
}

// ErrorInfo is one modelled error: its code, HTTP status and fault.
type ErrorInfo struct {
	Shape  string
	Code   string
	Status int
	Sender bool
}

// New returns the error with message msg.
func (e ErrorInfo) New(msg string) *awserr.Error {
	return &awserr.Error{Code: e.Code, Message: msg, Status: e.Status, Server: !e.Sender}
}

// NewService indexes s and returns it; generated packages call it once.
func NewService(s Service) *Service {
	svc := &s
	svc.byName = make(map[string]*Operation, len(svc.Operations))
	for _, op := range svc.Operations {
		op.Service = svc
		svc.byName[op.Name] = op
	}
	return svc
}

// Operation returns the named operation, or nil.
func (s *Service) Operation(name string) *Operation { return s.byName[name] }

// NotImplemented is the error an operation doppel does not implement returns,
// as the protocol's server would for an operation it does not know.
func NotImplemented(protocol, apiVersion, op string) *awserr.Error {
	switch protocol {
	case ProtocolRestXML:
		return awserr.New(http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented")
	case ProtocolJSON:
		return awserr.New(http.StatusBadRequest, "UnknownOperationException", "")
	default:
		return InvalidAction(op, apiVersion)
	}
}

// InvalidAction is the query protocol's answer to an unknown Action.
func InvalidAction(op, apiVersion string) *awserr.Error {
	return awserr.Newf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", op, apiVersion)
}
