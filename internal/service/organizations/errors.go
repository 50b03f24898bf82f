package organizations

import (
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// AWS's messages for Organizations' errors, as the service sends them (the
// API reference lists the codes per operation; the generated constructors
// carry code and status).

func notInUse() *awserr.Error {
	return organizationsapi.ErrAWSOrganizationsNotInUseException("Your account is not a member of an organization.")
}

func notManagement() *awserr.Error {
	return organizationsapi.ErrAccessDeniedException("You don't have permissions to access this resource.")
}

func parentNotFound() *awserr.Error {
	return organizationsapi.ErrParentNotFoundException("We can't find a root or OU with the ParentId that you specified.")
}

func ouNotFound() *awserr.Error {
	return organizationsapi.ErrOrganizationalUnitNotFoundException("We can't find an OU with the OrganizationalUnitId that you specified.")
}

func accountNotFound() *awserr.Error {
	return organizationsapi.ErrAccountNotFoundException("You specified an account that doesn't exist.")
}

func childNotFound() *awserr.Error {
	return organizationsapi.ErrChildNotFoundException("We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
}

func rootNotFound() *awserr.Error {
	return organizationsapi.ErrRootNotFoundException("We can't find a root with the RootId that you specified.")
}

func policyNotFound() *awserr.Error {
	return organizationsapi.ErrPolicyNotFoundException("We can't find a policy with the PolicyId that you specified.")
}

func targetNotFound() *awserr.Error {
	return organizationsapi.ErrTargetNotFoundException("We can't find a root, OU, account, or policy with the TargetId that you specified.")
}

func policyTypeNotEnabled() *awserr.Error {
	return organizationsapi.ErrPolicyTypeNotEnabledException("This operation can be performed only for enabled policy types.")
}

// constraint is ConstraintViolationException with its Reason field.
func constraint(reason, msg string) *awserr.Error {
	return organizationsapi.ErrConstraintViolationException(msg).With("Reason", reason)
}

// invalidInput is InvalidInputException with its Reason field.
func invalidInput(reason, msg string) *awserr.Error {
	return organizationsapi.ErrInvalidInputException(msg).With("Reason", reason)
}

func badToken() *awserr.Error {
	return invalidInput("INVALID_NEXT_TOKEN", "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.")
}
