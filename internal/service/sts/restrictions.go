package sts

import (
	"net/http"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
)

// CheckCredentialUse returns the error AWS gives when temporary credentials
// call an operation their kind of session may never call, whatever the
// policies say, and nil otherwise (IAM User Guide, "Compare AWS STS
// credentials"; STS API reference, GetSessionToken and GetFederationToken):
//
//   - role sessions cannot call sts:GetFederationToken or sts:GetSessionToken;
//   - GetSessionToken sessions cannot call IAM unless they were obtained with
//     MFA, nor any STS operation but AssumeRole and GetCallerIdentity;
//   - federated-user sessions cannot call IAM, nor any STS operation but
//     GetCallerIdentity.
//
// service is the signing name ("iam", "sts", ...) and operation the API
// operation name. The STS operations call it themselves; the gateway must
// call it for IAM requests (after authentication, before authorization),
// since IAM knows nothing of session kinds.
func CheckCredentialUse(p *identity.Principal, service, operation string) error {
	if p == nil || p.Session == nil {
		return nil
	}
	s := p.Session
	if service == "sts" && (operation == "GetSessionToken" || operation == "GetFederationToken") {
		return sessionCredentialsRefused(operation)
	}
	switch {
	case s.Kind == identity.FederatedUser || s.Kind == identity.User || s.Kind == identity.Root:
		// The session of a federated user, or a GetSessionToken session.
		federated := s.Kind == identity.FederatedUser
		switch service {
		case "iam":
			if federated || !s.MFAAuthenticated {
				// AWS answers as if the token did not exist for IAM.
				return awserr.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid")
			}
		case "sts":
			if operation == "GetCallerIdentity" || (operation == "AssumeRole" && !federated) {
				return nil
			}
			return notAuthorized(p.ARN, "sts:"+operation, "*")
		}
	}
	return nil
}
