// Package awserr holds the one error type doppel returns to clients.
//
// Operations return a plain error; only the gateway turns it into a protocol's
// envelope (query XML, S3 XML, JSON). Anything that is not an *Error becomes
// InternalFailure (500) there, and its text is logged, never sent.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Field is an extra element of an error body, such as S3's BucketName or Key.
// Order is kept because S3 clients and golden files see it.
type Field struct {
	Name  string
	Value string
}

// Error is an AWS error as a client sees it.
type Error struct {
	Code    string // e.g. "AccessDenied"
	Message string
	Status  int  // HTTP status
	Server  bool // true for a receiver (server) fault; false for a sender fault
	Fields  []Field
	// Headers are extra response headers, for protocols that answer errors
	// with them (S3's x-amz-delete-marker on a delete marker's 404).
	Headers []Field
	Cause   error // never sent to the client
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s (cause: %v)", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Is matches another *Error with the same code, so errors.Is(err, someErr) works
// for sentinel errors.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// New returns a sender-fault error.
func New(status int, code, message string) *Error {
	return &Error{Code: code, Message: message, Status: status}
}

// Newf is New with a formatted message.
func Newf(status int, code, format string, args ...any) *Error {
	return New(status, code, fmt.Sprintf(format, args...))
}

// With returns a copy of e carrying one more body field.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Fields = append(append([]Field(nil), e.Fields...), Field{name, value})
	return &c
}

// WithHeader returns a copy of e carrying one more response header.
func (e *Error) WithHeader(name, value string) *Error {
	c := *e
	c.Headers = append(append([]Field(nil), e.Headers...), Field{name, value})
	return &c
}

// Wrap returns a copy of e with a cause attached (for logs only).
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// Internal wraps an unexpected error as InternalFailure (500). The cause is
// logged with the request ID and never sent.
func Internal(cause error) *Error {
	return &Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError, Server: true, Cause: cause}
}

// From returns err as an *Error, turning anything else into InternalFailure.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Common errors shared by the query-protocol services (IAM, STS). S3 has its own
// codes and lives in its service package.

// AccessDenied is the generic authorization failure; message is the policy
// engine's explanation in AWS's format.
func AccessDenied(message string) *Error {
	return New(http.StatusForbidden, "AccessDenied", message)
}

// ValidationError is returned for input that breaks a model constraint.
func ValidationError(format string, args ...any) *Error {
	return Newf(http.StatusBadRequest, "ValidationError", format, args...)
}
