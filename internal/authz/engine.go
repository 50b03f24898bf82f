package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/request"
)

// OrgPolicySource gives the Organizations policies that apply to an
// account: one document per level (root, each OU, the account), every level
// must allow. nil slices mean the account is in no organization (or is its
// management account, which SCPs and RCPs do not affect).
type OrgPolicySource interface {
	ServiceControlPolicies(ctx context.Context, account string) ([]NamedDocument, error)
	ResourceControlPolicies(ctx context.Context, account string) ([]NamedDocument, error)
}

// OrgMembership is optionally implemented by an OrgPolicySource: the
// organization an account is in and its path (o-id/r-id/ou-id/.../), ""
// when it is in none. The Engine fills aws:PrincipalOrgID,
// aws:PrincipalOrgPaths, aws:ResourceOrgID and aws:ResourceOrgPaths from it.
type OrgMembership interface {
	AccountOrg(ctx context.Context, account string) (orgID, path string, err error)
}

// Config is what New needs.
type Config struct {
	Policies PolicySource // required
	// Orgs gives SCPs and RCPs; nil when doppel has no organization.
	Orgs OrgPolicySource
	// Generation reports the state's generation (store.Store.Generation);
	// principals' compiled policies are cached until it changes. nil
	// disables that cache: every request asks Policies again.
	Generation func() uint64
	// Logger receives the one warning per unreadable stored policy; nil
	// discards.
	Logger *slog.Logger
}

// Engine is the Authorizer: it builds the request context from the caller
// and the Check, gathers every policy that applies, and asks the policy
// engine.
type Engine struct {
	cfg Config

	cache *docCache
	log   *slog.Logger

	mu     sync.Mutex
	gen    uint64
	prin   map[principalKey]*principalEntry // a principal's policies at generation gen
	logged map[loggedKey]bool               // unreadable policies already logged
}

type principalKey struct{ account, kind, name string }

type principalEntry struct {
	identity []*policy.Policy
	boundary *policy.Policy
	tags     map[string]string
}

var _ Authorizer = (*Engine)(nil)

// New returns an Engine.
func New(cfg Config) *Engine {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{cfg: cfg, cache: newDocCache(), log: log, prin: map[principalKey]*principalEntry{}, logged: map[loggedKey]bool{}}
}

// Authorize implements Authorizer.
func (e *Engine) Authorize(ctx context.Context, c Check) error {
	d, err := e.Decide(ctx, c)
	if err != nil {
		return err
	}
	if d.Effect != policy.Allow {
		return awserr.AccessDenied(d.Message).Wrap(newDenial(ctx, c, d))
	}
	return nil
}

// Decide is Authorize returning the whole decision (effect, message and the
// matched statements) for callers that record it, such as the audit log.
// The error is for failures to gather policies, never for a denial.
func (e *Engine) Decide(ctx context.Context, c Check) (policy.Decision, error) {
	info := request.From(ctx)
	p := &anonymous
	if info != nil && info.Principal != nil {
		p = info.Principal
	}
	// One allocation holds the request, the policy set and what building
	// the context lazily needs.
	d := &decision{info: info, p: p, c: c}
	req, set := &d.req, &d.set
	*req = policy.Request{
		PrincipalARN:     p.ARN,
		PrincipalAccount: p.Account,
		PrincipalKind:    principalKind(p),
		Action:           c.Action,
		Resource:         c.Resource,
		ResourceAccount:  c.ResourceAccount,
	}
	if req.Resource == "" {
		req.Resource = "*"
	}
	if s := p.Session; s != nil {
		req.RoleARN = s.RoleARN
		if p.Kind == identity.FederatedUser {
			req.FederatedFrom = s.SourceUserARN
		}
	}

	if owner, kind, name := policyOwner(p); owner != "" {
		pe, err := e.principal(ctx, owner, kind, name)
		if err != nil {
			return policy.Decision{}, err
		}
		set.Identity, set.Boundary, d.tags = pe.identity, pe.boundary, pe.tags
	}
	if s := p.Session; s != nil && (p.Kind == identity.AssumedRole || p.Kind == identity.FederatedUser) {
		for _, doc := range s.Policies {
			sp, err := e.compile(policy.Session, "session/inline", doc)
			if err != nil {
				return policy.Decision{}, err
			}
			set.Session = append(set.Session, sp)
		}
		for _, arn := range s.PolicyARNs {
			doc, err := e.cfg.Policies.ManagedPolicyDocument(ctx, arn)
			if err != nil {
				if notFound(err) {
					continue // a deleted managed session policy grants nothing
				}
				return policy.Decision{}, awserr.Internal(fmt.Errorf("authz: session policy %s: %w", arn, err))
			}
			sp, err := e.compile(policy.Session, arn, doc)
			if err != nil {
				return policy.Decision{}, err
			}
			set.Session = append(set.Session, sp)
		}
	}
	if rp := c.ResourcePolicy; rp != nil {
		if rp.Unreadable != nil {
			e.unreadable(rp, c.Resource)
		}
		set.Resource = rp
	}
	if e.cfg.Orgs != nil {
		if err := d.orgKeys(ctx, e.cfg.Orgs); err != nil {
			return policy.Decision{}, err
		}
		var err error
		if p.Account != "" {
			if set.SCPs, err = e.orgPolicies(ctx, policy.SCP, p.Account); err != nil {
				return policy.Decision{}, err
			}
		}
		resAcct := c.ResourceAccount
		if resAcct == "" {
			resAcct = p.Account
		}
		if resAcct != "" {
			if set.RCPs, err = e.orgPolicies(ctx, policy.RCP, resAcct); err != nil {
				return policy.Decision{}, err
			}
		}
	}

	req.LazyContext = d
	return policy.Evaluate(req, set), nil
}

// anonymous is the caller of a request with no principal; never modified.
var anonymous = identity.Principal{Kind: identity.Anonymous}

// decision is the state of one Decide call.
type decision struct {
	req  policy.Request
	set  policy.Set
	info *request.Info
	p    *identity.Principal
	tags map[string]string
	c    Check
	// The principal's and the resource's organization (ID and path), ""
	// outside any.
	principalOrg, principalPath string
	resourceOrg, resourcePath   string
}

// RequestContext implements policy.ContextSource.
func (d *decision) RequestContext() policy.Context {
	ctx := buildContext(d.info, d.p, d.tags, d.c)
	// Organization keys, unless the Check set them itself.
	add := func(k, v string) {
		if _, ok := ctx[k]; !ok && v != "" {
			ctx[k] = []string{v}
		}
	}
	add("aws:PrincipalOrgID", d.principalOrg)
	add("aws:PrincipalOrgPaths", d.principalPath)
	add("aws:ResourceOrgID", d.resourceOrg)
	add("aws:ResourceOrgPaths", d.resourcePath)
	return ctx
}

// orgKeys finds where the principal's and the resource's accounts sit, when
// the OrgPolicySource knows.
func (d *decision) orgKeys(ctx context.Context, orgs OrgPolicySource) error {
	om, ok := orgs.(OrgMembership)
	if !ok {
		return nil
	}
	var err error
	if d.p.Account != "" {
		if d.principalOrg, d.principalPath, err = om.AccountOrg(ctx, d.p.Account); err != nil {
			return awserr.Internal(fmt.Errorf("authz: organization of %s: %w", d.p.Account, err))
		}
	}
	switch ra := d.c.ResourceAccount; {
	case ra == "":
	case ra == d.p.Account:
		d.resourceOrg, d.resourcePath = d.principalOrg, d.principalPath
	default:
		if d.resourceOrg, d.resourcePath, err = om.AccountOrg(ctx, ra); err != nil {
			return awserr.Internal(fmt.Errorf("authz: organization of %s: %w", ra, err))
		}
	}
	return nil
}

func principalKind(p *identity.Principal) policy.PrincipalKind {
	switch p.Kind {
	case identity.Root:
		return policy.KindRoot
	case identity.User:
		return policy.KindUser
	case identity.AssumedRole:
		return policy.KindAssumedRole
	case identity.FederatedUser:
		return policy.KindFederatedUser
	}
	return policy.KindAnonymous
}

// policyOwner names the IAM identity whose policies apply: the user, the
// session's role, or the IAM user who federated. Root and anonymous callers
// have none.
func policyOwner(p *identity.Principal) (account, kind, name string) {
	switch p.Kind {
	case identity.User:
		name := p.Name
		if name == "" {
			name = lastSegment(p.ARN)
		}
		return p.Account, "user", name
	case identity.AssumedRole:
		if p.Session != nil && p.Session.RoleARN != "" {
			return p.Account, "role", lastSegment(p.Session.RoleARN)
		}
		// arn:aws:sts::A:assumed-role/ROLE/SESSION
		parts := strings.Split(p.ARN, "/")
		if len(parts) >= 3 {
			return p.Account, "role", parts[len(parts)-2]
		}
	case identity.FederatedUser:
		if p.Session != nil && p.Session.SourceUserARN != "" {
			return p.Account, "user", lastSegment(p.Session.SourceUserARN)
		}
	}
	return "", "", ""
}

func lastSegment(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

// principal returns a principal's compiled policies, cached until the
// state's generation changes.
func (e *Engine) principal(ctx context.Context, account, kind, name string) (*principalEntry, error) {
	key := principalKey{account, kind, name}
	var gen uint64
	if e.cfg.Generation != nil {
		gen = e.cfg.Generation()
		e.mu.Lock()
		if gen != e.gen {
			e.gen = gen
			clear(e.prin)
		}
		pe := e.prin[key]
		e.mu.Unlock()
		if pe != nil {
			return pe, nil
		}
	}
	pp, err := e.cfg.Policies.PrincipalPolicies(ctx, account, kind, name)
	if err != nil {
		if notFound(err) {
			// The identity is gone (deleted while its session lives): it has
			// no policies left.
			return &principalEntry{}, nil
		}
		return nil, awserr.Internal(fmt.Errorf("authz: policies of %s %s in %s: %w", kind, name, account, err))
	}
	pe := &principalEntry{tags: pp.Tags}
	for _, nd := range pp.Identity {
		p, err := e.compile(policy.Identity, nd.Name, nd.Document)
		if err != nil {
			return nil, err
		}
		pe.identity = append(pe.identity, p)
	}
	if pp.Boundary != nil {
		if pe.boundary, err = e.compile(policy.Boundary, pp.Boundary.Name, pp.Boundary.Document); err != nil {
			return nil, err
		}
	}
	if e.cfg.Generation != nil {
		e.mu.Lock()
		// Cache only what was read at the current generation.
		if e.gen == gen {
			e.prin[key] = pe
		}
		e.mu.Unlock()
	}
	return pe, nil
}

func (e *Engine) orgPolicies(ctx context.Context, kind policy.Kind, account string) ([]*policy.Policy, error) {
	get := e.cfg.Orgs.ServiceControlPolicies
	if kind == policy.RCP {
		get = e.cfg.Orgs.ResourceControlPolicies
	}
	docs, err := get(ctx, account)
	if err != nil {
		return nil, awserr.Internal(fmt.Errorf("authz: %s of %s: %w", kind, account, err))
	}
	var out []*policy.Policy
	for _, nd := range docs {
		p, err := e.compile(kind, nd.Name, nd.Document)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// compile returns the compiled policy of a stored document. A document
// that does not parse (stored by an earlier build that validated less)
// becomes policy.Unreadable, which grants nothing, and is logged once: it
// must never turn every request of its owner into a 500.
func (e *Engine) compile(kind policy.Kind, name, doc string) (*policy.Policy, error) {
	p := e.cache.load(kind, name, doc)
	if p.Unreadable != nil {
		e.unreadable(p, "")
	}
	return p, nil
}

// unreadable logs an unreadable stored policy the first time it is used
// (once per document, not per resource: a bucket policy serves every
// object); resource names the first resource it was met on.
func (e *Engine) unreadable(p *policy.Policy, resource string) {
	// By what the document is, not by pointer: Stored and the Engine's
	// cache each compile their own, and either may be emptied.
	key := loggedKey{p.Kind, p.Name, p.Unreadable.Error()}
	e.mu.Lock()
	seen := e.logged[key]
	if !seen {
		if len(e.logged) >= maxCachedDocs {
			clear(e.logged) // bounded: at worst a document is logged again
		}
		e.logged[key] = true
	}
	e.mu.Unlock()
	if !seen {
		args := []any{"kind", p.Kind.String(), "policy", p.Name, "error", p.Unreadable}
		if resource != "" {
			args = append(args, "resource", resource)
		}
		e.log.Warn("stored policy does not parse; it grants nothing until it is replaced", args...)
	}
}

// loggedKey names an unreadable stored policy for the log-once record.
type loggedKey struct {
	kind       policy.Kind
	name, what string
}

func notFound(err error) bool {
	var ae *awserr.Error
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// buildContext assembles the global condition keys AWS puts in every request
// context
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
// and then the Check's own keys, which win: a service knows better (STS sets
// the MFA keys of an MFA-protected AssumeRole, for example).
func buildContext(info *request.Info, p *identity.Principal, tags map[string]string, c Check) policy.Context {
	ctx := make(policy.Context, 24+len(c.Context))
	// One backing array for the single values saves an allocation per key.
	vals := make([]string, 0, 24)
	set := func(k, v string) {
		vals = append(vals, v)
		n := len(vals)
		ctx[k] = vals[n-1 : n : n]
	}
	s := p.Session

	switch p.Kind {
	case identity.Anonymous:
		set("aws:PrincipalType", "Anonymous")
		set("aws:userid", "anonymous")
	default:
		set("aws:PrincipalAccount", p.Account)
		set("aws:PrincipalIsAWSService", "false")
		if p.UserID != "" {
			set("aws:userid", p.UserID)
		}
		switch p.Kind {
		case identity.Root:
			set("aws:PrincipalType", "Account")
			set("aws:PrincipalArn", p.ARN)
		case identity.User:
			set("aws:PrincipalType", "User")
			set("aws:PrincipalArn", p.ARN)
			set("aws:username", policyOwnerName(p))
		case identity.AssumedRole:
			set("aws:PrincipalType", "AssumedRole")
			// For a role session aws:PrincipalArn is the role's ARN, not the
			// session's.
			if s != nil && s.RoleARN != "" {
				set("aws:PrincipalArn", s.RoleARN)
			} else {
				set("aws:PrincipalArn", p.ARN)
			}
		case identity.FederatedUser:
			set("aws:PrincipalType", "FederatedUser")
			set("aws:PrincipalArn", p.ARN)
		}
	}

	// Principal tags: the IAM identity's tags, then session tags, which win
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html);
	// tag keys are case-insensitive. A federated user's principal tags are its
	// session tags only.
	var sessionTags map[string]string
	if s != nil {
		sessionTags = s.Tags
	}
	if p.Kind != identity.FederatedUser {
	tags:
		for k, v := range tags {
			for sk := range sessionTags {
				if strings.EqualFold(sk, k) {
					continue tags
				}
			}
			set("aws:PrincipalTag/"+k, v)
		}
	}
	for k, v := range sessionTags {
		set("aws:PrincipalTag/"+k, v)
	}

	// Temporary credentials only: MFA keys, the token's issue time, the
	// source identity. Long-term access keys carry none of them
	// (aws:MultiFactorAuthPresent "is not present when an API or CLI command
	// is called with long-term credentials").
	if s != nil {
		if s.MFAAuthenticated {
			set("aws:MultiFactorAuthPresent", "true")
		} else {
			set("aws:MultiFactorAuthPresent", "false")
		}
		if !s.IssuedAt.IsZero() {
			set("aws:TokenIssueTime", s.IssuedAt.UTC().Format(time.RFC3339))
		}
		if s.SourceIdentity != "" {
			set("aws:SourceIdentity", s.SourceIdentity)
		}
	}

	if info != nil {
		now := info.Time
		if now.IsZero() {
			now = time.Now()
		}
		now = now.UTC()
		set("aws:CurrentTime", now.Format(time.RFC3339))
		set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
		if s != nil && s.MFAAuthenticated && !s.MFAAuthTime.IsZero() {
			age := int64(now.Sub(s.MFAAuthTime) / time.Second)
			if age < 0 {
				age = 0
			}
			set("aws:MultiFactorAuthAge", strconv.FormatInt(age, 10))
		}
		if info.SourceIP.IsValid() {
			set("aws:SourceIp", info.SourceIP.Unmap().String())
		}
		set("aws:SecureTransport", strconv.FormatBool(info.Secure))
		if info.Region != "" {
			set("aws:RequestedRegion", info.Region)
		}
		if info.UserAgent != "" {
			set("aws:UserAgent", info.UserAgent)
		}
	}
	set("aws:ViaAWSService", "false")
	if c.ResourceAccount != "" {
		set("aws:ResourceAccount", c.ResourceAccount)
	}

	for k, v := range c.Context {
		// Replace a global key of the same name whatever its case; only
		// global (aws:) keys can collide.
		if _, exact := ctx[k]; !exact && len(k) > 4 && strings.EqualFold(k[:4], "aws:") {
			for old := range ctx {
				if strings.EqualFold(old, k) {
					delete(ctx, old)
				}
			}
		}
		ctx[k] = v
	}
	return ctx
}

func policyOwnerName(p *identity.Principal) string {
	if p.Name != "" {
		return p.Name
	}
	return lastSegment(p.ARN)
}
