package organizations

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/store"
)

// Enforcement: the authorizer asks, on every request, which SCPs bound the
// caller's account and which RCPs bound the resource's, and where both sit
// in their organization. The answers are derived from the organization
// record and cached per account until this package's table changes, so an
// attachment or a move takes effect on the next request.

// membership is where an account sits, and the policies that bound it.
type membership struct {
	orgID string
	path  string                // aws:PrincipalOrgPaths form: o-id/r-id/ou-id/.../
	scps  []authz.NamedDocument // one per level; nil when SCPs do not apply
	rcps  []authz.NamedDocument
}

type pathCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]*membership // account -> membership, nil when in no organization
}

// maxCachedAccounts bounds the cache; it is emptied when full.
const maxCachedAccounts = 4096

func (s *Service) membership(ctx context.Context, account string) (*membership, error) {
	gen := s.store.TableGeneration(table)
	c := &s.paths
	c.mu.Lock()
	if c.gen != gen || c.m == nil || len(c.m) >= maxCachedAccounts {
		c.gen, c.m = gen, map[string]*membership{}
	}
	m, ok := c.m[account]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	err := s.store.View(ctx, func(tx store.Tx) error {
		o, err := loadOrgOf(tx, account)
		if err != nil || o == nil {
			return err
		}
		m = o.membership(account)
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	// Keep only what was read at the generation the cache holds.
	if c.gen == gen {
		c.m[account] = m
	}
	c.mu.Unlock()
	return m, nil
}

func (o *orgRec) membership(account string) *membership {
	a := o.Accounts[account]
	if a == nil {
		return nil
	}
	levels := append(o.path(a.Parent), account)
	m := &membership{orgID: o.ID}
	var b strings.Builder
	b.WriteString(o.ID + "/")
	for _, l := range levels[:len(levels)-1] {
		b.WriteString(l + "/")
	}
	m.path = b.String()
	// The management account is never restricted by SCPs or RCPs.
	if account == o.Master {
		return m
	}
	// A closed account can do nothing, and nothing can be done to its
	// resources, until it is reopened (AWS Account Management, "Closing an
	// account"); an empty level of either kind stands for that.
	if a.Status == statusSuspended {
		m.scps = []authz.NamedDocument{{Name: "closed-account", Document: allowsNothing}}
		m.rcps = []authz.NamedDocument{{Name: "closed-account", Document: rcpAllowsNothing}}
		return m
	}
	if o.typeEnabled(typeSCP) {
		m.scps = o.levelDocs(levels, typeSCP)
	}
	if o.typeEnabled(typeRCP) {
		m.rcps = o.levelDocs(levels, typeRCP)
	}
	return m
}

// levelDocs returns one document per level: the policies of typ attached
// there, merged, since the policies of one level add up while the levels
// must each allow.
func (o *orgRec) levelDocs(levels []string, typ string) []authz.NamedDocument {
	out := make([]authz.NamedDocument, 0, len(levels))
	for _, l := range levels {
		var names, docs []string
		for _, id := range o.Attached[l] {
			if p := o.lookupPolicy(id); p != nil && p.Type == typ {
				names = append(names, p.ID)
				docs = append(docs, p.Content)
			}
		}
		doc := mergeDocuments(docs)
		if len(docs) == 0 && typ == typeRCP {
			doc = rcpAllowsNothing
		}
		out = append(out, authz.NamedDocument{Name: strings.Join(names, "+"), Document: doc})
	}
	return out
}

// allowsNothing stands for a level with no policy attached (AWS does not
// let that happen while the type is enabled): it matches no action. RCPs
// must name their principals and may not use NotAction, so theirs denies an
// action no request ever names.
const (
	allowsNothing    = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]}`
	rcpAllowsNothing = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"doppel:NoRequestNamesThis","Resource":"*"}]}`
)

// mergeDocuments joins the statements of documents into one, renaming
// repeated Sids (the engine wants them unique within a document).
func mergeDocuments(docs []string) string {
	switch len(docs) {
	case 0:
		return allowsNothing
	case 1:
		return docs[0]
	}
	var stmts []json.RawMessage
	seen := map[string]bool{}
	for _, d := range docs {
		var doc struct {
			Statement json.RawMessage
		}
		if json.Unmarshal([]byte(d), &doc) != nil {
			continue // validated when stored; nothing to add
		}
		var list []json.RawMessage
		if json.Unmarshal(doc.Statement, &list) != nil {
			list = []json.RawMessage{doc.Statement}
		}
		for _, st := range list {
			var m map[string]json.RawMessage
			if json.Unmarshal(st, &m) != nil {
				continue
			}
			var sid string
			if json.Unmarshal(m["Sid"], &sid) == nil && sid != "" {
				base := sid
				for n := 2; seen[sid]; n++ {
					sid = base + strconv.Itoa(n)
				}
				seen[sid] = true
				m["Sid"], _ = json.Marshal(sid)
				st, _ = json.Marshal(m)
			}
			stmts = append(stmts, st)
		}
	}
	b, _ := json.Marshal(struct {
		Version   string
		Statement []json.RawMessage
	}{"2012-10-17", stmts})
	return string(b)
}

// exempt reports whether the request's caller is a service-linked role,
// which neither SCPs nor RCPs restrict.
func exempt(ctx context.Context) bool {
	info := request.From(ctx)
	if info == nil || info.Principal == nil {
		return false
	}
	p := info.Principal
	return p.Kind == identity.AssumedRole && p.Session != nil && strings.Contains(p.Session.RoleARN, ":role/aws-service-role/")
}

// ServiceControlPolicies implements authz.OrgPolicySource.
func (s *Service) ServiceControlPolicies(ctx context.Context, account string) ([]authz.NamedDocument, error) {
	if exempt(ctx) {
		return nil, nil
	}
	m, err := s.membership(ctx, account)
	if err != nil || m == nil {
		return nil, err
	}
	return m.scps, nil
}

// rcpServices are the services among doppel's that RCPs apply to (AWS
// Organizations User Guide, "Resource control policies": Amazon S3 and AWS
// STS among them; IAM is not).
var rcpServices = map[string]bool{"s3": true, "sts": true}

// ResourceControlPolicies implements authz.OrgPolicySource.
func (s *Service) ResourceControlPolicies(ctx context.Context, account string) ([]authz.NamedDocument, error) {
	if exempt(ctx) {
		return nil, nil
	}
	if info := request.From(ctx); info == nil || !rcpServices[info.Service] {
		return nil, nil
	}
	m, err := s.membership(ctx, account)
	if err != nil || m == nil {
		return nil, err
	}
	return m.rcps, nil
}

// AccountOrg implements authz.OrgMembership: the organization ID of an
// account and its path (o-id/r-id/ou-id/.../), "" when it is in none.
func (s *Service) AccountOrg(ctx context.Context, account string) (orgID, path string, err error) {
	m, err := s.membership(ctx, account)
	if err != nil || m == nil {
		return "", "", err
	}
	return m.orgID, m.path, nil
}
