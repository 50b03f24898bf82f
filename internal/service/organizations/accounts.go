package organizations

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/service/iam"
	"github.com/doppel-aws/doppel/internal/store"
)

// defaultAccessRole is the role CreateAccount leaves in a new account when
// RoleName is absent.
const defaultAccessRole = "OrganizationAccountAccessRole"

// maxCreateRequests bounds the CreateAccount requests an organization
// remembers for DescribeCreateAccountStatus.
const maxCreateRequests = 1000

// administratorAccess is the policy AWS attaches to that role.
const administratorAccess = "arn:aws:iam::aws:policy/AdministratorAccess"

func (o *orgRec) accountOutput(a *accountRec) organizationsapi.Account {
	return organizationsapi.Account{
		Id: api.String(a.ID), Arn: api.String(o.accountARN(a.ID)), Email: api.String(a.Email), Name: api.String(a.Name),
		Status:          api.Ptr(organizationsapi.AccountStatus(a.Status)),
		JoinedMethod:    api.Ptr(organizationsapi.AccountJoinedMethod(a.Joined)),
		JoinedTimestamp: api.Time(a.JoinedAt),
	}
}

func createStatusOutput(c *createRec) *organizationsapi.CreateAccountStatus {
	out := &organizationsapi.CreateAccountStatus{
		Id: api.String(c.ID), AccountName: api.String(c.AccountName), State: api.Ptr(organizationsapi.CreateAccountState(c.State)),
		RequestedTimestamp: api.Time(c.Requested),
	}
	if !c.Completed.IsZero() {
		out.CompletedTimestamp = api.Time(c.Completed)
	}
	if c.AccountID != "" {
		out.AccountId = api.String(c.AccountID)
	}
	if c.Reason != "" {
		out.FailureReason = api.Ptr(organizationsapi.CreateAccountFailureReason(c.Reason))
	}
	return out
}

// CreateAccount makes the account at once, in one transaction with its
// access role; its answer says IN_PROGRESS as AWS's always does, and
// DescribeCreateAccountStatus then reports SUCCEEDED, or FAILED with AWS's
// reason (an email address already in use).
func (s *Service) CreateAccount(ctx context.Context, in *organizationsapi.CreateAccountInput) (*organizationsapi.CreateAccountOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, _, err := s.manage(ctx, "CreateAccount", nil, requestTagKeys(in.Tags))
	if err != nil {
		return nil, err
	}
	roleName := defaultAccessRole
	if in.RoleName != nil {
		roleName = *in.RoleName
	}
	now := s.timestamp()
	c := &createRec{ID: "car-" + randomID(32), AccountName: in.AccountName, Requested: now, Completed: now, State: "SUCCEEDED"}
	_, err = s.change(ctx, account, func(tx store.Tx, o *orgRec) error {
		// AWS keeps requests for 90 days; doppel keeps the latest ones.
		if len(o.Creates) >= maxCreateRequests {
			o.Creates = append([]*createRec(nil), o.Creates[len(o.Creates)-maxCreateRequests+1:]...)
		}
		if _, err := tx.Get(table, emailKey(in.Email)); err == nil {
			c.State, c.Reason = "FAILED", "EMAIL_ALREADY_EXISTS"
			o.Creates = append(o.Creates, c)
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		id, err := createIdentity(tx, in.AccountName, now)
		if err != nil {
			return err
		}
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + o.Master + `:root"},"Action":"sts:AssumeRole"}]}`
		if err := iam.CreateAccessRole(tx, id, roleName, trust, []string{administratorAccess}, now); err != nil {
			return err
		}
		if err := tx.Put(table, emailKey(in.Email), []byte(id)); err != nil {
			return err
		}
		if err := tx.Put(table, "account-email/"+id, []byte(in.Email)); err != nil {
			return err
		}
		if err := putMember(tx, id, o.ID); err != nil {
			return err
		}
		o.Accounts[id] = &accountRec{
			ID: id, Name: in.AccountName, Email: in.Email, Parent: o.Root.ID,
			Status: statusActive, Joined: joinedCreated, JoinedAt: now, AccessRole: roleName,
		}
		o.attachDefaults(id)
		if len(in.Tags) > 0 {
			o.Tags[id] = toTags(in.Tags)
		}
		c.AccountID = id
		o.Creates = append(o.Creates, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	reply := &createRec{ID: c.ID, AccountName: c.AccountName, State: "IN_PROGRESS", Requested: c.Requested}
	out := createStatusOutput(reply)
	return &organizationsapi.CreateAccountOutput{CreateAccountStatus: out}, nil
}

// createIdentity makes the doppel account behind a new member account: a
// fresh 12-digit ID, and a root user with no access keys (AWS's new accounts
// have none; one reaches them through the access role). The doppel name,
// which profiles and `doppel env` use, is the account name made safe, and
// made unique with the ID when taken.
func createIdentity(tx store.Tx, accountName string, now time.Time) (string, error) {
	name := profileName(accountName)
	for range 20 {
		id := identity.NewAccountID()
		if _, err := identity.GetAccount(tx, id); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		a := identity.Account{ID: id, Name: name, CreatedAt: now}
		if _, err := identity.GetAccountByName(tx, name); err == nil {
			a.Name = trimName(name, id)
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		if err := identity.CreateAccount(tx, a); err != nil {
			return "", err
		}
		return id, nil
	}
	return "", errors.New("organizations: no free account ID")
}

// profileName turns an account name (any printable ASCII) into a doppel
// account name: letters, digits, '.', '_' and '-'.
func profileName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "account"
	}
	return b.String()
}

// trimName appends -ID to name within the name length limit.
func trimName(name, id string) string {
	if max := identity.MaxAccountNameLength - len(id) - 1; len(name) > max {
		name = name[:max]
	}
	return name + "-" + id
}

func (s *Service) DescribeCreateAccountStatus(ctx context.Context, in *organizationsapi.DescribeCreateAccountStatusInput) (*organizationsapi.DescribeCreateAccountStatusOutput, error) {
	_, o, err := s.manage(ctx, "DescribeCreateAccountStatus", nil, nil)
	if err != nil {
		return nil, err
	}
	for _, c := range o.Creates {
		if c.ID == in.CreateAccountRequestId {
			return &organizationsapi.DescribeCreateAccountStatusOutput{CreateAccountStatus: createStatusOutput(c)}, nil
		}
	}
	return nil, organizationsapi.ErrCreateAccountStatusNotFoundException("We can't find an create account request with the CreateAccountRequestId that you specified.")
}

func (s *Service) ListCreateAccountStatus(ctx context.Context, in *organizationsapi.ListCreateAccountStatusInput) (*organizationsapi.ListCreateAccountStatusOutput, error) {
	_, o, err := s.manage(ctx, "ListCreateAccountStatus", nil, nil)
	if err != nil {
		return nil, err
	}
	var cs []*createRec
	for _, c := range o.Creates {
		if len(in.States) == 0 || containsState(in.States, c.State) {
			cs = append(cs, c)
		}
	}
	// Oldest first; the key is the position, which never changes.
	type item struct {
		key string
		c   *createRec
	}
	items := make([]item, len(cs))
	for i, c := range cs {
		items[i] = item{c.Requested.Format("20060102T150405.000000000") + c.ID, c}
	}
	got, next, err := page(items, func(it item) string { return it.key }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListCreateAccountStatusOutput{NextToken: next, CreateAccountStatuses: []organizationsapi.CreateAccountStatus{}}
	for _, it := range got {
		out.CreateAccountStatuses = append(out.CreateAccountStatuses, *createStatusOutput(it.c))
	}
	return out, nil
}

func containsState(states []organizationsapi.CreateAccountState, s string) bool {
	for _, st := range states {
		if string(st) == s {
			return true
		}
	}
	return false
}

func (s *Service) DescribeAccount(ctx context.Context, in *organizationsapi.DescribeAccountInput) (*organizationsapi.DescribeAccountOutput, error) {
	_, o, err := s.manage(ctx, "DescribeAccount", func(o *orgRec) string { return o.accountARN(in.AccountId) }, nil)
	if err != nil {
		return nil, err
	}
	a := o.Accounts[in.AccountId]
	if a == nil {
		return nil, accountNotFound()
	}
	out := o.accountOutput(a)
	return &organizationsapi.DescribeAccountOutput{Account: &out}, nil
}

func (s *Service) ListAccounts(ctx context.Context, in *organizationsapi.ListAccountsInput) (*organizationsapi.ListAccountsOutput, error) {
	_, o, err := s.manage(ctx, "ListAccounts", nil, nil)
	if err != nil {
		return nil, err
	}
	ids, next, err := page(sortedIDs(o.Accounts), idKey, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListAccountsOutput{NextToken: next, Accounts: []organizationsapi.Account{}}
	for _, id := range ids {
		out.Accounts = append(out.Accounts, o.accountOutput(o.Accounts[id]))
	}
	return out, nil
}

func (s *Service) ListAccountsForParent(ctx context.Context, in *organizationsapi.ListAccountsForParentInput) (*organizationsapi.ListAccountsForParentOutput, error) {
	_, o, err := s.manage(ctx, "ListAccountsForParent", func(o *orgRec) string { return o.parentARN(in.ParentId) }, nil)
	if err != nil {
		return nil, err
	}
	if !o.isParent(in.ParentId) {
		return nil, parentNotFound()
	}
	ids, next, err := page(o.children(in.ParentId, false), idKey, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListAccountsForParentOutput{NextToken: next, Accounts: []organizationsapi.Account{}}
	for _, id := range ids {
		out.Accounts = append(out.Accounts, o.accountOutput(o.Accounts[id]))
	}
	return out, nil
}

func (s *Service) MoveAccount(ctx context.Context, in *organizationsapi.MoveAccountInput) (*organizationsapi.MoveAccountOutput, error) {
	account, o, err := s.manage(ctx, "MoveAccount", func(o *orgRec) string { return o.accountARN(in.AccountId) }, nil)
	if err != nil {
		return nil, err
	}
	// The source and destination are resources of the action too.
	for _, p := range []string{in.SourceParentId, in.DestinationParentId} {
		if err := s.authorize(ctx, account, "MoveAccount", o.parentARN(p), nil); err != nil {
			return nil, err
		}
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		a := o.Accounts[in.AccountId]
		if a == nil {
			return accountNotFound()
		}
		if !o.isParent(in.SourceParentId) {
			return organizationsapi.ErrSourceParentNotFoundException("We can't find a source root or OU with the ParentId that you specified.")
		}
		if !o.isParent(in.DestinationParentId) {
			return organizationsapi.ErrDestinationParentNotFoundException("We can't find the destination container (a root or OU) with the ParentId that you specified.")
		}
		if a.Parent != in.SourceParentId {
			return organizationsapi.ErrAccountNotFoundException("You specified an account that doesn't exist.")
		}
		if a.Parent == in.DestinationParentId {
			return organizationsapi.ErrDuplicateAccountException("That account is already present in the specified destination.")
		}
		a.Parent = in.DestinationParentId
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.MoveAccountOutput{}, nil
}

func (s *Service) RemoveAccountFromOrganization(ctx context.Context, in *organizationsapi.RemoveAccountFromOrganizationInput) (*organizationsapi.RemoveAccountFromOrganizationOutput, error) {
	account, _, err := s.manage(ctx, "RemoveAccountFromOrganization", func(o *orgRec) string { return o.accountARN(in.AccountId) }, nil)
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(tx store.Tx, o *orgRec) error {
		if o.Accounts[in.AccountId] == nil {
			return accountNotFound()
		}
		if in.AccountId == o.Master {
			return organizationsapi.ErrMasterCannotLeaveOrganizationException("You can't remove the management account from an organization. You must delete the organization instead.")
		}
		// The account lives on, standalone, with its state and its access
		// role; only its place in the organization goes.
		delete(o.Accounts, in.AccountId)
		o.forget(in.AccountId)
		return deleteMember(tx, in.AccountId)
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.RemoveAccountFromOrganizationOutput{}, nil
}

// CloseAccount suspends the account at once (AWS passes through
// PENDING_CLOSURE; Terraform waits for SUSPENDED). It stays in the
// organization, as closed accounts do for 90 days.
func (s *Service) CloseAccount(ctx context.Context, in *organizationsapi.CloseAccountInput) (*organizationsapi.CloseAccountOutput, error) {
	account, _, err := s.manage(ctx, "CloseAccount", func(o *orgRec) string { return o.accountARN(in.AccountId) }, nil)
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		a := o.Accounts[in.AccountId]
		if a == nil {
			return accountNotFound()
		}
		if in.AccountId == o.Master {
			return constraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", "You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization. Follow standard account closure process using root credentials.")
		}
		if a.Status != statusActive {
			return organizationsapi.ErrAccountAlreadyClosedException("You attempted to close an account that is already closed.")
		}
		a.Status = statusSuspended
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.CloseAccountOutput{}, nil
}

// AccessRole names the role through which the management account reaches
// one of its member accounts (by ID, doppel account name or organization
// account name): the account's ID and the role's name. It authorizes
// nothing; `doppel env` uses it for accounts whose root has no keys.
func (s *Service) AccessRole(ctx context.Context, management, account string) (id, role string, err error) {
	o, err := s.orgOf(ctx, management)
	if err != nil {
		return "", "", err
	}
	if o == nil || o.Master != management {
		return "", "", notInUse()
	}
	a := o.Accounts[account]
	if a == nil {
		err = s.view(ctx, func(tx store.Tx) error {
			if acct, err := identity.GetAccountByName(tx, account); err == nil {
				a = o.Accounts[acct.ID]
			}
			return nil
		})
		if err != nil {
			return "", "", err
		}
	}
	if a == nil {
		for _, x := range o.Accounts {
			if x.Name == account {
				a = x
			}
		}
	}
	if a == nil || a.ID == o.Master {
		return "", "", accountNotFound()
	}
	role = a.AccessRole
	if role == "" {
		role = defaultAccessRole
	}
	return a.ID, role, nil
}
