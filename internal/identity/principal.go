// Package identity knows who is calling: the kinds of principal doppel has,
// the credentials that stand for them (root and IAM user access keys, and
// temporary STS credentials), and how an access key ID becomes a Principal.
package identity

import "time"

// Kind is the kind of principal behind a request.
type Kind int

const (
	Anonymous     Kind = iota
	Root               // an account's root user
	User               // an IAM user
	AssumedRole        // a role session from sts:AssumeRole (or a chain of them)
	FederatedUser      // a session from sts:GetFederationToken
)

func (k Kind) String() string {
	switch k {
	case Root:
		return "Root"
	case User:
		return "User"
	case AssumedRole:
		return "AssumedRole"
	case FederatedUser:
		return "FederatedUser"
	}
	return "Anonymous"
}

// Principal is the caller of one request, as authentication established it.
type Principal struct {
	Kind    Kind
	Account string // 12-digit account ID; "" for anonymous
	// ARN as the caller appears in policies and GetCallerIdentity:
	// arn:aws:iam::A:root, arn:aws:iam::A:user/path/name,
	// arn:aws:sts::A:assumed-role/role/session, arn:aws:sts::A:federated-user/name.
	ARN string
	// UserID as GetCallerIdentity returns it: the account ID for root, AIDA... for
	// a user, AROA...:session for a role session, A:name for a federated user.
	UserID      string
	Name        string // user name, role name, or federated user name
	AccessKeyID string // the key that signed the request

	// Session is set for temporary credentials (ASIA keys): role sessions,
	// federation tokens and GetSessionToken sessions of users and roots.
	Session *Session
}

// Session is what temporary credentials carry wherever they are used.
type Session struct {
	AccessKeyID string
	Secret      string
	Expiration  time.Time
	IssuedAt    time.Time // aws:TokenIssueTime

	// Kind of the session's principal: User or Root for GetSessionToken,
	// AssumedRole, FederatedUser.
	Kind    Kind
	Account string

	// For AssumedRole: the role and the session name.
	RoleARN     string // arn:aws:iam::A:role/path/name
	RoleID      string // AROA...
	SessionName string

	// For User/Root (GetSessionToken) and FederatedUser: the long-term identity
	// behind the session.
	SourceUserARN string
	SourceUserID  string

	// MFA: set when the session was created with a valid MFA code, or descends
	// from one that was (aws:MultiFactorAuthPresent / aws:MultiFactorAuthAge).
	MFAAuthenticated bool
	MFAAuthTime      time.Time

	SourceIdentity    string
	Tags              map[string]string // session tags, keys as given
	TransitiveTagKeys []string
	Chained           bool // created by a role session calling AssumeRole

	// Session policies (inline documents, JSON) and managed policy ARNs that
	// narrow the session's permissions.
	Policies   []string
	PolicyARNs []string
}
