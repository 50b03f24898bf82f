package organizations

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
)

// Effective management policies (tag, backup, AI opt-out ... policies): the
// policies of a type on the path from the root to an account, merged with
// their inheritance operators (Organizations User Guide, "Understanding
// management policy inheritance"): @@assign replaces what was inherited,
// @@append adds to an inherited list, @@remove takes values out of it, and
// @@operators_allowed_for_child_policies limits what policies further down
// may do (@@all, @@none, or a list of operators). The result has the
// operators removed.

func (s *Service) DescribeEffectivePolicy(ctx context.Context, in *organizationsapi.DescribeEffectivePolicyInput) (*organizationsapi.DescribeEffectivePolicyOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	target := api.ToString(in.TargetId)
	if target == "" {
		target = p.Account
	}
	o, err := s.orgOf(ctx, p.Account)
	if err != nil {
		return nil, err
	}
	resource := "*"
	if o != nil {
		resource = o.accountARN(target)
	}
	if err := s.authorize(ctx, p.Account, "DescribeEffectivePolicy", resource, policyTypeKeys(string(in.PolicyType))); err != nil {
		return nil, err
	}
	if o == nil {
		return nil, notInUse()
	}
	if strings.HasPrefix(target, "r-") || strings.HasPrefix(target, "ou-") {
		return nil, invalidInput("TARGET_NOT_SUPPORTED", "You can't perform the specified operation on that target entity.")
	}
	// A member sees its own; the management account and delegated
	// administrators see any account's.
	if target != p.Account && o.Master != p.Account && len(o.Delegated[p.Account]) == 0 {
		return nil, notManagement()
	}
	a := o.Accounts[target]
	if a == nil {
		return nil, targetNotFound()
	}
	typ := string(in.PolicyType)
	notFound := organizationsapi.ErrEffectivePolicyNotFoundException("We can't find an effective policy of the specified type for the specified target.")
	if !o.typeEnabled(typ) {
		return nil, notFound
	}
	var levels [][]string
	for _, l := range append(o.path(a.Parent), target) {
		var docs []string
		for _, id := range o.Attached[l] {
			if pol := o.lookupPolicy(id); pol != nil && pol.Type == typ {
				docs = append(docs, pol.Content)
			}
		}
		levels = append(levels, docs)
	}
	content, ok := effectivePolicy(levels)
	if !ok {
		return nil, notFound
	}
	return &organizationsapi.DescribeEffectivePolicyOutput{EffectivePolicy: &organizationsapi.EffectivePolicy{
		PolicyContent: api.String(content), TargetId: api.String(target), PolicyType: api.Ptr(in.PolicyType),
		LastUpdatedTimestamp: api.Time(s.timestamp()),
	}}, nil
}

const (
	opAssign  = "@@assign"
	opAppend  = "@@append"
	opRemove  = "@@remove"
	opAllowed = "@@operators_allowed_for_child_policies"
)

// effectivePolicy merges the documents of each level, root first; ok is
// false when no level has one.
func effectivePolicy(levels [][]string) (string, bool) {
	eff := map[string]any{}
	allowed := map[string][]string{} // key path -> operators children may use
	found := false
	for _, docs := range levels {
		next := map[string][]string{}
		for k, v := range allowed {
			next[k] = v
		}
		for _, d := range docs {
			var doc map[string]any
			if json.Unmarshal([]byte(d), &doc) != nil {
				continue
			}
			found = true
			mergeNode(eff, doc, "", allowed, next)
		}
		// Limits set at this level bind the levels below, not this one.
		allowed = next
	}
	if !found {
		return "", false
	}
	b, _ := json.Marshal(eff)
	return string(b), true
}

// permits reports whether op may change the value at path, given the
// limits set above it (the nearest one counts).
func permits(allowed map[string][]string, path, op string) bool {
	for p := path; ; {
		if ops, ok := allowed[p]; ok {
			return slices.Contains(ops, "@@all") || slices.Contains(ops, op)
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return true
		}
		p = p[:i]
	}
}

func mergeNode(eff, node map[string]any, path string, allowed, next map[string][]string) {
	for k, v := range node {
		if strings.HasPrefix(k, "@@") {
			continue
		}
		p := path + "/" + k
		child, isObj := v.(map[string]any)
		if !isObj {
			// A bare value is an assignment.
			if permits(allowed, p, opAssign) {
				eff[k] = v
			}
			continue
		}
		if ops := values(child[opAllowed]); ops != nil && permits(allowed, p, opAllowed) {
			next[p] = ops
		}
		_, hasAssign := child[opAssign]
		_, hasAppend := child[opAppend]
		_, hasRemove := child[opRemove]
		if hasAssign || hasAppend || hasRemove {
			if hasAssign && permits(allowed, p, opAssign) {
				eff[k] = child[opAssign]
			}
			if hasAppend && permits(allowed, p, opAppend) {
				cur := values(eff[k])
				for _, x := range values(child[opAppend]) {
					if !slices.Contains(cur, x) {
						cur = append(cur, x)
					}
				}
				eff[k] = toAny(cur)
			}
			if hasRemove && permits(allowed, p, opRemove) {
				drop := values(child[opRemove])
				eff[k] = toAny(slices.DeleteFunc(values(eff[k]), func(x string) bool { return slices.Contains(drop, x) }))
			}
			continue
		}
		sub, _ := eff[k].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
		}
		mergeNode(sub, child, p, allowed, next)
		eff[k] = sub
	}
}

// values reads a string or a list of strings.
func values(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
