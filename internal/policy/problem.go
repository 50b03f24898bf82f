package policy

import (
	"errors"
	"strconv"
)

// Problem says why Parse refused a document. Services word it with their own
// API's message (IAM's MalformedPolicyDocument texts are the *awserr.Error's
// Message; S3's MalformedPolicy texts differ), so that no service has to
// read a message to learn what went wrong.
type Problem int

const (
	ProblemSyntax             Problem = iota // an unknown element, or an element of the wrong type
	ProblemJSON                              // not JSON, or data after the document
	ProblemNotObject                         // JSON, but not an object
	ProblemVersion                           // Version is not 2012-10-17 or 2008-10-17
	ProblemNoStatement                       // Statement is missing
	ProblemEmptyStatement                    // Statement is an empty list
	ProblemMissingEffect                     // a statement without Effect
	ProblemEffect                            // Effect is neither Allow nor Deny (Detail: the value)
	ProblemPrincipalForbidden                // Principal in a policy kind that takes none
	ProblemMissingPrincipal                  // no Principal in a resource or trust policy
	ProblemPrincipal                         // an invalid principal (Detail: the value)
	ProblemMissingAction                     // no Action/NotAction
	ProblemAction                            // an invalid action (Detail: the value)
	ProblemMissingResource                   // no Resource/NotResource
	ProblemResourceForbidden                 // Resource in a trust policy
	ProblemResource                          // an invalid resource (Detail: the value)
	ProblemSid                               // a Sid that is not alphanumeric (identity policies)
	ProblemDuplicateSid                      // two statements with one Sid
	ProblemConditionOperator                 // an unknown condition operator (Detail: the operator)
	ProblemConditionKey                      // a condition key without a vendor prefix (Detail: the key)
	ProblemKindRule                          // a rule of the policy kind (RCP: Deny only, ...) (Detail: which)
	ProblemSize                              // the document exceeds MaxSize of its kind
)

// ParseError is the cause carried by the *awserr.Error that Parse returns.
type ParseError struct {
	Problem   Problem
	Detail    string // the offending value, when the problem has one
	Statement int    // the statement's index, or -1 for the whole document
	// Message is IAM's wording of the problem (MalformedPolicyDocument's
	// message, or LimitExceeded's for ProblemSize), for the services that
	// answer as IAM does (IAM, STS) with their modelled errors.
	Message string
}

func (e *ParseError) Error() string {
	s := "policy problem " + strconv.Itoa(int(e.Problem))
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Statement >= 0 {
		s += " (statement " + strconv.Itoa(e.Statement) + ")"
	}
	return s
}

// ProblemOf returns the ParseError of an error from Parse or ParseStored,
// or nil when err is not one.
func ProblemOf(err error) *ParseError {
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}
