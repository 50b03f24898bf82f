package policy

import (
	"strings"
	"testing"
)

func mustParse(t testing.TB, doc string, kind Kind) *Policy {
	t.Helper()
	p, err := Parse(doc, kind)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// stmt builds a one-statement 2012-10-17 policy.
func stmt(body string) string {
	return `{"Version":"2012-10-17","Statement":[` + body + `]}`
}

const (
	userBob  = "arn:aws:iam::111122223333:user/bob"
	userEve  = "arn:aws:iam::111122223333:user/eve"
	roleDev  = "arn:aws:iam::111122223333:role/dev"
	sessDev  = "arn:aws:sts::111122223333:assumed-role/dev/s1"
	rootA    = "arn:aws:iam::111122223333:root"
	rootB    = "arn:aws:iam::444455556666:root"
	userBobB = "arn:aws:iam::444455556666:user/alice"
	bucketX  = "arn:aws:s3:::x"
)

var (
	allowAll     = stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`)
	allowS3      = stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)
	allowGetOnly = stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)
	denyS3       = stmt(`{"Effect":"Deny","Action":"s3:*","Resource":"*"}`)
	allowAssume  = stmt(`{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}`)
	bucketFor    = func(principal string) string {
		return stmt(`{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"s3:*","Resource":["arn:aws:s3:::x","arn:aws:s3:::x/*"]}`)
	}
	bucketDeny = stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::x","arn:aws:s3:::x/*"]}`)
	trustFor   = func(principal string) string {
		return stmt(`{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}`)
	}
	fullAWSAccess = stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`)
)

type policies struct {
	identity []string
	resource string
	trust    string
	boundary string
	session  []string
	scps     []string
	rcps     []string
}

func (ps policies) set(t testing.TB) *Set {
	s := &Set{}
	for _, d := range ps.identity {
		s.Identity = append(s.Identity, mustParse(t, d, Identity))
	}
	if ps.resource != "" {
		s.Resource = mustParse(t, ps.resource, Resource)
	}
	if ps.trust != "" {
		s.Resource = mustParse(t, ps.trust, Trust)
	}
	if ps.boundary != "" {
		s.Boundary = mustParse(t, ps.boundary, Boundary)
	}
	for _, d := range ps.session {
		s.Session = append(s.Session, mustParse(t, d, Session))
	}
	for _, d := range ps.scps {
		s.SCPs = append(s.SCPs, mustParse(t, d, SCP))
	}
	for _, d := range ps.rcps {
		s.RCPs = append(s.RCPs, mustParse(t, d, RCP))
	}
	return s
}

func TestEvaluate(t *testing.T) {
	const (
		basics   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html"
		denyflow = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html"
		cross    = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html"
		bounds   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
		sessions = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session"
		interp   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html"
		notprinc = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
		scpPage  = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html"
		fedtoken = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html"
	)
	getList := stmt(`{"Sid":"AllowGetList","Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},
		{"Sid":"DenyReports","Effect":"Deny","Action":"iam:*Report","Resource":"*"}`)
	tests := []struct {
		name     string
		doc      string // the page the case comes from
		req      Request
		pols     policies
		want     Effect
		deniedBy PolicyType
		message  string // checked when set
	}{
		// Same account, identity side.
		{name: "identity policy allows", doc: basics,
			req: Request{PrincipalARN: userBob, Action: "s3:CreateBucket", Resource: bucketX}, pols: policies{identity: []string{allowS3}}, want: Allow},
		{name: "no policy: implicit deny with AWS's message", doc: denyflow,
			req: Request{PrincipalARN: userBob, Action: "s3:CreateBucket", Resource: bucketX}, want: ImplicitDeny, deniedBy: TypeIdentity,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:CreateBucket on resource: arn:aws:s3:::x because no identity-based policy allows the s3:CreateBucket action"},
		{name: "explicit deny beats allow", doc: interp,
			req: Request{PrincipalARN: userBob, Action: "s3:CreateBucket", Resource: bucketX}, pols: policies{identity: []string{allowAll, denyS3}}, want: ExplicitDeny, deniedBy: TypeIdentity,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:CreateBucket on resource: arn:aws:s3:::x with an explicit deny in an identity-based policy"},
		{name: "AllowGetList example: iam:GetUser allowed", doc: interp,
			req: Request{PrincipalARN: userBob, Action: "iam:GetUser", Resource: userBob}, pols: policies{identity: []string{getList}}, want: Allow},
		{name: "AllowGetList example: iam:CreatePolicy implicitly denied", doc: interp,
			req: Request{PrincipalARN: userBob, Action: "iam:CreatePolicy", Resource: "*"}, pols: policies{identity: []string{getList}}, want: ImplicitDeny,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:CreatePolicy because no identity-based policy allows the iam:CreatePolicy action"},
		{name: "AllowGetList example: report action explicitly denied", doc: interp,
			req: Request{PrincipalARN: userBob, Action: "iam:GetOrganizationsAccessReport", Resource: "*"}, pols: policies{identity: []string{getList}}, want: ExplicitDeny},
		{name: "permissions boundary limits identity policy", doc: bounds,
			req: Request{PrincipalARN: userBob, Action: "s3:CreateBucket", Resource: bucketX}, pols: policies{identity: []string{allowS3}, boundary: allowGetOnly}, want: ImplicitDeny, deniedBy: TypeBoundary,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:CreateBucket on resource: arn:aws:s3:::x because no permissions boundary allows the s3:CreateBucket action"},
		{name: "boundary alone grants nothing", doc: bounds,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{boundary: allowS3}, want: ImplicitDeny, deniedBy: TypeIdentity},
		{name: "explicit deny in boundary", doc: bounds,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowS3}, boundary: denyS3}, want: ExplicitDeny, deniedBy: TypeBoundary,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x with an explicit deny in a permissions boundary"},
		{name: "session policy limits role session", doc: sessions,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:PutObject", Resource: bucketX + "/k"}, pols: policies{identity: []string{allowS3}, session: []string{allowGetOnly}}, want: ImplicitDeny, deniedBy: TypeSession,
			message: "User: arn:aws:sts::111122223333:assumed-role/dev/s1 is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::x/k because no session policy allows the s3:PutObject action"},
		{name: "session policy within identity policy allows", doc: sessions,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{identity: []string{allowS3}, session: []string{allowGetOnly}}, want: Allow},
		{name: "session policy alone grants nothing", doc: sessions,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{session: []string{allowS3}}, want: ImplicitDeny, deniedBy: TypeIdentity},

		// Same account, resource-based policies and which principal they name.
		{name: "resource policy naming the user allows without identity policy", doc: basics,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(userBob)}, want: Allow},
		{name: "resource policy naming the user is not limited by the boundary", doc: bounds,
			req: Request{PrincipalARN: userBob, Action: "s3:PutObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(userBob), boundary: allowGetOnly}, want: Allow},
		{name: "resource policy naming the role is limited by the boundary", doc: bounds,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:PutObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(roleDev), boundary: allowGetOnly}, want: ImplicitDeny, deniedBy: TypeBoundary},
		{name: "resource policy naming the role allows without identity policy", doc: basics,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:PutObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(roleDev)}, want: Allow},
		{name: "resource policy naming the role is limited by session policy", doc: sessions,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:PutObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(roleDev), session: []string{allowGetOnly}}, want: ImplicitDeny, deniedBy: TypeSession},
		{name: "resource policy naming the session is not limited by session policy", doc: sessions,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:PutObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(sessDev), session: []string{allowGetOnly}}, want: Allow},
		{name: "role matched by name when the role ARN is unknown", doc: basics,
			req: Request{PrincipalARN: sessDev, Action: "s3:PutObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(roleDev)}, want: Allow},
		{name: "role with a path must match the full role ARN", doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles",
			req: Request{PrincipalARN: sessDev, RoleARN: "arn:aws:iam::111122223333:role/team/dev", Action: "s3:PutObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(roleDev)}, want: ImplicitDeny},
		{name: "resource policy naming the account delegates to identity policies", doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts",
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor("111122223333")}, want: ImplicitDeny, deniedBy: TypeIdentity},
		{name: "resource policy naming another user does not apply", doc: basics,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(userEve)}, want: ImplicitDeny, deniedBy: TypeIdentity},
		{name: "explicit deny in resource policy", doc: denyflow,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{identity: []string{allowAll}, resource: bucketDeny}, want: ExplicitDeny, deniedBy: TypeResource,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x/k with an explicit deny in a resource-based policy"},

		// Cross-account.
		{name: "cross-account: identity allows, no resource policy", doc: cross,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX + "/k", ResourceAccount: "444455556666"}, pols: policies{identity: []string{allowS3}}, want: ImplicitDeny, deniedBy: TypeResource,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x/k because no resource-based policy allows the s3:GetObject action"},
		{name: "cross-account: resource policy allows the account, no identity policy", doc: cross,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX + "/k", ResourceAccount: "444455556666"}, pols: policies{resource: bucketFor("111122223333")}, want: ImplicitDeny, deniedBy: TypeIdentity},
		{name: "cross-account: resource policy naming the user still needs identity allow", doc: cross,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX + "/k", ResourceAccount: "444455556666"}, pols: policies{resource: bucketFor(userBob)}, want: ImplicitDeny, deniedBy: TypeIdentity},
		{name: "cross-account: both sides allow", doc: cross,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX + "/k", ResourceAccount: "444455556666"}, pols: policies{identity: []string{allowS3}, resource: bucketFor(rootA)}, want: Allow},
		{name: "cross-account: boundary applies to the trusted side", doc: cross,
			req: Request{PrincipalARN: userBob, Action: "s3:PutObject", Resource: bucketX + "/k", ResourceAccount: "444455556666"}, pols: policies{identity: []string{allowS3}, resource: bucketFor(userBob), boundary: allowGetOnly}, want: ImplicitDeny, deniedBy: TypeBoundary},
		{name: "cross-account: session naming does not bypass the session policy", doc: cross,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:PutObject", Resource: bucketX + "/k", ResourceAccount: "444455556666"}, pols: policies{identity: []string{allowS3}, resource: bucketFor(sessDev), session: []string{allowGetOnly}}, want: ImplicitDeny, deniedBy: TypeSession},

		// Role trust policies must always allow.
		{name: "trust naming the user: same-account assume without identity policy", doc: denyflow,
			req: Request{PrincipalARN: userBob, Action: "sts:AssumeRole", Resource: roleDev}, pols: policies{trust: trustFor(userBob)}, want: Allow},
		{name: "trust naming the account: identity policy must allow", doc: denyflow,
			req: Request{PrincipalARN: userBob, Action: "sts:AssumeRole", Resource: roleDev}, pols: policies{trust: trustFor(rootA)}, want: ImplicitDeny, deniedBy: TypeIdentity,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/dev because no identity-based policy allows the sts:AssumeRole action"},
		{name: "trust naming the account with identity allow", doc: denyflow,
			req: Request{PrincipalARN: userBob, Action: "sts:AssumeRole", Resource: roleDev}, pols: policies{trust: trustFor(rootA), identity: []string{allowAssume}}, want: Allow},
		{name: "trust not naming the caller denies despite identity allow", doc: denyflow,
			req: Request{PrincipalARN: userBob, Action: "sts:AssumeRole", Resource: roleDev}, pols: policies{trust: trustFor(userEve), identity: []string{allowAll}}, want: ImplicitDeny, deniedBy: TypeResource,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/dev because no resource-based policy allows the sts:AssumeRole action"},
		{name: "cross-account assume role with both sides", doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_cross-account-with-roles.html",
			req: Request{PrincipalARN: userBobB, Action: "sts:AssumeRole", Resource: roleDev, ResourceAccount: "111122223333"}, pols: policies{trust: trustFor("444455556666"), identity: []string{allowAssume}}, want: Allow},
		{name: "cross-account assume role without identity permission", doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_cross-account-with-roles.html",
			req: Request{PrincipalARN: userBobB, Action: "sts:AssumeRole", Resource: roleDev, ResourceAccount: "111122223333"}, pols: policies{trust: trustFor("444455556666")}, want: ImplicitDeny, deniedBy: TypeIdentity},

		// Root user.
		{name: "root has full access in its own account", doc: denyflow,
			req: Request{PrincipalARN: rootA, Action: "iam:CreateUser", Resource: "arn:aws:iam::111122223333:user/x"}, want: Allow},
		{name: "root is limited by SCPs", doc: scpPage,
			req: Request{PrincipalARN: rootA, Action: "iam:CreateUser", Resource: "*"}, pols: policies{scps: []string{fullAWSAccess, allowS3}}, want: ImplicitDeny, deniedBy: TypeSCP,
			message: "User: arn:aws:iam::111122223333:root is not authorized to perform: iam:CreateUser because no service control policy allows the iam:CreateUser action"},
		{name: "root is denied by a resource policy's explicit deny", doc: denyflow,
			req: Request{PrincipalARN: rootA, Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketDeny}, want: ExplicitDeny, deniedBy: TypeResource},
		{name: "root needs the resource policy in another account", doc: cross,
			req: Request{PrincipalARN: rootA, Action: "s3:GetObject", Resource: bucketX + "/k", ResourceAccount: "444455556666"}, want: ImplicitDeny, deniedBy: TypeResource},
		{name: "root allowed by another account's resource policy", doc: cross,
			req: Request{PrincipalARN: rootA, Action: "s3:GetObject", Resource: bucketX + "/k", ResourceAccount: "444455556666"}, pols: policies{resource: bucketFor("111122223333")}, want: Allow},

		// Organizations.
		{name: "SCP: every level must allow", doc: scpPage,
			req: Request{PrincipalARN: userBob, Action: "iam:CreateUser", Resource: "*"}, pols: policies{identity: []string{allowAll}, scps: []string{fullAWSAccess, allowS3, fullAWSAccess}}, want: ImplicitDeny, deniedBy: TypeSCP},
		{name: "SCP: allowed at every level", doc: scpPage,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowAll}, scps: []string{fullAWSAccess, allowS3}}, want: Allow},
		{name: "SCP grants nothing by itself", doc: scpPage,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{scps: []string{fullAWSAccess}}, want: ImplicitDeny, deniedBy: TypeIdentity},
		{name: "SCP explicit deny", doc: scpPage,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowAll}, scps: []string{fullAWSAccess, denyS3}}, want: ExplicitDeny, deniedBy: TypeSCP,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x with an explicit deny in a service control policy"},
		{name: "RCP explicit deny on the resource side", doc: denyflow,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowAll},
				rcps: []string{stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}`)}}, want: ExplicitDeny, deniedBy: TypeRCP,
			message: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x with an explicit deny in a resource control policy"},
		{name: "RCP applies to anonymous callers too", doc: denyflow,
			req: Request{PrincipalARN: "anonymous", Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{resource: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::x/*"}`),
				rcps: []string{stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}`)}}, want: ExplicitDeny, deniedBy: TypeRCP},

		// Anonymous callers.
		{name: "anonymous allowed by a public bucket policy", doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html",
			req: Request{PrincipalARN: "anonymous", Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{resource: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::x/*"}`)}, want: Allow},
		{name: "anonymous not allowed what the bucket policy does not grant", doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html",
			req: Request{PrincipalARN: "anonymous", Action: "s3:PutObject", Resource: bucketX + "/k"}, pols: policies{resource: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::x/*"}`)}, want: ImplicitDeny, deniedBy: TypeResource,
			message: "User: anonymous is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::x/k because no resource-based policy allows the s3:PutObject action"},
		{name: "anonymous not matched by an account principal", doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
			req: Request{PrincipalARN: "anonymous", Action: "s3:GetObject", Resource: bucketX + "/k"}, pols: policies{resource: bucketFor(rootA)}, want: ImplicitDeny},

		// Federated users.
		{name: "federated user without session policy has no permissions", doc: fedtoken,
			req: Request{PrincipalARN: "arn:aws:sts::111122223333:federated-user/carol", FederatedFrom: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowAll}}, want: ImplicitDeny, deniedBy: TypeSession},
		{name: "federated user: intersection of user and session policies", doc: fedtoken,
			req: Request{PrincipalARN: "arn:aws:sts::111122223333:federated-user/carol", FederatedFrom: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowAll}, session: []string{allowGetOnly}}, want: Allow},
		{name: "federated user named by a resource policy", doc: fedtoken,
			req: Request{PrincipalARN: "arn:aws:sts::111122223333:federated-user/carol", FederatedFrom: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{resource: bucketFor("arn:aws:sts::111122223333:federated-user/carol")}, want: Allow},
		{name: "federating user named by a resource policy is limited by the session policy", doc: sessions,
			req: Request{PrincipalARN: "arn:aws:sts::111122223333:federated-user/carol", FederatedFrom: userBob, Action: "s3:PutObject", Resource: bucketX}, pols: policies{resource: bucketFor(userBob), session: []string{allowGetOnly}}, want: ImplicitDeny, deniedBy: TypeSession},

		{name: "federating user named by a resource policy is not limited by the user's boundary", doc: bounds,
			req: Request{PrincipalARN: "arn:aws:sts::111122223333:federated-user/carol", FederatedFrom: userBob, Action: "s3:PutObject", Resource: bucketX}, pols: policies{resource: bucketFor(userBob), boundary: allowGetOnly, session: []string{allowS3}}, want: Allow},

		// NotPrincipal.
		{name: "NotPrincipal deny spares a session listed with role and account", doc: notprinc,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowS3},
				resource: stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":["` + rootA + `","` + roleDev + `","` + sessDev + `"]},"Action":"s3:*","Resource":"*"}`)}, want: Allow},
		{name: "NotPrincipal deny without the account still denies", doc: notprinc,
			req: Request{PrincipalARN: sessDev, RoleARN: roleDev, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowS3},
				resource: stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":["` + roleDev + `","` + sessDev + `"]},"Action":"s3:*","Resource":"*"}`)}, want: ExplicitDeny},
		{name: "NotPrincipal deny hits other users", doc: notprinc,
			req: Request{PrincipalARN: userEve, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowS3},
				resource: stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":["` + rootA + `","` + userBob + `"]},"Action":"s3:*","Resource":"*"}`)}, want: ExplicitDeny},
		{name: "NotPrincipal deny always denies principals with a boundary", doc: bounds,
			req: Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX}, pols: policies{identity: []string{allowS3}, boundary: allowS3,
				resource: stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":["` + rootA + `","` + userBob + `"]},"Action":"s3:*","Resource":"*"}`)}, want: ExplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Evaluate(&tc.req, tc.pols.set(t))
			if d.Effect != tc.want {
				t.Fatalf("Effect = %v, want %v (%s); message %q; per %s", d.Effect, tc.want, d.Message, d.Message, tc.doc)
			}
			if tc.want != Allow && tc.deniedBy != TypeNone && d.DeniedBy != tc.deniedBy {
				t.Errorf("DeniedBy = %v, want %v", d.DeniedBy, tc.deniedBy)
			}
			if tc.message != "" && d.Message != tc.message {
				t.Errorf("Message =\n  %q\nwant\n  %q", d.Message, tc.message)
			}
			if tc.want == Allow && d.Message != "" {
				t.Errorf("allowed with message %q", d.Message)
			}
		})
	}
}

func TestExplainTrace(t *testing.T) {
	set := policies{identity: []string{stmt(`{"Sid":"Get","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
		{"Sid":"Ip","Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Sid":"Other","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::y/*"}`)}}.set(t)
	req := Request{PrincipalARN: userBob, Action: "s3:PutObject", Resource: "arn:aws:s3:::x/k", Context: Context{"aws:SourceIp": {"203.0.113.7"}}}
	d := Explain(&req, set)
	if d.Effect != ImplicitDeny {
		t.Fatalf("Effect = %v", d.Effect)
	}
	want := []struct{ sid, failed string }{{"Get", "Action"}, {"Ip", "Condition IpAddress aws:SourceIp"}, {"Other", "Resource"}}
	if len(d.Trace) != len(want) {
		t.Fatalf("trace has %d entries, want %d: %+v", len(d.Trace), len(want), d.Trace)
	}
	for i, w := range want {
		if d.Trace[i].Sid != w.sid || d.Trace[i].Failed != w.failed || d.Trace[i].Matched {
			t.Errorf("trace[%d] = %+v, want sid %s failed %q", i, d.Trace[i], w.sid, w.failed)
		}
	}
	// Evaluate keeps only matching statements.
	req.Context = Context{"aws:SourceIp": {"10.1.2.3"}}
	d = Evaluate(&req, set)
	if d.Effect != Allow || len(d.Trace) != 1 || d.Trace[0].Sid != "Ip" || !d.Trace[0].Matched || !d.Trace[0].Deciding {
		t.Fatalf("Evaluate = %v, trace %+v", d.Effect, d.Trace)
	}
	// An explicit deny is the deciding statement, not the allow before it.
	set.Identity = append(set.Identity, mustParse(t, stmt(`{"Sid":"No","Effect":"Deny","Action":"s3:Put*","Resource":"*"}`), Identity))
	d = Evaluate(&req, set)
	if d.Effect != ExplicitDeny || len(d.Trace) != 2 || d.Trace[0].Deciding || !d.Trace[1].Deciding || d.Trace[1].Sid != "No" {
		t.Fatalf("Evaluate = %v, trace %+v", d.Effect, d.Trace)
	}
	set.Identity = set.Identity[:1]
	if txt := ExplainText(&req, Explain(&req, set)); !strings.Contains(txt, "* identity-based policy") {
		t.Errorf("ExplainText lacks the matched statement:\n%s", txt)
	}
}

// The lazy context is built only when a condition or a policy variable needs
// it, at most once, and then decides exactly as an eager one would.
func TestLazyContext(t *testing.T) {
	const user = "arn:aws:iam::111111111111:user/bob"
	cases := []struct {
		name   string
		stmt   string
		want   Effect
		builds int
	}{
		{"plain action and resource", `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`, Allow, 0},
		{"condition met", `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"bob"}}}`, Allow, 1},
		{"condition not met", `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"}}}`, ImplicitDeny, 1},
		{"variable in the resource", `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}`, Allow, 1},
		{"action does not match: nothing to build", `{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`, ImplicitDeny, 0},
		{"two conditions share one build", `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"StringEquals":{"aws:username":"bob"},"Bool":{"aws:SecureTransport":"false"}}}`, Allow, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			builds := 0
			req := &Request{PrincipalARN: user, PrincipalKind: KindUser, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/bob/k",
				LazyContext: ContextFunc(func() Context {
					builds++
					return Context{"aws:username": {"bob"}, "aws:SecureTransport": {"false"}}
				})}
			p := mustParse(t, `{"Version":"2012-10-17","Statement":[`+tc.stmt+`]}`, Identity)
			d := Evaluate(req, &Set{Identity: []*Policy{p}})
			if d.Effect != tc.want || builds != tc.builds {
				t.Fatalf("effect %v after %d builds, want %v after %d", d.Effect, builds, tc.want, tc.builds)
			}
		})
	}
}
