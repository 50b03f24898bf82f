package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/gateway"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/request"
)

// orgAccessDuration is how long the credentials of serveOrgAccess last,
// AssumeRole's default.
const orgAccessDuration = time.Hour

// serveOrgAccess answers GET /_doppel/organizations/access?account=NAME
// with temporary credentials of a member account's access role
// (OrganizationAccountAccessRole unless CreateAccount named another), in
// the AWS CLI's credential_process format, for `doppel env NAME`: accounts
// that Organizations created have a root user without keys. Only the root
// user of the organization's management account may ask, signed for sts.
// AWS lets no root user assume a role; this stands in for the IAM user or
// SSO session one would use, and the role's trust policy must still allow
// the management account, with the member account's RCPs.
func (s *Server) serveOrgAccess(now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			gateway.WriteQueryError(w, awserr.New(http.StatusMethodNotAllowed, "InvalidAction", "Use GET."))
			return
		}
		p, err := s.Gateway.Authenticate(r, "sts")
		if err != nil {
			gateway.WriteQueryError(w, awserr.From(err))
			return
		}
		if p.Kind != identity.Root {
			gateway.WriteQueryError(w, awserr.AccessDenied("Only the root user of an organization's management account may ask for its member accounts' credentials."))
			return
		}
		ctx := r.Context()
		account, roleName, err := s.Orgs.AccessRole(ctx, p.Account, r.URL.Query().Get("account"))
		if err != nil {
			gateway.WriteQueryError(w, awserr.From(err))
			return
		}
		role, found, err := s.IAM.LookupAssumableRole(ctx, account, roleName)
		if err != nil {
			gateway.WriteQueryError(w, awserr.From(err))
			return
		}
		if !found {
			gateway.WriteQueryError(w, awserr.Newf(http.StatusNotFound, "NoSuchEntity", "The role with name %s cannot be found.", roleName))
			return
		}
		t := now()
		actx := request.With(ctx, &request.Info{Service: "sts", Operation: "AssumeRole", Principal: p, Time: t})
		if err := s.Authorizer.Authorize(actx, authz.Check{Action: "sts:AssumeRole", Resource: role.ARN, ResourceAccount: account, ResourcePolicy: authz.Stored(policy.Trust, role.ARN+" trust policy", role.TrustPolicy)}); err != nil {
			gateway.WriteQueryError(w, awserr.From(err))
			return
		}
		sess := &identity.Session{
			IssuedAt: t, Expiration: t.Add(orgAccessDuration), Kind: identity.AssumedRole,
			Account: account, RoleARN: role.ARN, RoleID: role.ID, SessionName: "doppel-env",
		}
		akid, secret, token, err := s.Authority.IssueSession(ctx, sess)
		if err != nil {
			gateway.WriteQueryError(w, awserr.Internal(err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"Version": 1, "AccessKeyId": akid, "SecretAccessKey": secret, "SessionToken": token,
			"Expiration": sess.Expiration.UTC().Format(time.RFC3339), "Account": account,
		})
	}
}
