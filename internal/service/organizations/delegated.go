package organizations

import (
	"context"
	"sort"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// Delegated administrators: member accounts the management account names
// for a service. They may then read the organization (manage lets them
// call the Describe and List operations).

func servicePrincipalKeys(sp string) map[string][]string {
	return map[string][]string{"organizations:ServicePrincipal": {sp}}
}

func (s *Service) RegisterDelegatedAdministrator(ctx context.Context, in *organizationsapi.RegisterDelegatedAdministratorInput) (*organizationsapi.RegisterDelegatedAdministratorOutput, error) {
	account, _, err := s.manage(ctx, "RegisterDelegatedAdministrator", func(o *orgRec) string { return o.accountARN(in.AccountId) }, servicePrincipalKeys(in.ServicePrincipal))
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if o.Accounts[in.AccountId] == nil {
			return accountNotFound()
		}
		if in.AccountId == o.Master {
			return constraint("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR", "You cannot register the management account of the organization as a delegated administrator for an AWS service integrated with Organizations.")
		}
		if _, ok := o.Delegated[in.AccountId][in.ServicePrincipal]; ok {
			return organizationsapi.ErrAccountAlreadyRegisteredException("The provided account is already a delegated administrator for your organization.")
		}
		if o.Delegated[in.AccountId] == nil {
			o.Delegated[in.AccountId] = map[string]time.Time{}
		}
		o.Delegated[in.AccountId][in.ServicePrincipal] = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.RegisterDelegatedAdministratorOutput{}, nil
}

func (s *Service) DeregisterDelegatedAdministrator(ctx context.Context, in *organizationsapi.DeregisterDelegatedAdministratorInput) (*organizationsapi.DeregisterDelegatedAdministratorOutput, error) {
	account, _, err := s.manage(ctx, "DeregisterDelegatedAdministrator", func(o *orgRec) string { return o.accountARN(in.AccountId) }, servicePrincipalKeys(in.ServicePrincipal))
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if o.Accounts[in.AccountId] == nil {
			return accountNotFound()
		}
		if _, ok := o.Delegated[in.AccountId][in.ServicePrincipal]; !ok {
			return organizationsapi.ErrAccountNotRegisteredException("The provided account is not a registered delegated administrator for your organization.")
		}
		delete(o.Delegated[in.AccountId], in.ServicePrincipal)
		if len(o.Delegated[in.AccountId]) == 0 {
			delete(o.Delegated, in.AccountId)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.DeregisterDelegatedAdministratorOutput{}, nil
}

func (s *Service) ListDelegatedAdministrators(ctx context.Context, in *organizationsapi.ListDelegatedAdministratorsInput) (*organizationsapi.ListDelegatedAdministratorsOutput, error) {
	var keys map[string][]string
	if in.ServicePrincipal != nil {
		keys = servicePrincipalKeys(*in.ServicePrincipal)
	}
	_, o, err := s.manage(ctx, "ListDelegatedAdministrators", nil, keys)
	if err != nil {
		return nil, err
	}
	var ids []string
	since := map[string]time.Time{}
	for id, services := range o.Delegated {
		for sp, at := range services {
			if in.ServicePrincipal != nil && sp != *in.ServicePrincipal {
				continue
			}
			if t, ok := since[id]; !ok || at.Before(t) {
				since[id] = at
			}
		}
		if _, ok := since[id]; ok && o.Accounts[id] != nil {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	ids, next, err := page(ids, idKey, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListDelegatedAdministratorsOutput{NextToken: next, DelegatedAdministrators: []organizationsapi.DelegatedAdministrator{}}
	for _, id := range ids {
		a := o.accountOutput(o.Accounts[id])
		out.DelegatedAdministrators = append(out.DelegatedAdministrators, organizationsapi.DelegatedAdministrator{
			Id: a.Id, Arn: a.Arn, Email: a.Email, Name: a.Name, Status: a.Status, JoinedMethod: a.JoinedMethod,
			JoinedTimestamp: a.JoinedTimestamp, DelegationEnabledDate: api.Time(since[id]),
		})
	}
	return out, nil
}

func (s *Service) ListDelegatedServicesForAccount(ctx context.Context, in *organizationsapi.ListDelegatedServicesForAccountInput) (*organizationsapi.ListDelegatedServicesForAccountOutput, error) {
	_, o, err := s.manage(ctx, "ListDelegatedServicesForAccount", func(o *orgRec) string { return o.accountARN(in.AccountId) }, nil)
	if err != nil {
		return nil, err
	}
	if o.Accounts[in.AccountId] == nil {
		return nil, accountNotFound()
	}
	services := o.Delegated[in.AccountId]
	if len(services) == 0 {
		return nil, organizationsapi.ErrAccountNotRegisteredException("The provided account is not a registered delegated administrator for your organization.")
	}
	sps, next, err := page(sortedIDs(services), idKey, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListDelegatedServicesForAccountOutput{NextToken: next, DelegatedServices: []organizationsapi.DelegatedService{}}
	for _, sp := range sps {
		out.DelegatedServices = append(out.DelegatedServices, organizationsapi.DelegatedService{ServicePrincipal: api.String(sp), DelegationEnabledDate: api.Time(services[sp])})
	}
	return out, nil
}
