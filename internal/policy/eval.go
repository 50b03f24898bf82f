package policy

import (
	"strings"
)

// PrincipalKind is the kind of caller; it decides which policies apply.
type PrincipalKind int

const (
	KindFromARN       PrincipalKind = iota // derive from PrincipalARN
	KindAnonymous                          // unsigned request
	KindRoot                               // an account's root user
	KindUser                               // an IAM user
	KindAssumedRole                        // a role session
	KindFederatedUser                      // a GetFederationToken session
	KindService                            // an AWS service principal, e.g. "ec2.amazonaws.com"
)

var principalKindNames = [...]string{"", "anonymous", "root", "user", "assumed-role", "federated-user", "service"}

func (k PrincipalKind) String() string {
	if k >= 0 && int(k) < len(principalKindNames) {
		return principalKindNames[k]
	}
	return ""
}

// Request is one authorization question.
type Request struct {
	PrincipalARN     string // "anonymous" (or "") for unsigned callers
	PrincipalAccount string // derived from PrincipalARN when empty
	PrincipalKind    PrincipalKind
	// RoleARN is, for a role session, the role's ARN with its path (session
	// ARNs drop the path). When empty, role principals match by account and
	// role name only.
	RoleARN string
	// FederatedFrom is, for a federated user, the ARN of the IAM user who
	// called GetFederationToken.
	FederatedFrom string

	Action          string // "s3:GetObject"
	Resource        string // the resource ARN, or "*"
	ResourceAccount string // "" means the principal's own account

	Context Context // complete: an absent key is absent from the request
	// LazyContext, when Context is nil, builds it the first time a
	// condition or a policy variable needs it: most requests match on
	// action and resource alone, and building the context is a good share
	// of a cheap request's cost. Evaluation stores the result in Context.
	LazyContext ContextSource
}

// ContextSource builds a request's condition keys when they are needed.
type ContextSource interface {
	RequestContext() Context
}

// ContextFunc is a function as a ContextSource.
type ContextFunc func() Context

func (f ContextFunc) RequestContext() Context { return f() }

// context returns the request's condition keys, building them on first use.
func (r *Request) context() Context {
	if r.Context == nil && r.LazyContext != nil {
		r.Context = r.LazyContext.RequestContext()
		r.LazyContext = nil
	}
	return r.Context
}

// Set is every policy that applies to a request. nil/empty fields mean that
// policy type does not apply.
type Set struct {
	Identity []*Policy // the principal's identity-based policies (user, its groups, or role)
	Resource *Policy   // the resource's policy; a Trust policy for sts:AssumeRole
	Boundary *Policy   // the principal's permissions boundary
	Session  []*Policy // session policies (inline and managed) of a role or federated session
	SCPs     []*Policy // one per level (root, OUs, account) of the principal's account; all must allow
	RCPs     []*Policy // one per level of the resource's account; all must allow
}

// PolicyType names a kind of policy in decisions, traces and messages.
type PolicyType int

const (
	TypeNone PolicyType = iota
	TypeIdentity
	TypeResource
	TypeBoundary
	TypeSession
	TypeSCP
	TypeRCP
)

var policyTypeNames = [...]string{"", "identity-based policy", "resource-based policy", "permissions boundary",
	"session policy", "service control policy", "resource control policy"}

func (t PolicyType) String() string {
	if t >= 0 && int(t) < len(policyTypeNames) {
		return policyTypeNames[t]
	}
	return ""
}

func (t PolicyType) article() string {
	if t == TypeIdentity {
		return "an "
	}
	return "a "
}

// Decision is the outcome of Evaluate.
type Decision struct {
	Effect Effect
	// DeniedBy is the policy type that denied (explicitly or by not allowing);
	// TypeNone when allowed.
	DeniedBy PolicyType
	Message  string // AWS's AccessDenied message; "" when allowed
	Trace    []TraceEntry
}

// TraceEntry records one statement's evaluation. Evaluate records only the
// statements that matched the request; Explain records every statement.
type TraceEntry struct {
	Type      PolicyType `json:"-"`
	TypeName  string     `json:"type"`
	Policy    string     `json:"policy,omitempty"` // Policy.Name
	Level     int        `json:"level,omitempty"`  // SCP/RCP level, from 1
	Statement int        `json:"statement"`        // index in the policy, from 0
	Sid       string     `json:"sid,omitempty"`
	Effect    string     `json:"effect"` // "Allow" or "Deny"
	Matched   bool       `json:"matched"`
	// Failed names the element that did not match: "Action", "NotAction",
	// "Resource", "NotResource", "Principal", "NotPrincipal", or
	// "Condition OPERATOR KEY".
	Failed string `json:"failed,omitempty"`
	// Deciding marks the statement that decided: the explicit deny, or the
	// allow of each policy type the decision rested on.
	Deciding bool `json:"deciding,omitempty"`
}

// grant is how a resource policy statement names the caller; it decides
// whether boundaries and session policies limit the grant
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html).
type grant uint8

const (
	grantNone        grant = iota
	grantAccount           // the caller's account: delegation, identity policies must allow
	grantRole              // the role of a session: limited by the boundary and session policies
	grantSessionUser       // the IAM user behind a federated user: limited by the session policies only
	grantDirect            // the caller itself (user, session, federated user, "*"): not limited by implicit denies
)

// principal is what Evaluate derives once from a Request.
type principal struct {
	kind    PrincipalKind
	arn     string
	account string
}

func derivePrincipal(req *Request) principal {
	p := principal{kind: req.PrincipalKind, arn: req.PrincipalARN, account: req.PrincipalAccount}
	if p.kind == KindFromARN {
		p.kind = kindOfARN(p.arn)
	}
	if p.account == "" && p.kind != KindAnonymous && p.kind != KindService {
		p.account = arnAccount(p.arn)
	}
	return p
}

func kindOfARN(arn string) PrincipalKind {
	if arn == "" || arn == "anonymous" || arn == "*" {
		return KindAnonymous
	}
	if !strings.HasPrefix(arn, "arn:") {
		return KindService
	}
	res := arnResource(arn)
	switch {
	case res == "root":
		return KindRoot
	case strings.HasPrefix(res, "user/"):
		return KindUser
	case strings.HasPrefix(res, "assumed-role/"):
		return KindAssumedRole
	case strings.HasPrefix(res, "federated-user/"):
		return KindFederatedUser
	}
	return KindAnonymous
}

// arnRest skips i colon-separated fields of an ARN and returns the rest:
// 4 starts at the account, 5 is the resource part. "" when the ARN is short.
func arnRest(arn string, i int) string {
	for ; i > 0; i-- {
		j := strings.IndexByte(arn, ':')
		if j < 0 {
			return ""
		}
		arn = arn[j+1:]
	}
	return arn
}

func arnAccount(arn string) string {
	f := arnRest(arn, 4)
	if j := strings.IndexByte(f, ':'); j >= 0 {
		return f[:j]
	}
	return ""
}

func arnResource(arn string) string { return arnRest(arn, 5) }

// Evaluate decides a request as AWS's policy evaluation logic does
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
// and the cross-account page). Decision.Trace holds the statements that
// matched.
func Evaluate(req *Request, set *Set) Decision {
	return evaluate(req, set, false)
}

// Explain is Evaluate with a full trace: every statement of every policy
// considered, with the element that failed to match.
func Explain(req *Request, set *Set) Decision {
	return evaluate(req, set, true)
}

const getCallerIdentity = "sts:GetCallerIdentity"

// typeResult is the outcome of one policy type.
type typeResult struct {
	applies bool
	allow   bool
	deny    bool
	grant   grant // resource policies: the strongest grant among allowing statements
}

type evaluator struct {
	req *Request
	// the request's action split at its colon
	svc, name string
	p         principal
	set       *Set
	full      bool
	trace     []TraceEntry
}

func evaluate(req *Request, set *Set, full bool) Decision {
	if set == nil {
		set = &Set{}
	}
	if len(req.Action) == len(getCallerIdentity) && strings.EqualFold(req.Action, getCallerIdentity) {
		// "No permissions are required to perform this operation. If an
		// administrator attaches a policy to your identity that explicitly
		// denies access to the sts:GetCallerIdentity action, you can still
		// perform this operation" (STS API reference, GetCallerIdentity).
		return Decision{Effect: Allow}
	}
	e := evaluator{req: req, p: derivePrincipal(req), set: set, full: full}
	e.svc, e.name, _ = strings.Cut(req.Action, ":")
	kind := e.p.kind
	hasIdentity := kind == KindUser || kind == KindAssumedRole || kind == KindFederatedUser

	// 1. Gather every applicable policy's verdict.
	var rcp, scp, res, id, bnd, ses typeResult
	if len(set.RCPs) > 0 {
		rcp = e.levels(set.RCPs, TypeRCP)
	}
	// SCPs limit the principals of member accounts, root included; not
	// anonymous callers or service principals.
	if len(set.SCPs) > 0 && kind != KindAnonymous && kind != KindService {
		scp = e.levels(set.SCPs, TypeSCP)
	}
	if set.Resource != nil {
		res = e.union([]*Policy{set.Resource}, TypeResource)
	}
	if hasIdentity {
		id = e.union(set.Identity, TypeIdentity)
		id.applies = true
		if set.Boundary != nil {
			bnd = e.union([]*Policy{set.Boundary}, TypeBoundary)
		}
		if len(set.Session) > 0 {
			ses = e.union(set.Session, TypeSession)
		} else if kind == KindFederatedUser {
			// GetFederationToken without a session policy gives a session
			// with no permissions of its own
			// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html).
			ses.applies = true
		}
	}

	// 2. An explicit deny in any policy is final.
	for _, r := range [...]struct {
		r typeResult
		t PolicyType
	}{{rcp, TypeRCP}, {scp, TypeSCP}, {res, TypeResource}, {id, TypeIdentity}, {bnd, TypeBoundary}, {ses, TypeSession}} {
		if r.r.deny {
			return e.deny(ExplicitDeny, r.t)
		}
	}

	// 3. Organizations: every level must allow.
	if rcp.applies && !rcp.allow {
		return e.deny(ImplicitDeny, TypeRCP)
	}
	if scp.applies && !scp.allow {
		return e.deny(ImplicitDeny, TypeSCP)
	}

	// 4. A role trust policy must always allow, even in the same account
	// ("IAM role trust policies and KMS key policies are exceptions ... they
	// must explicitly allow access for principals").
	if set.Resource != nil && set.Resource.Kind == Trust && !res.allow {
		return e.deny(ImplicitDeny, TypeResource)
	}

	sameAccount := req.ResourceAccount == "" || req.ResourceAccount == e.p.account
	switch kind {
	case KindAnonymous, KindService:
		// No identity side: only a resource policy can allow.
		if res.allow {
			return e.allow(TypeResource)
		}
		return e.deny(ImplicitDeny, TypeResource)
	case KindRoot:
		// The root user has full access to its own account's resources;
		// elsewhere the resource's policy must allow it.
		if sameAccount {
			return e.allow()
		}
		if res.allow {
			return e.allow(TypeResource)
		}
		return e.deny(ImplicitDeny, TypeResource)
	}

	// The identity side: identity policies, limited by the boundary and the
	// session policies.
	idFail := TypeNone
	switch {
	case !id.allow:
		idFail = TypeIdentity
	case bnd.applies && !bnd.allow:
		idFail = TypeBoundary
	case ses.applies && !ses.allow:
		idFail = TypeSession
	}

	if sameAccount {
		// Within one account the union of identity and resource policies
		// applies, and how the resource policy names the caller decides
		// whether an implicit deny in the boundary or session policy still
		// limits it
		// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html,
		// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session).
		switch res.grant {
		case grantDirect:
			return e.allow(TypeResource)
		case grantRole, grantSessionUser:
			// A grant to a user ARN is not limited by the user's boundary;
			// a grant to a role ARN is
			// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
			// Both are limited by the session policy: they were added before
			// the session was created.
			switch {
			case res.grant == grantRole && bnd.applies && !bnd.allow:
				return e.deny(ImplicitDeny, TypeBoundary)
			case ses.applies && !ses.allow:
				return e.deny(ImplicitDeny, TypeSession)
			}
			return e.allow(TypeResource)
		}
		if idFail != TypeNone {
			return e.deny(ImplicitDeny, idFail)
		}
		return e.allow(TypeIdentity)
	}

	// Cross-account: the trusted account's policies must allow and so must
	// the resource's policy
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
	if idFail != TypeNone {
		return e.deny(ImplicitDeny, idFail)
	}
	if !res.allow {
		return e.deny(ImplicitDeny, TypeResource)
	}
	return e.allow(TypeIdentity, TypeResource)
}

// allow decides Allow; the first matching Allow statement of each deciding
// policy type is marked in the trace.
func (e *evaluator) allow(deciding ...PolicyType) Decision {
	for _, t := range deciding {
		e.mark(t, "Allow")
	}
	return Decision{Effect: Allow, Trace: e.trace}
}

func (e *evaluator) deny(eff Effect, t PolicyType) Decision {
	if eff == ExplicitDeny {
		e.mark(t, "Deny")
	}
	return Decision{Effect: eff, DeniedBy: t, Message: DenyMessage(e.req, eff, t), Trace: e.trace}
}

func (e *evaluator) mark(t PolicyType, effect string) {
	for i := range e.trace {
		if tr := &e.trace[i]; tr.Matched && tr.Type == t && tr.Effect == effect {
			tr.Deciding = true
			return
		}
	}
}

// DenyMessage builds AWS's AccessDenied message, e.g.
//
//	User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:CreateBucket on resource: arn:aws:s3:::x because no identity-based policy allows the s3:CreateBucket action
//
// For resource "*" (actions without a resource type) AWS leaves out the
// "on resource" part
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
func DenyMessage(req *Request, eff Effect, t PolicyType) string {
	return denyMessage(req, eff, t, false)
}

// DenyMessageS3 is DenyMessage as S3 words it: the resource ARN in double
// quotes ("... on resource: \"arn:aws:s3:::b/k\" because ...").
func DenyMessageS3(req *Request, eff Effect, t PolicyType) string {
	return denyMessage(req, eff, t, true)
}

func denyMessage(req *Request, eff Effect, t PolicyType, quote bool) string {
	who := req.PrincipalARN
	if who == "" || kindOfARN(who) == KindAnonymous {
		who = "anonymous"
	}
	var b strings.Builder
	b.Grow(160 + len(who) + 2*len(req.Action) + len(req.Resource))
	b.WriteString("User: ")
	b.WriteString(who)
	b.WriteString(" is not authorized to perform: ")
	b.WriteString(req.Action)
	if req.Resource != "" && req.Resource != "*" {
		b.WriteString(" on resource: ")
		if quote {
			b.WriteByte('"')
		}
		b.WriteString(req.Resource)
		if quote {
			b.WriteByte('"')
		}
	}
	if eff == ExplicitDeny {
		b.WriteString(" with an explicit deny in ")
		b.WriteString(t.article())
		b.WriteString(t.String())
	} else {
		b.WriteString(" because no ")
		b.WriteString(t.String())
		b.WriteString(" allows the ")
		b.WriteString(req.Action)
		b.WriteString(" action")
	}
	return b.String()
}

// union evaluates policies whose allows add up (identity policies, session
// policies, or one policy).
func (e *evaluator) union(ps []*Policy, t PolicyType) typeResult {
	r := typeResult{applies: true}
	for _, p := range ps {
		if p == nil {
			continue
		}
		e.policy(p, t, 0, &r)
	}
	return r
}

// levels evaluates SCPs or RCPs: every level must allow.
func (e *evaluator) levels(ps []*Policy, t PolicyType) typeResult {
	r := typeResult{applies: true, allow: true}
	for i, p := range ps {
		var lr typeResult
		if p != nil {
			e.policy(p, t, i+1, &lr)
		}
		r.deny = r.deny || lr.deny
		r.allow = r.allow && lr.allow
	}
	return r
}

func (e *evaluator) policy(p *Policy, t PolicyType, level int, r *typeResult) {
	if !e.full {
		// Only the statements whose Action/NotAction matches can apply.
		for _, i := range p.statementsFor(e.req.Action, e.svc, e.name) {
			e.record(p, p.Statements[i], t, level, r, true)
		}
		return
	}
	for _, s := range p.Statements {
		e.record(p, s, t, level, r, false)
	}
}

// record evaluates one statement, adds it to the trace and to r.
func (e *evaluator) record(p *Policy, s *Statement, t PolicyType, level int, r *typeResult, actionMatched bool) {
	g, failed := e.statement(s, actionMatched)
	matched := failed == ""
	if matched || e.full {
		eff := "Allow"
		if s.Effect == ExplicitDeny {
			eff = "Deny"
		}
		e.trace = append(e.trace, TraceEntry{Type: t, TypeName: t.String(), Policy: p.Name, Level: level,
			Statement: s.Index, Sid: s.Sid, Effect: eff, Matched: matched, Failed: failed})
	}
	switch {
	case !matched:
	case s.Effect == ExplicitDeny:
		r.deny = true
	default:
		r.allow = true
		if g > r.grant {
			r.grant = g
		}
	}
}

// statement matches one statement; failed names the first element that did
// not match ("" when the statement applies).
func (e *evaluator) statement(s *Statement, actionMatched bool) (g grant, failed string) {
	req := e.req
	if !actionMatched && !matchAction(s, e.svc, e.name) {
		if s.NotAction {
			return 0, "NotAction"
		}
		return 0, "Action"
	}
	if s.resources != nil && !e.matchResource(s) {
		if s.NotResource {
			return 0, "NotResource"
		}
		return 0, "Resource"
	}
	g = grantDirect
	switch {
	case s.Principal != nil:
		g = e.matchPrincipals(s.Principal)
		if g == grantNone {
			return 0, "Principal"
		}
	case s.NotPrincipal != nil:
		// "NotPrincipal with Deny always denies a principal that has a
		// permissions boundary"
		// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
		boundaryRule := s.Effect == ExplicitDeny && e.set.Boundary != nil
		if !boundaryRule && e.notPrincipalExcludes(s.NotPrincipal) {
			return 0, "NotPrincipal"
		}
	}
	for _, c := range s.Conditions {
		if !c.eval(req.context()) {
			if e.full {
				return 0, "Condition " + c.Operator + " " + c.Key
			}
			return 0, "Condition"
		}
	}
	return g, ""
}

func matchAction(s *Statement, svc, name string) bool {
	hit := false
	for i := range s.actions {
		if s.actions[i].match(svc, name) {
			hit = true
			break
		}
	}
	return hit != s.NotAction
}

func (e *evaluator) matchResource(s *Statement) bool {
	hit := false
	for i := range s.resources {
		var ctx Context
		if s.resources[i].vars {
			ctx = e.req.context()
		}
		if s.resources[i].match(e.req.Resource, ctx) {
			hit = true
			break
		}
	}
	return hit != s.NotResource
}

// matchPrincipals returns how a Principal element names the caller
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
func (e *evaluator) matchPrincipals(pr *Principals) grant {
	if pr.Star {
		// Ambiguity: the docs do not say whether "*" counts as naming the
		// session or the role for boundary purposes; it matches the caller
		// itself, so it is treated as a direct grant.
		return grantDirect
	}
	best := grantNone
	for typ, vals := range pr.Map {
		for _, v := range vals {
			if g := e.matchPrincipal(typ, v); g > best {
				best = g
			}
		}
	}
	return best
}

func (e *evaluator) matchPrincipal(typ, v string) grant {
	p := &e.p
	switch typ {
	case "AWS":
		if v == "*" {
			return grantDirect
		}
		if p.kind == KindAnonymous || p.kind == KindService {
			return grantNone
		}
		if len(v) == 12 && !strings.HasPrefix(v, "arn:") {
			if v == p.account {
				return grantAccount
			}
			return grantNone
		}
		if arnAccount(v) != p.account {
			return grantNone
		}
		res := arnResource(v)
		switch {
		case res == "root":
			return grantAccount
		case v == p.arn:
			return grantDirect
		case strings.HasPrefix(res, "role/") && p.kind == KindAssumedRole && e.sameRole(v, res):
			return grantRole
		case strings.HasPrefix(res, "user/") && p.kind == KindFederatedUser && v == e.req.FederatedFrom:
			return grantSessionUser
		}
	case "Service", "Federated":
		if v == p.arn && (p.kind == KindService || typ == "Federated") {
			return grantDirect
		}
	}
	// CanonicalUser principals name S3 canonical IDs, which doppel's callers
	// never carry; they match nobody.
	return grantNone
}

// sameRole reports whether the role ARN v (resource part res) is the role
// of the caller's session.
func (e *evaluator) sameRole(v, res string) bool {
	if e.req.RoleARN != "" {
		return v == e.req.RoleARN
	}
	// Without the role's ARN, compare the role name: the session ARN is
	// arn:aws:sts::A:assumed-role/NAME/SESSION and drops the role's path.
	name := res[strings.LastIndexByte(res, '/')+1:]
	sres := arnResource(e.p.arn)
	sres = strings.TrimPrefix(sres, "assumed-role/")
	if j := strings.IndexByte(sres, '/'); j >= 0 {
		sres = sres[:j]
	}
	return name == sres
}

// notPrincipalExcludes reports whether a NotPrincipal element names the
// caller, i.e. the statement does not apply. Every identity in the caller's
// chain must be listed: its account, and for a session also the role and
// the session ARN, as the NotPrincipal page requires
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
func (e *evaluator) notPrincipalExcludes(pr *Principals) bool {
	if pr.Star {
		return true
	}
	var account, self, role bool
	for typ, vals := range pr.Map {
		for _, v := range vals {
			if typ == "AWS" && v == "*" {
				return true
			}
			switch e.matchPrincipal(typ, v) {
			case grantAccount:
				account = true
			case grantDirect:
				self = true
			case grantRole, grantSessionUser:
				role = true
			}
		}
	}
	switch e.p.kind {
	case KindAnonymous:
		return false
	case KindService:
		return self
	case KindRoot:
		return account
	case KindAssumedRole, KindFederatedUser:
		return account && self && role
	}
	return account && self
}
