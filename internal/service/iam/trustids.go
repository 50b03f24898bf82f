package iam

import (
	"strings"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/store"
)

// A trust policy names IAM users and roles by ARN, but AWS binds each to the
// unique ID it has when the policy is saved: a principal deleted and created
// again under its name is a stranger to the policy, which from then on shows
// the old unique ID where the ARN was; a renamed one is still trusted, under
// its new ARN (IAM User Guide, "AWS JSON policy elements: Principal", IAM
// role principals). roleRec.TrustIDs keeps the binding; repointTrust
// follows a principal's deletion or rename into every trust policy bound to
// it, so reading and evaluating a trust policy need nothing more.

// trustIDs returns the unique IDs of the IAM users and roles that the trust
// policy doc names by ARN and that exist now, by ARN. Principals that do not
// exist stay names: doppel, unlike AWS, accepts them when the policy is saved.
func trustIDs(tx store.Tx, doc string) (map[string]string, error) {
	p, err := policy.ParseStored(doc, policy.Trust)
	if err != nil {
		return nil, err
	}
	var ids map[string]string
	for _, v := range p.AWSPrincipals() {
		id, err := principalID(tx, v)
		if err != nil {
			return nil, err
		}
		if id != "" {
			if ids == nil {
				ids = map[string]string{}
			}
			ids[v] = id
		}
	}
	return ids, nil
}

// principalID is the unique ID of the user or role with ARN v, or "" when v
// names none (or is no user or role ARN).
func principalID(tx store.Tx, v string) (string, error) {
	const prefix = "arn:aws:iam::"
	if !strings.HasPrefix(v, prefix) || len(v) < len(prefix)+13 || v[len(prefix)+12] != ':' {
		return "", nil
	}
	account, res := v[len(prefix):len(prefix)+12], v[len(prefix)+13:]
	name := res[strings.LastIndexByte(res, '/')+1:]
	switch {
	case strings.HasPrefix(res, "user/"):
		u, found, err := get[userRec](tx, recordKey(account, kindUser, name))
		if err != nil || !found || userARN(account, u) != v {
			return "", err
		}
		return u.ID, nil
	case strings.HasPrefix(res, "role/"):
		r, found, err := get[roleRec](tx, recordKey(account, kindRole, name))
		if err != nil || !found || roleARN(account, r) != v {
			return "", err
		}
		return r.ID, nil
	}
	return "", nil
}

// repointTrust rewrites, in every account, the trust policies bound to the
// principal with unique ID id: where they name it, they name to instead (its
// new ARN after a rename, or id itself once it is deleted), and the binding
// follows a new ARN.
func repointTrust(tx store.Tx, id, to string) error {
	accounts, err := identity.ListAccounts(tx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		roles, err := scan[roleRec](tx, a.ID, kindRole)
		if err != nil {
			return err
		}
		for _, r := range roles {
			changed := false
			for from, bound := range r.TrustIDs {
				if bound != id || from == to {
					continue
				}
				doc, err := policy.RenamePrincipal(r.AssumeRolePolicy, policy.Trust, from, to)
				if err != nil {
					return err
				}
				r.AssumeRolePolicy, changed = doc, true
				delete(r.TrustIDs, from)
				if to != id {
					r.TrustIDs[to] = id
				}
			}
			if changed {
				if err := put(tx, recordKey(a.ID, kindRole, r.Name), r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
