package organizations

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// Declaration is an organization as doppel's bootstrap file declares it.
// Apply brings the store in line with it, adding what is missing and
// never removing anything.
type Declaration struct {
	Management string   // the management account's ID
	Accounts   []string // member accounts directly under the root, by ID
	Units      []UnitDeclaration
	Policies   []PolicyDeclaration
}

// UnitDeclaration is an OU, its member accounts and its child OUs.
type UnitDeclaration struct {
	Name     string
	Accounts []string
	Units    []UnitDeclaration
}

// PolicyDeclaration is a policy and where it is attached: "root", an OU's
// path of names from the root ("workloads/prod"), or an account ID.
type PolicyDeclaration struct {
	Name        string
	Type        string // SERVICE_CONTROL_POLICY (the default), RESOURCE_CONTROL_POLICY, TAG_POLICY...
	Description string
	Content     string
	Targets     []string
}

// CheckPolicy validates a declared policy's content for its type as
// CreatePolicy would, for the bootstrap file's own errors.
func CheckPolicy(typ, content string) error { return checkContent(typ, content) }

// Apply applies d in tx, as of now, and returns what it changed. A member
// account declared in another place of the organization moves there; an
// account of another organization is an error; attachments and OUs the
// declaration does not name stay.
func Apply(tx store.Tx, d Declaration, now time.Time) ([]string, error) {
	var changes []string
	note := func(format string, args ...any) { changes = append(changes, fmt.Sprintf(format, args...)) }

	o, err := loadOrgOf(tx, d.Management)
	if err != nil {
		return nil, err
	}
	if o == nil {
		acct, err := identity.GetAccount(tx, d.Management)
		if err != nil {
			return nil, fmt.Errorf("management account %s: %w", d.Management, err)
		}
		email, err := ownEmail(tx, acct)
		if err != nil {
			return nil, err
		}
		o = newOrg("o-"+randomID(10), acct.ID, email, "ALL", now)
		o.Accounts[acct.ID] = &accountRec{ID: acct.ID, Name: acct.Name, Email: email, Parent: o.Root.ID,
			Status: statusActive, Joined: joinedInvited, JoinedAt: now}
		if err := putMember(tx, acct.ID, o.ID); err != nil {
			return nil, err
		}
		note("created organization %s with management account %s", o.ID, acct.ID)
	} else if o.Master != d.Management {
		return nil, fmt.Errorf("account %s is a member of organization %s, managed by %s", d.Management, o.ID, o.Master)
	}

	for _, p := range d.Policies {
		if t := policyTypeOrDefault(p.Type); !o.typeEnabled(t) {
			o.Root.PolicyTypes = append(o.Root.PolicyTypes, t)
			if full, ok := enforcedTypes[t]; ok {
				for _, target := range o.targets() {
					o.attach(target, full)
				}
			}
			note("enabled %s", t)
		}
	}

	paths := map[string]string{"root": o.Root.ID} // OU path -> ID
	place := func(account, parent string) error {
		a := o.Accounts[account]
		if a == nil {
			if cur, err := loadOrgOf(tx, account); err != nil {
				return err
			} else if cur != nil {
				return fmt.Errorf("account %s is a member of organization %s", account, cur.ID)
			}
			acct, err := identity.GetAccount(tx, account)
			if err != nil {
				return fmt.Errorf("member account %s: %w", account, err)
			}
			email, err := ownEmail(tx, acct)
			if err != nil {
				return err
			}
			o.Accounts[account] = &accountRec{ID: account, Name: acct.Name, Email: email, Parent: parent,
				Status: statusActive, Joined: joinedInvited, JoinedAt: now}
			o.attachDefaults(account)
			note("account %s joined organization %s", account, o.ID)
			return putMember(tx, account, o.ID)
		}
		if a.Parent != parent && account != o.Master {
			a.Parent = parent
			note("moved account %s to %s", account, parent)
		}
		return nil
	}
	var units func(parent, prefix string, us []UnitDeclaration) error
	units = func(parent, prefix string, us []UnitDeclaration) error {
		for _, u := range us {
			id := ""
			for _, ou := range o.OUs {
				if ou.Parent == parent && ou.Name == u.Name {
					id = ou.ID
				}
			}
			if id == "" {
				if len(o.path(parent)) > maxOUDepth {
					return fmt.Errorf("OU %s%s is more than %d levels deep", prefix, u.Name, maxOUDepth)
				}
				id = o.newOUID()
				o.OUs[id] = &ouRec{ID: id, Name: u.Name, Parent: parent}
				o.attachDefaults(id)
				note("created OU %s%s (%s)", prefix, u.Name, id)
			}
			paths[prefix+u.Name] = id
			for _, a := range u.Accounts {
				if err := place(a, id); err != nil {
					return err
				}
			}
			if err := units(id, prefix+u.Name+"/", u.Units); err != nil {
				return err
			}
		}
		return nil
	}
	for _, a := range d.Accounts {
		if err := place(a, o.Root.ID); err != nil {
			return nil, err
		}
	}
	if err := units(o.Root.ID, "", d.Units); err != nil {
		return nil, err
	}

	for _, pd := range d.Policies {
		typ := policyTypeOrDefault(pd.Type)
		if err := checkContent(typ, pd.Content); err != nil {
			return nil, fmt.Errorf("policy %s: %w", pd.Name, err)
		}
		var p *policyRec
		for _, x := range o.Policies {
			if x.Type == typ && x.Name == pd.Name {
				p = x
			}
		}
		switch {
		case p == nil:
			p = &policyRec{ID: o.newPolicyID(), Name: pd.Name, Description: pd.Description, Type: typ, Content: pd.Content}
			o.Policies[p.ID] = p
			note("created policy %s (%s)", pd.Name, p.ID)
		case p.Content != pd.Content || p.Description != pd.Description:
			p.Content, p.Description = pd.Content, pd.Description
			note("updated policy %s (%s)", pd.Name, p.ID)
		}
		for _, t := range pd.Targets {
			id := t
			if ou, ok := paths[strings.Trim(t, "/")]; ok {
				id = ou
			}
			if o.targetARN(id) == "" {
				return nil, fmt.Errorf("policy %s: target %q is not the root, a declared OU or an account of the organization", pd.Name, t)
			}
			if !slices.Contains(o.Attached[id], p.ID) {
				o.attach(id, p.ID)
				note("attached policy %s to %s", pd.Name, t)
			}
		}
	}
	if len(changes) == 0 {
		return nil, nil
	}
	return changes, putOrg(tx, o)
}

func policyTypeOrDefault(t string) string {
	if t == "" {
		return typeSCP
	}
	return t
}
