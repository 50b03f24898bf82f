package iam

import (
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

// CreateAccessRole makes, in tx, the role AWS Organizations leaves in an
// account it creates (OrganizationAccountAccessRole unless CreateAccount
// names another): trustPolicy as its trust policy and the managed policies
// policyARNs attached. It authorizes nothing: Organizations acts on its own
// behalf, and takes the caller's transaction so that the account and its
// role appear together or not at all.
func CreateAccessRole(tx store.Tx, account, name, trustPolicy string, policyARNs []string, now time.Time) error {
	if err := checkName(name, "roleName", 64); err != nil {
		return err
	}
	if _, found, err := get[roleRec](tx, recordKey(account, kindRole, name)); err != nil {
		return err
	} else if found {
		return alreadyExists("Role with name %s already exists.", name)
	}
	r := roleRec{
		Name: name, Path: "/", ID: newID("AROA"), Created: now.UTC().Truncate(time.Second),
		AssumeRolePolicy: trustPolicy, MaxSessionDuration: defaultSession,
	}
	for _, pa := range policyARNs {
		if err := countUse(tx, account, pa, 1, 0); err != nil {
			return err
		}
		r.Attached = append(r.Attached, pa)
	}
	return put(tx, recordKey(account, kindRole, name), r)
}
