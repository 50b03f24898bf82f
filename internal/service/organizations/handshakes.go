package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// Invitations: the management account invites an existing account
// (InviteAccountToOrganization), which accepts or declines; the
// management account may cancel. Handshakes live outside the organization
// record (handshake/<h-id>) because the invited account, not yet a member,
// reads them too.

// handshakeLifetime is how long an invitation stays open (AWS: 15 days).
const handshakeLifetime = 15 * 24 * time.Hour

type handshakeRec struct {
	ID        string
	Org       string // o-id
	Master    string
	Target    string // account ID
	State     string
	Requested time.Time
	Expires   time.Time
	Notes     string `json:",omitempty"`
	Tags      []tag  `json:",omitempty"`
	// What the invitation says about the organization, as it was.
	MasterEmail, MasterName, FeatureSet string
}

func (h *handshakeRec) arn() string {
	return arnPrefix + h.Master + ":handshake/" + h.Org + "/invite/" + h.ID
}

func (h *handshakeRec) output(now time.Time) *organizationsapi.Handshake {
	state := h.State
	if state == "OPEN" && now.After(h.Expires) {
		state = "EXPIRED"
	}
	res := func(t organizationsapi.HandshakeResourceType, v string, sub ...organizationsapi.HandshakeResource) organizationsapi.HandshakeResource {
		return organizationsapi.HandshakeResource{Type: &t, Value: api.String(v), Resources: sub}
	}
	out := &organizationsapi.Handshake{
		Id: api.String(h.ID), Arn: api.String(h.arn()), State: api.Ptr(organizationsapi.HandshakeState(state)),
		RequestedTimestamp: api.Time(h.Requested), ExpirationTimestamp: api.Time(h.Expires),
		Action: api.Ptr(organizationsapi.ActionTypeINVITE),
		Parties: []organizationsapi.HandshakeParty{
			{Id: h.Org, Type: organizationsapi.HandshakePartyTypeORGANIZATION},
			{Id: h.Target, Type: organizationsapi.HandshakePartyTypeACCOUNT},
		},
		Resources: []organizationsapi.HandshakeResource{
			res(organizationsapi.HandshakeResourceTypeORGANIZATION, h.Org,
				res(organizationsapi.HandshakeResourceTypeMASTEREMAIL, h.MasterEmail),
				res(organizationsapi.HandshakeResourceTypeMASTERNAME, h.MasterName),
				res(organizationsapi.HandshakeResourceTypeORGANIZATIONFEATURESET, h.FeatureSet)),
			res(organizationsapi.HandshakeResourceTypeACCOUNT, h.Target),
		},
	}
	if h.Notes != "" {
		out.Resources = append(out.Resources, res(organizationsapi.HandshakeResourceTypeNOTES, h.Notes))
	}
	return out
}

func getHandshake(tx store.Tx, id string) (*handshakeRec, error) {
	h, err := store.GetJSON[handshakeRec](tx, table, "handshake/"+id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, handshakeNotFound()
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

func putHandshake(tx store.Tx, h *handshakeRec) error {
	return store.PutJSON(tx, table, "handshake/"+h.ID, h)
}

func handshakeNotFound() error {
	return organizationsapi.ErrHandshakeNotFoundException("We can't find a handshake with the HandshakeId that you specified.")
}

// allHandshakes returns every handshake for which keep is true, by ID.
func allHandshakes(tx store.Tx, keep func(*handshakeRec) bool) ([]*handshakeRec, error) {
	var out []*handshakeRec
	err := store.ScanJSON(tx, table, "handshake/", "", func(_ string, h handshakeRec) (bool, error) {
		if keep(&h) {
			out = append(out, &h)
		}
		return true, nil
	})
	return out, err
}

func (s *Service) InviteAccountToOrganization(ctx context.Context, in *organizationsapi.InviteAccountToOrganizationInput) (*organizationsapi.InviteAccountToOrganizationOutput, error) {
	if in.Target == nil {
		return nil, invalidInput("INVALID_PARTY_TYPE_TARGET", "You specified the wrong type for the handshake's target.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, _, err := s.manage(ctx, "InviteAccountToOrganization", nil, requestTagKeys(in.Tags))
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	var h *handshakeRec
	_, err = s.change(ctx, account, func(tx store.Tx, o *orgRec) error {
		target := in.Target.Id
		switch in.Target.Type {
		case organizationsapi.HandshakePartyTypeACCOUNT:
			if !identity.ValidAccountID(target) {
				return invalidInput("INVALID_PARTY_TYPE_TARGET", "You specified the wrong type for the handshake's target.")
			}
		case organizationsapi.HandshakePartyTypeEMAIL:
			id, err := tx.Get(table, emailKey(target))
			if errors.Is(err, store.ErrNotFound) {
				// doppel sends no email: only its own accounts can be invited.
				return invalidInput("INVALID_EMAIL_ADDRESS_TARGET", "You specified an invalid email address for the invited account owner.")
			} else if err != nil {
				return err
			}
			target = string(id)
		default:
			return invalidInput("INVALID_PARTY_TYPE_TARGET", "You specified the wrong type for the handshake's target.")
		}
		if _, err := identity.GetAccount(tx, target); errors.Is(err, store.ErrNotFound) {
			return invalidInput("INVALID_PARTY_TYPE_TARGET", "You specified the wrong type for the handshake's target.")
		} else if err != nil {
			return err
		}
		if o.Accounts[target] != nil {
			return organizationsapi.ErrHandshakeConstraintViolationException("The handshake request is invalid because the invited account is already a member of an organization.").With("Reason", "ALREADY_IN_AN_ORGANIZATION")
		}
		open, err := allHandshakes(tx, func(x *handshakeRec) bool {
			return x.Org == o.ID && x.Target == target && x.State == "OPEN" && now.Before(x.Expires)
		})
		if err != nil {
			return err
		}
		if len(open) > 0 {
			return organizationsapi.ErrDuplicateHandshakeException("A handshake with the same action and target already exists.")
		}
		h = &handshakeRec{
			ID: "h-" + randomID(10), Org: o.ID, Master: o.Master, Target: target, State: "OPEN",
			Requested: now, Expires: now.Add(handshakeLifetime), Notes: api.ToString(in.Notes), Tags: toTags(in.Tags),
			MasterEmail: o.MasterEmail, MasterName: o.Accounts[o.Master].Name, FeatureSet: o.FeatureSet,
		}
		return putHandshake(tx, h)
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.InviteAccountToOrganizationOutput{Handshake: h.output(now)}, nil
}

// respond moves a handshake the caller may act on to a new state: the
// invited account accepts or declines, the management account cancels.
func (s *Service) respond(ctx context.Context, op, id string, byTarget bool, fn func(tx store.Tx, h *handshakeRec) error) (*organizationsapi.Handshake, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var resource = "*"
	if err := s.view(ctx, func(tx store.Tx) error {
		if h, err := getHandshake(tx, id); err == nil {
			resource = h.arn()
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p.Account, op, resource, nil); err != nil {
		return nil, err
	}
	now := s.timestamp()
	var h *handshakeRec
	err = s.update(ctx, func(tx store.Tx) error {
		var err error
		if h, err = getHandshake(tx, id); err != nil {
			return err
		}
		// Only the parties see a handshake; to anyone else it does not
		// exist.
		if byTarget && h.Target != p.Account || !byTarget && h.Master != p.Account {
			return handshakeNotFound()
		}
		if fn == nil {
			return nil
		}
		if h.State == "OPEN" && now.After(h.Expires) {
			h.State = "EXPIRED"
		}
		if h.State != "OPEN" {
			return organizationsapi.ErrInvalidHandshakeTransitionException("You can't perform the operation on the handshake in its current state.")
		}
		if err := fn(tx, h); err != nil {
			return err
		}
		return putHandshake(tx, h)
	})
	if err != nil {
		return nil, err
	}
	return h.output(now), nil
}

func (s *Service) AcceptHandshake(ctx context.Context, in *organizationsapi.AcceptHandshakeInput) (*organizationsapi.AcceptHandshakeOutput, error) {
	now := s.timestamp()
	h, err := s.respond(ctx, "AcceptHandshake", in.HandshakeId, true, func(tx store.Tx, h *handshakeRec) error {
		if cur, err := loadOrgOf(tx, h.Target); err != nil {
			return err
		} else if cur != nil {
			return organizationsapi.ErrHandshakeConstraintViolationException("The account is already a member of an organization.").With("Reason", "ALREADY_IN_AN_ORGANIZATION")
		}
		o, err := loadOrgOf(tx, h.Master)
		if err != nil {
			return err
		}
		if o == nil || o.ID != h.Org {
			return organizationsapi.ErrHandshakeConstraintViolationException("The organization that sent the invitation no longer exists.")
		}
		acct, err := identity.GetAccount(tx, h.Target)
		if err != nil {
			return err
		}
		email, err := ownEmail(tx, acct)
		if err != nil {
			return err
		}
		o.Accounts[acct.ID] = &accountRec{ID: acct.ID, Name: acct.Name, Email: email, Parent: o.Root.ID,
			Status: statusActive, Joined: joinedInvited, JoinedAt: now}
		o.attachDefaults(acct.ID)
		if len(h.Tags) > 0 {
			o.Tags[acct.ID] = h.Tags
		}
		if err := putMember(tx, acct.ID, o.ID); err != nil {
			return err
		}
		h.State = "ACCEPTED"
		return putOrg(tx, o)
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.AcceptHandshakeOutput{Handshake: h}, nil
}

func (s *Service) DeclineHandshake(ctx context.Context, in *organizationsapi.DeclineHandshakeInput) (*organizationsapi.DeclineHandshakeOutput, error) {
	h, err := s.respond(ctx, "DeclineHandshake", in.HandshakeId, true, func(_ store.Tx, h *handshakeRec) error {
		h.State = "DECLINED"
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.DeclineHandshakeOutput{Handshake: h}, nil
}

func (s *Service) CancelHandshake(ctx context.Context, in *organizationsapi.CancelHandshakeInput) (*organizationsapi.CancelHandshakeOutput, error) {
	h, err := s.respond(ctx, "CancelHandshake", in.HandshakeId, false, func(_ store.Tx, h *handshakeRec) error {
		h.State = "CANCELED"
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.CancelHandshakeOutput{Handshake: h}, nil
}

// DescribeHandshake answers either party.
func (s *Service) DescribeHandshake(ctx context.Context, in *organizationsapi.DescribeHandshakeInput) (*organizationsapi.DescribeHandshakeOutput, error) {
	h, err := s.respond(ctx, "DescribeHandshake", in.HandshakeId, true, nil)
	if err != nil {
		h, err = s.respond(ctx, "DescribeHandshake", in.HandshakeId, false, nil)
	}
	if err != nil {
		return nil, err
	}
	return &organizationsapi.DescribeHandshakeOutput{Handshake: h}, nil
}

func handshakeKey(h *handshakeRec) string { return h.ID }

func (s *Service) listHandshakes(ctx context.Context, keep func(*handshakeRec) bool, filter *organizationsapi.HandshakeFilter, token *string, max *int32) ([]organizationsapi.Handshake, *string, error) {
	var hs []*handshakeRec
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		hs, err = allHandshakes(tx, func(h *handshakeRec) bool {
			if filter != nil && filter.ActionType != nil && *filter.ActionType != organizationsapi.ActionTypeINVITE {
				return false
			}
			return keep(h)
		})
		return err
	}); err != nil {
		return nil, nil, err
	}
	hs, next, err := page(hs, handshakeKey, token, max)
	if err != nil {
		return nil, nil, err
	}
	now := s.timestamp()
	out := []organizationsapi.Handshake{}
	for _, h := range hs {
		out = append(out, *h.output(now))
	}
	return out, next, nil
}

func (s *Service) ListHandshakesForAccount(ctx context.Context, in *organizationsapi.ListHandshakesForAccountInput) (*organizationsapi.ListHandshakesForAccountOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p.Account, "ListHandshakesForAccount", "*", nil); err != nil {
		return nil, err
	}
	hs, next, err := s.listHandshakes(ctx, func(h *handshakeRec) bool { return h.Target == p.Account }, in.Filter, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &organizationsapi.ListHandshakesForAccountOutput{Handshakes: hs, NextToken: next}, nil
}

func (s *Service) ListHandshakesForOrganization(ctx context.Context, in *organizationsapi.ListHandshakesForOrganizationInput) (*organizationsapi.ListHandshakesForOrganizationOutput, error) {
	_, o, err := s.manage(ctx, "ListHandshakesForOrganization", nil, nil)
	if err != nil {
		return nil, err
	}
	hs, next, err := s.listHandshakes(ctx, func(h *handshakeRec) bool { return h.Org == o.ID }, in.Filter, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &organizationsapi.ListHandshakesForOrganizationOutput{Handshakes: hs, NextToken: next}, nil
}

// LeaveOrganization is a member account leaving on its own (an SCP may
// deny organizations:LeaveOrganization, as account factories do).
func (s *Service) LeaveOrganization(ctx context.Context, in *organizationsapi.LeaveOrganizationInput) (*organizationsapi.LeaveOrganizationOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p.Account, "LeaveOrganization", "*", nil); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		o, err := loadOrgOf(tx, p.Account)
		if err != nil {
			return err
		}
		if o == nil {
			return notInUse()
		}
		if o.Master == p.Account {
			return organizationsapi.ErrMasterCannotLeaveOrganizationException("You can't remove the management account from an organization. You must delete the organization instead.")
		}
		delete(o.Accounts, p.Account)
		o.forget(p.Account)
		if err := deleteMember(tx, p.Account); err != nil {
			return err
		}
		return putOrg(tx, o)
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.LeaveOrganizationOutput{}, nil
}
