package organizations

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

func (s *Service) CreateOrganization(ctx context.Context, in *organizationsapi.CreateOrganizationInput) (*organizationsapi.CreateOrganizationOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p.Account, "CreateOrganization", "*", nil); err != nil {
		return nil, err
	}
	featureSet := "ALL"
	if in.FeatureSet != nil {
		featureSet = string(*in.FeatureSet)
	}
	now := s.timestamp()
	var o *orgRec
	err = s.update(ctx, func(tx store.Tx) error {
		if cur, err := loadOrgOf(tx, p.Account); err != nil {
			return err
		} else if cur != nil {
			return organizationsapi.ErrAlreadyInOrganizationException("The AWS account is already a member of an organization.")
		}
		acct, err := identity.GetAccount(tx, p.Account)
		if err != nil {
			return err
		}
		email, err := ownEmail(tx, acct)
		if err != nil {
			return err
		}
		o = newOrg("o-"+randomID(10), acct.ID, email, featureSet, now)
		o.Accounts[acct.ID] = &accountRec{
			ID: acct.ID, Name: acct.Name, Email: email, Parent: o.Root.ID,
			Status: statusActive, Joined: joinedInvited, JoinedAt: now,
		}
		if err := putMember(tx, acct.ID, o.ID); err != nil {
			return err
		}
		return putOrg(tx, o)
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.CreateOrganizationOutput{Organization: o.output()}, nil
}

// ownEmail returns the email address an account is known by, registering a
// made-up one (doppel accounts have none until Organizations gives them one)
// the first time.
func ownEmail(tx store.Tx, acct identity.Account) (string, error) {
	if addr, err := tx.Get(table, "account-email/"+acct.ID); err == nil {
		return string(addr), nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	email := acct.Name + "+" + acct.ID + "@doppel.example.com"
	if len(email) > 64 { // the model's limit on addresses
		email = "root+" + acct.ID + "@doppel.example.com"
	}
	if err := tx.Put(table, emailKey(email), []byte(acct.ID)); err != nil {
		return "", err
	}
	return email, tx.Put(table, "account-email/"+acct.ID, []byte(email))
}

func (o *orgRec) output() *organizationsapi.Organization {
	fs := organizationsapi.OrganizationFeatureSet(o.FeatureSet)
	return &organizationsapi.Organization{
		Id: api.String(o.ID), Arn: api.String(o.arn()), FeatureSet: &fs,
		MasterAccountArn:   api.String(o.accountARN(o.Master)),
		MasterAccountId:    api.String(o.Master),
		MasterAccountEmail: api.String(o.MasterEmail),
		// "Do not use" says the model; AWS still sends the SCP type.
		AvailablePolicyTypes: []organizationsapi.PolicyTypeSummary{{
			Type: api.Ptr(organizationsapi.PolicyTypeSERVICECONTROLPOLICY), Status: api.Ptr(organizationsapi.PolicyTypeStatusENABLED),
		}},
	}
}

// DescribeOrganization answers members too: any account of the
// organization may read it.
func (s *Service) DescribeOrganization(ctx context.Context, in *organizationsapi.DescribeOrganizationInput) (*organizationsapi.DescribeOrganizationOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p.Account, "DescribeOrganization", "*", nil); err != nil {
		return nil, err
	}
	o, err := s.orgOf(ctx, p.Account)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, notInUse()
	}
	return &organizationsapi.DescribeOrganizationOutput{Organization: o.output()}, nil
}

func (s *Service) DeleteOrganization(ctx context.Context, in *organizationsapi.DeleteOrganizationInput) (*organizationsapi.DeleteOrganizationOutput, error) {
	account, _, err := s.manage(ctx, "DeleteOrganization", nil, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		o, err := loadOrgOf(tx, account)
		if err != nil {
			return err
		}
		if o == nil {
			return notInUse()
		}
		if o.Master != account {
			return notManagement()
		}
		if len(o.Accounts) > 1 {
			return organizationsapi.ErrOrganizationNotEmptyException("To delete an organization you must first remove all member accounts (except the master).")
		}
		if err := deleteMember(tx, account); err != nil {
			return err
		}
		return tx.Delete(table, "org/"+o.ID)
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.DeleteOrganizationOutput{}, nil
}

func (o *orgRec) rootOutput() organizationsapi.Root {
	r := organizationsapi.Root{Id: api.String(o.Root.ID), Arn: api.String(o.rootARN()), Name: api.String(o.Root.Name)}
	r.PolicyTypes = []organizationsapi.PolicyTypeSummary{}
	for _, t := range o.Root.PolicyTypes {
		r.PolicyTypes = append(r.PolicyTypes, organizationsapi.PolicyTypeSummary{
			Type: api.Ptr(organizationsapi.PolicyType(t)), Status: api.Ptr(organizationsapi.PolicyTypeStatusENABLED),
		})
	}
	return r
}

func (s *Service) ListRoots(ctx context.Context, in *organizationsapi.ListRootsInput) (*organizationsapi.ListRootsOutput, error) {
	_, o, err := s.manage(ctx, "ListRoots", nil, nil)
	if err != nil {
		return nil, err
	}
	return &organizationsapi.ListRootsOutput{Roots: []organizationsapi.Root{o.rootOutput()}}, nil
}

// enforcedTypes are the policy types whose AWS managed policy is attached
// everywhere on enabling them, and which doppel enforces.
var enforcedTypes = map[string]string{typeSCP: fullAWSAccess, typeRCP: rcpFullAWSAccess}

func policyTypeKeys(t string) map[string][]string {
	return map[string][]string{"organizations:PolicyType": {t}}
}

func (s *Service) EnablePolicyType(ctx context.Context, in *organizationsapi.EnablePolicyTypeInput) (*organizationsapi.EnablePolicyTypeOutput, error) {
	typ := string(in.PolicyType)
	account, _, err := s.manage(ctx, "EnablePolicyType", func(o *orgRec) string { return arnPrefix + o.Master + ":root/" + o.ID + "/" + in.RootId }, policyTypeKeys(typ))
	if err != nil {
		return nil, err
	}
	o, err := s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if in.RootId != o.Root.ID {
			return rootNotFound()
		}
		if o.FeatureSet != "ALL" {
			return organizationsapi.ErrPolicyTypeNotAvailableForOrganizationException("You can enable this policy type only after you enable all features in your organization.")
		}
		if o.typeEnabled(typ) {
			return organizationsapi.ErrPolicyTypeAlreadyEnabledException("The specified policy type is already enabled.")
		}
		o.Root.PolicyTypes = append(o.Root.PolicyTypes, typ)
		// AWS attaches its full-access policy to every root, OU and account
		// when SCPs or RCPs are enabled, so that nothing changes until a
		// narrower policy replaces it.
		if full, ok := enforcedTypes[typ]; ok {
			for _, t := range o.targets() {
				o.attach(t, full)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := o.rootOutput()
	return &organizationsapi.EnablePolicyTypeOutput{Root: &r}, nil
}

func (s *Service) DisablePolicyType(ctx context.Context, in *organizationsapi.DisablePolicyTypeInput) (*organizationsapi.DisablePolicyTypeOutput, error) {
	typ := string(in.PolicyType)
	account, _, err := s.manage(ctx, "DisablePolicyType", func(o *orgRec) string { return arnPrefix + o.Master + ":root/" + o.ID + "/" + in.RootId }, policyTypeKeys(typ))
	if err != nil {
		return nil, err
	}
	o, err := s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if in.RootId != o.Root.ID {
			return rootNotFound()
		}
		if !o.typeEnabled(typ) {
			return policyTypeNotEnabled()
		}
		o.Root.PolicyTypes = slices.DeleteFunc(o.Root.PolicyTypes, func(t string) bool { return t == typ })
		// Disabling a type detaches every policy of that type.
		for target, ids := range o.Attached {
			o.Attached[target] = slices.DeleteFunc(ids, func(id string) bool { return o.policyType(id) == typ })
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := o.rootOutput()
	return &organizationsapi.DisablePolicyTypeOutput{Root: &r}, nil
}

// targets lists the root, every OU and every account.
func (o *orgRec) targets() []string {
	out := []string{o.Root.ID}
	out = append(out, sortedIDs(o.OUs)...)
	return append(out, sortedIDs(o.Accounts)...)
}

// attach attaches a policy to a target unless it is already.
func (o *orgRec) attach(target, policy string) {
	if !slices.Contains(o.Attached[target], policy) {
		o.Attached[target] = append(o.Attached[target], policy)
	}
}

// attachDefaults gives a new OU or account the AWS managed policies of the
// enabled types, as AWS does.
func (o *orgRec) attachDefaults(target string) {
	for _, t := range o.Root.PolicyTypes {
		if full, ok := enforcedTypes[t]; ok {
			o.attach(target, full)
		}
	}
}

// forget removes what the organization knows of a target that is gone.
func (o *orgRec) forget(target string) {
	delete(o.Attached, target)
	delete(o.Tags, target)
	delete(o.Delegated, target)
}

func (s *Service) EnableAWSServiceAccess(ctx context.Context, in *organizationsapi.EnableAWSServiceAccessInput) (*organizationsapi.EnableAWSServiceAccessOutput, error) {
	keys := map[string][]string{"organizations:ServicePrincipal": {in.ServicePrincipal}}
	account, _, err := s.manage(ctx, "EnableAWSServiceAccess", nil, keys)
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if _, ok := o.Services[in.ServicePrincipal]; !ok {
			o.Services[in.ServicePrincipal] = now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.EnableAWSServiceAccessOutput{}, nil
}

func (s *Service) DisableAWSServiceAccess(ctx context.Context, in *organizationsapi.DisableAWSServiceAccessInput) (*organizationsapi.DisableAWSServiceAccessOutput, error) {
	keys := map[string][]string{"organizations:ServicePrincipal": {in.ServicePrincipal}}
	account, _, err := s.manage(ctx, "DisableAWSServiceAccess", nil, keys)
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		delete(o.Services, in.ServicePrincipal)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.DisableAWSServiceAccessOutput{}, nil
}

func (s *Service) ListAWSServiceAccessForOrganization(ctx context.Context, in *organizationsapi.ListAWSServiceAccessForOrganizationInput) (*organizationsapi.ListAWSServiceAccessForOrganizationOutput, error) {
	_, o, err := s.manage(ctx, "ListAWSServiceAccessForOrganization", nil, nil)
	if err != nil {
		return nil, err
	}
	names, next, err := page(sortedIDs(o.Services), func(n string) string { return n }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListAWSServiceAccessForOrganizationOutput{NextToken: next, EnabledServicePrincipals: []organizationsapi.EnabledServicePrincipal{}}
	for _, n := range names {
		out.EnabledServicePrincipals = append(out.EnabledServicePrincipals, organizationsapi.EnabledServicePrincipal{
			ServicePrincipal: api.String(n), DateEnabled: api.Time(o.Services[n].Truncate(time.Millisecond)),
		})
	}
	return out, nil
}
