package organizations

import (
	"context"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// maxOUDepth is AWS's limit on nesting: five levels of OUs under the root.
const maxOUDepth = 5

func (o *orgRec) ouOutput(ou *ouRec) *organizationsapi.OrganizationalUnit {
	return &organizationsapi.OrganizationalUnit{Id: api.String(ou.ID), Arn: api.String(o.ouARN(ou.ID)), Name: api.String(ou.Name)}
}

// parentARN is the ARN of a root or OU ID for authorization, whether or not
// it exists (AWS authorizes before it looks).
func (o *orgRec) parentARN(id string) string {
	if len(id) > 2 && id[:2] == "r-" {
		return arnPrefix + o.Master + ":root/" + o.ID + "/" + id
	}
	return o.ouARN(id)
}

func (s *Service) CreateOrganizationalUnit(ctx context.Context, in *organizationsapi.CreateOrganizationalUnitInput) (*organizationsapi.CreateOrganizationalUnitOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, _, err := s.manage(ctx, "CreateOrganizationalUnit", func(o *orgRec) string { return o.parentARN(in.ParentId) }, requestTagKeys(in.Tags))
	if err != nil {
		return nil, err
	}
	var ou *ouRec
	o, err := s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if !o.isParent(in.ParentId) {
			return parentNotFound()
		}
		if len(o.path(in.ParentId)) > maxOUDepth {
			return constraint("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is too many levels deep.")
		}
		for _, other := range o.OUs {
			if other.Parent == in.ParentId && other.Name == in.Name {
				return organizationsapi.ErrDuplicateOrganizationalUnitException("An OU with the same name already exists.")
			}
		}
		ou = &ouRec{ID: o.newOUID(), Name: in.Name, Parent: in.ParentId}
		o.OUs[ou.ID] = ou
		o.attachDefaults(ou.ID)
		if len(in.Tags) > 0 {
			o.Tags[ou.ID] = toTags(in.Tags)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.CreateOrganizationalUnitOutput{OrganizationalUnit: o.ouOutput(ou)}, nil
}

func (s *Service) DescribeOrganizationalUnit(ctx context.Context, in *organizationsapi.DescribeOrganizationalUnitInput) (*organizationsapi.DescribeOrganizationalUnitOutput, error) {
	_, o, err := s.manage(ctx, "DescribeOrganizationalUnit", func(o *orgRec) string { return o.ouARN(in.OrganizationalUnitId) }, nil)
	if err != nil {
		return nil, err
	}
	ou := o.OUs[in.OrganizationalUnitId]
	if ou == nil {
		return nil, ouNotFound()
	}
	return &organizationsapi.DescribeOrganizationalUnitOutput{OrganizationalUnit: o.ouOutput(ou)}, nil
}

func (s *Service) UpdateOrganizationalUnit(ctx context.Context, in *organizationsapi.UpdateOrganizationalUnitInput) (*organizationsapi.UpdateOrganizationalUnitOutput, error) {
	account, _, err := s.manage(ctx, "UpdateOrganizationalUnit", func(o *orgRec) string { return o.ouARN(in.OrganizationalUnitId) }, nil)
	if err != nil {
		return nil, err
	}
	var ou *ouRec
	o, err := s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		ou = o.OUs[in.OrganizationalUnitId]
		if ou == nil {
			return ouNotFound()
		}
		if in.Name == nil || *in.Name == ou.Name {
			return nil
		}
		for _, other := range o.OUs {
			if other.Parent == ou.Parent && other.Name == *in.Name {
				return organizationsapi.ErrDuplicateOrganizationalUnitException("An OU with the same name already exists.")
			}
		}
		ou.Name = *in.Name
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.UpdateOrganizationalUnitOutput{OrganizationalUnit: o.ouOutput(ou)}, nil
}

func (s *Service) DeleteOrganizationalUnit(ctx context.Context, in *organizationsapi.DeleteOrganizationalUnitInput) (*organizationsapi.DeleteOrganizationalUnitOutput, error) {
	account, _, err := s.manage(ctx, "DeleteOrganizationalUnit", func(o *orgRec) string { return o.ouARN(in.OrganizationalUnitId) }, nil)
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		id := in.OrganizationalUnitId
		if o.OUs[id] == nil {
			return ouNotFound()
		}
		if len(o.children(id, true)) > 0 || len(o.children(id, false)) > 0 {
			return organizationsapi.ErrOrganizationalUnitNotEmptyException("The specified OU is not empty. Move all accounts to another root or OU and delete all child OUs, then try the operation again.")
		}
		delete(o.OUs, id)
		o.forget(id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.DeleteOrganizationalUnitOutput{}, nil
}

// children returns the IDs of parent's OUs (ous) or accounts, sorted.
func (o *orgRec) children(parent string, ous bool) []string {
	var out []string
	if ous {
		for _, id := range sortedIDs(o.OUs) {
			if o.OUs[id].Parent == parent {
				out = append(out, id)
			}
		}
		return out
	}
	for _, id := range sortedIDs(o.Accounts) {
		if o.Accounts[id].Parent == parent {
			out = append(out, id)
		}
	}
	return out
}

func (s *Service) ListOrganizationalUnitsForParent(ctx context.Context, in *organizationsapi.ListOrganizationalUnitsForParentInput) (*organizationsapi.ListOrganizationalUnitsForParentOutput, error) {
	_, o, err := s.manage(ctx, "ListOrganizationalUnitsForParent", func(o *orgRec) string { return o.parentARN(in.ParentId) }, nil)
	if err != nil {
		return nil, err
	}
	if !o.isParent(in.ParentId) {
		return nil, parentNotFound()
	}
	ids, next, err := page(o.children(in.ParentId, true), idKey, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListOrganizationalUnitsForParentOutput{NextToken: next, OrganizationalUnits: []organizationsapi.OrganizationalUnit{}}
	for _, id := range ids {
		out.OrganizationalUnits = append(out.OrganizationalUnits, *o.ouOutput(o.OUs[id]))
	}
	return out, nil
}

func idKey(id string) string { return id }

func (s *Service) ListChildren(ctx context.Context, in *organizationsapi.ListChildrenInput) (*organizationsapi.ListChildrenOutput, error) {
	_, o, err := s.manage(ctx, "ListChildren", func(o *orgRec) string { return o.parentARN(in.ParentId) }, nil)
	if err != nil {
		return nil, err
	}
	if !o.isParent(in.ParentId) {
		return nil, parentNotFound()
	}
	ids, next, err := page(o.children(in.ParentId, in.ChildType == organizationsapi.ChildTypeORGANIZATIONALUNIT), idKey, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListChildrenOutput{NextToken: next, Children: []organizationsapi.Child{}}
	for _, id := range ids {
		out.Children = append(out.Children, organizationsapi.Child{Id: api.String(id), Type: api.Ptr(in.ChildType)})
	}
	return out, nil
}

func (s *Service) ListParents(ctx context.Context, in *organizationsapi.ListParentsInput) (*organizationsapi.ListParentsOutput, error) {
	_, o, err := s.manage(ctx, "ListParents", func(o *orgRec) string {
		if a := o.targetARN(in.ChildId); a != "" {
			return a
		}
		return "*"
	}, nil)
	if err != nil {
		return nil, err
	}
	var parent string
	switch {
	case o.OUs[in.ChildId] != nil:
		parent = o.OUs[in.ChildId].Parent
	case o.Accounts[in.ChildId] != nil:
		parent = o.Accounts[in.ChildId].Parent
	default:
		return nil, childNotFound()
	}
	typ := organizationsapi.ParentTypeORGANIZATIONALUNIT
	if parent == o.Root.ID {
		typ = organizationsapi.ParentTypeROOT
	}
	return &organizationsapi.ListParentsOutput{Parents: []organizationsapi.Parent{{Id: api.String(parent), Type: &typ}}}, nil
}
