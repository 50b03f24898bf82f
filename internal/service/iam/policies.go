package iam

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/service/iam/awspolicies"
	"github.com/doppel-aws/doppel/internal/store"
)

// maxPolicyVersions is the versions-per-managed-policy quota.
const maxPolicyVersions = 5

// policyRef is a parsed managed policy ARN.
type policyRef struct {
	arn     string
	account string // "aws" for AWS managed policies
	path    string
	name    string
}

// parsePolicyARN splits arn:aws:iam::ACCOUNT:policy/PATH/NAME.
func parsePolicyARN(s string) (policyRef, error) {
	bad := invalidInput("ARN %s is not valid.", s)
	rest, ok := strings.CutPrefix(s, "arn:aws:iam::")
	if !ok {
		return policyRef{}, bad
	}
	account, res, ok := strings.Cut(rest, ":")
	if !ok || (account != "aws" && !identity.ValidAccountID(account)) {
		return policyRef{}, bad
	}
	res, ok = strings.CutPrefix(res, "policy/")
	if !ok || res == "" || strings.HasSuffix(res, "/") {
		return policyRef{}, bad
	}
	i := strings.LastIndexByte(res, '/')
	return policyRef{arn: s, account: account, path: "/" + res[:i+1], name: res[i+1:]}, nil
}

func policyARN(account string, p policyRec) string { return arn(account, "policy", p.Path, p.Name) }

// managedPolicy is either an AWS managed policy or a customer managed one.
type managedPolicy struct {
	aws      *awspolicies.Policy
	customer *policyRec
	usage    awsUsage // for AWS managed policies: counts in this account
}

func (m managedPolicy) name() string {
	if m.aws != nil {
		return m.aws.Name
	}
	return m.customer.Name
}

func (m managedPolicy) document() string {
	if m.aws != nil {
		return m.aws.Document
	}
	for _, v := range m.customer.Versions {
		if v.ID == m.customer.Default {
			return v.Doc
		}
	}
	return ""
}

// lookupPolicy finds the managed policy arn names, as seen from account.
func lookupPolicy(tx store.Tx, account, arn string) (managedPolicy, bool, error) {
	ref, err := parsePolicyARN(arn)
	if err != nil {
		return managedPolicy{}, false, err
	}
	if ref.account == "aws" {
		p := awspolicies.Lookup(arn)
		if p == nil {
			return managedPolicy{}, false, nil
		}
		u, _, err := get[awsUsage](tx, recordKey(account, kindAWSUsage, arn))
		return managedPolicy{aws: p, usage: u}, true, err
	}
	if ref.account != account {
		return managedPolicy{}, false, nil
	}
	p, found, err := get[policyRec](tx, recordKey(account, kindPolicy, ref.name))
	if err != nil || !found || p.Path != ref.path || p.Name != ref.name {
		return managedPolicy{}, false, err
	}
	return managedPolicy{customer: &p}, true, nil
}

// countUse changes a managed policy's attachment and boundary counts.
func countUse(tx store.Tx, account, arn string, attach, boundary int) error {
	m, found, err := lookupPolicy(tx, account, arn)
	if err != nil {
		return err
	}
	if !found {
		if boundary != 0 {
			return noSuchEntity("Scope ARN: %s does not exist or is not attachable.", arn)
		}
		return noSuchPolicy(arn)
	}
	if m.aws != nil {
		m.usage.ARN = m.aws.ARN
		m.usage.Attachments += attach
		m.usage.BoundaryUses += boundary
		return put(tx, recordKey(account, kindAWSUsage, arn), m.usage)
	}
	m.customer.Attachments += attach
	m.customer.BoundaryUses += boundary
	return put(tx, recordKey(account, kindPolicy, m.customer.Name), *m.customer)
}

// useBoundary counts (delta 1) or uncounts (-1) a permissions boundary use.
func useBoundary(tx store.Tx, account, arn string, delta int) error {
	return countUse(tx, account, arn, 0, delta)
}

func (m managedPolicy) toPolicy(account string, full bool) iamapi.Policy {
	if m.aws != nil {
		p := m.aws
		return iamapi.Policy{
			PolicyName: api.String(p.Name), PolicyId: api.String(awsPolicyID(p.Name)), Arn: api.String(p.ARN), Path: api.String(p.Path),
			DefaultVersionId: api.String(p.DefaultVersionID), AttachmentCount: api.Int32(int32(m.usage.Attachments)),
			PermissionsBoundaryUsageCount: api.Int32(int32(m.usage.BoundaryUses)), IsAttachable: api.Bool(true),
			CreateDate: api.Time(p.Created), UpdateDate: api.Time(p.Updated),
		}
	}
	p := m.customer
	out := iamapi.Policy{
		PolicyName: api.String(p.Name), PolicyId: api.String(p.ID), Arn: api.String(policyARN(account, *p)), Path: api.String(p.Path),
		DefaultVersionId: api.String(p.Default), AttachmentCount: api.Int32(int32(p.Attachments)),
		PermissionsBoundaryUsageCount: api.Int32(int32(p.BoundaryUses)), IsAttachable: api.Bool(true),
		CreateDate: api.Time(p.Created), UpdateDate: api.Time(p.Updated),
	}
	if full {
		out.Description = p.Description
		out.Tags = fromTags(p.Tags)
	}
	return out
}

// awsPolicyID derives a stable ANPA ID for an AWS managed policy from its
// name, since the catalogue does not carry AWS's IDs.
func awsPolicyID(name string) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	b := make([]byte, 17)
	for i := range b {
		b[i] = idAlphabet[h%32]
		h = h/32 ^ (h << 59) ^ uint64(i)*0x9e3779b97f4a7c15
	}
	return "ANPA" + string(b)
}

// authPolicy authorizes action on the managed policy arn and loads it.
func (s *Service) authPolicy(ctx context.Context, action, policyArn string, keys map[string][]string) (string, managedPolicy, error) {
	p, err := caller(ctx)
	if err != nil {
		return "", managedPolicy{}, err
	}
	if _, err := parsePolicyARN(policyArn); err != nil {
		return "", managedPolicy{}, err
	}
	var m managedPolicy
	var found bool
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		m, found, err = lookupPolicy(tx, p.Account, policyArn)
		return err
	}); err != nil {
		return "", m, err
	}
	if found && m.customer != nil {
		keys = resourceTagKeys(keys, m.customer.Tags, false)
	}
	if err := s.authorize(ctx, p.Account, action, policyArn, keys); err != nil {
		return "", m, err
	}
	if !found {
		return "", m, noSuchEntity("Policy %s was not found.", policyArn)
	}
	return p.Account, m, nil
}

// customerOnly refuses to change an AWS managed policy, which belongs to AWS's
// account: the caller is not authorized there.
func customerOnly(ctx context.Context, action string, m managedPolicy) error {
	if m.customer != nil {
		return nil
	}
	p, _ := caller(ctx)
	return awserr.AccessDenied(fmt.Sprintf("User: %s is not authorized to perform: iam:%s on resource: policy %s", p.ARN, action, m.aws.ARN))
}

func (s *Service) CreatePolicy(ctx context.Context, in *iamapi.CreatePolicyInput) (*iamapi.CreatePolicyOutput, error) {
	if err := checkName(in.PolicyName, "policyName", 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkManagedDocument(in.PolicyDocument); err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "CreatePolicy", func(a string) string { return arn(a, "policy", path, in.PolicyName) }, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	p := policyRec{
		Name: in.PolicyName, Path: path, ID: newID("ANPA"), Description: in.Description, Created: now, Updated: now,
		Default: "v1", Versions: []policyVersion{{ID: "v1", Doc: in.PolicyDocument, Created: now}}, NextVersion: 2, Tags: toTags(in.Tags),
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[policyRec](tx, recordKey(account, kindPolicy, p.Name)); err != nil {
			return err
		} else if found {
			return alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", p.Name)
		}
		if err := checkQuota(tx, account, kindPolicy, "PoliciesPerAccount", policiesQuota); err != nil {
			return err
		}
		return put(tx, recordKey(account, kindPolicy, p.Name), p)
	})
	if err != nil {
		return nil, err
	}
	out := managedPolicy{customer: &p}.toPolicy(account, true)
	return &iamapi.CreatePolicyOutput{Policy: &out}, nil
}

func checkManagedDocument(doc string) error {
	if err := checkDocument(doc, identityDoc); err != nil {
		return err
	}
	if docSize(doc) > managedPolicyMax {
		return quota("PolicySize", managedPolicyMax)
	}
	return nil
}

func (s *Service) GetPolicy(ctx context.Context, in *iamapi.GetPolicyInput) (*iamapi.GetPolicyOutput, error) {
	account, m, err := s.authPolicy(ctx, "GetPolicy", in.PolicyArn, nil)
	if err != nil {
		return nil, err
	}
	out := m.toPolicy(account, true)
	return &iamapi.GetPolicyOutput{Policy: &out}, nil
}

func (s *Service) DeletePolicy(ctx context.Context, in *iamapi.DeletePolicyInput) (*iamapi.DeletePolicyOutput, error) {
	account, m, err := s.authPolicy(ctx, "DeletePolicy", in.PolicyArn, nil)
	if err != nil {
		return nil, err
	}
	if err := customerOnly(ctx, "DeletePolicy", m); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		m, found, err := lookupPolicy(tx, account, in.PolicyArn)
		if err != nil {
			return err
		}
		if !found {
			return noSuchEntity("Policy %s was not found.", in.PolicyArn)
		}
		p := m.customer
		if p.Attachments > 0 || p.BoundaryUses > 0 {
			return deleteConflict("Cannot delete a policy attached to entities.")
		}
		if len(p.Versions) > 1 {
			return deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return tx.Delete(table, recordKey(account, kindPolicy, p.Name))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeletePolicyOutput{}, nil
}

func (s *Service) ListPolicies(ctx context.Context, in *iamapi.ListPoliciesInput) (*iamapi.ListPoliciesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "ListPolicies", nil, nil)
	if err != nil {
		return nil, err
	}
	scope := iamapi.PolicyScopeTypeAll
	if in.Scope != nil {
		scope = *in.Scope
	}
	onlyAttached := api.ToBool(in.OnlyAttached)
	usage := ""
	if in.PolicyUsageFilter != nil {
		usage = string(*in.PolicyUsageFilter)
	}
	keep := func(path string, attach, boundary int) bool {
		if !underPath(path, prefix) {
			return false
		}
		if onlyAttached && attach == 0 && boundary == 0 {
			return false
		}
		return true
	}
	var all []managedPolicy
	err = s.view(ctx, func(tx store.Tx) error {
		if scope != iamapi.PolicyScopeTypeLocal {
			used := map[string]awsUsage{}
			prefixLen := len(kindPrefix(account, kindAWSUsage))
			if err := store.ScanJSON(tx, table, kindPrefix(account, kindAWSUsage), "", func(k string, u awsUsage) (bool, error) {
				used[k[prefixLen:]] = u
				return true, nil
			}); err != nil {
				return err
			}
			for _, p := range awspolicies.All() {
				u := used[lower(p.ARN)]
				if keep(p.Path, u.Attachments, u.BoundaryUses) {
					all = append(all, managedPolicy{aws: p, usage: u})
				}
			}
		}
		if scope != iamapi.PolicyScopeType("AWS") {
			ps, err := scan[policyRec](tx, account, kindPolicy)
			if err != nil {
				return err
			}
			for i := range ps {
				if keep(ps[i].Path, ps[i].Attachments, ps[i].BoundaryUses) {
					all = append(all, managedPolicy{customer: &ps[i]})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// PolicyUsageFilter narrows by how the policy is used in this account.
	if usage != "" && onlyAttached {
		var kept []managedPolicy
		for _, m := range all {
			a, b := m.usage.Attachments, m.usage.BoundaryUses
			if m.customer != nil {
				a, b = m.customer.Attachments, m.customer.BoundaryUses
			}
			if (usage == "PermissionsPolicy" && a > 0) || (usage == "PermissionsBoundary" && b > 0) {
				kept = append(kept, m)
			}
		}
		all = kept
	}
	key := func(m managedPolicy) string {
		if m.aws != nil {
			return lower(m.aws.Name) + "\x00" + m.aws.ARN
		}
		return lower(m.customer.Name) + "\x00" + policyARN(account, *m.customer)
	}
	sort.SliceStable(all, func(i, j int) bool { return key(all[i]) < key(all[j]) })
	pg, trunc, marker, err := page(all, key, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListPoliciesOutput{IsTruncated: trunc, Marker: marker, Policies: []iamapi.Policy{}}
	for _, m := range pg {
		out.Policies = append(out.Policies, m.toPolicy(account, false))
	}
	return out, nil
}

func versionNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "v"))
	return n
}

func (s *Service) CreatePolicyVersion(ctx context.Context, in *iamapi.CreatePolicyVersionInput) (*iamapi.CreatePolicyVersionOutput, error) {
	if err := checkManagedDocument(in.PolicyDocument); err != nil {
		return nil, err
	}
	account, m, err := s.authPolicy(ctx, "CreatePolicyVersion", in.PolicyArn, nil)
	if err != nil {
		return nil, err
	}
	if err := customerOnly(ctx, "CreatePolicyVersion", m); err != nil {
		return nil, err
	}
	var v policyVersion
	err = s.update(ctx, func(tx store.Tx) error {
		m, found, err := lookupPolicy(tx, account, in.PolicyArn)
		if err != nil {
			return err
		}
		if !found {
			return noSuchEntity("Policy %s was not found.", in.PolicyArn)
		}
		p := m.customer
		if len(p.Versions) >= maxPolicyVersions {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		now := s.now().UTC().Truncate(time.Second)
		v = policyVersion{ID: "v" + strconv.Itoa(p.NextVersion), Doc: in.PolicyDocument, Created: now}
		p.NextVersion++
		p.Versions = append(p.Versions, v)
		if api.ToBool(in.SetAsDefault) {
			p.Default = v.ID
			p.Updated = now
		}
		return put(tx, recordKey(account, kindPolicy, p.Name), *p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreatePolicyVersionOutput{PolicyVersion: &iamapi.PolicyVersion{
		VersionId: api.String(v.ID), IsDefaultVersion: api.Bool(api.ToBool(in.SetAsDefault)), CreateDate: api.Time(v.Created),
	}}, nil
}

func noSuchVersion(arn, id string) error {
	return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
}

func (s *Service) GetPolicyVersion(ctx context.Context, in *iamapi.GetPolicyVersionInput) (*iamapi.GetPolicyVersionOutput, error) {
	_, m, err := s.authPolicy(ctx, "GetPolicyVersion", in.PolicyArn, nil)
	if err != nil {
		return nil, err
	}
	for _, v := range versionsOf(m) {
		if v.ID == in.VersionId {
			return &iamapi.GetPolicyVersionOutput{PolicyVersion: toVersion(m, v, true)}, nil
		}
	}
	return nil, noSuchVersion(in.PolicyArn, in.VersionId)
}

func versionsOf(m managedPolicy) []policyVersion {
	if m.aws != nil {
		return []policyVersion{{ID: m.aws.DefaultVersionID, Doc: m.aws.Document, Created: m.aws.Updated}}
	}
	return m.customer.Versions
}

func toVersion(m managedPolicy, v policyVersion, withDoc bool) *iamapi.PolicyVersion {
	def := m.customer == nil || m.customer.Default == v.ID
	out := &iamapi.PolicyVersion{VersionId: api.String(v.ID), IsDefaultVersion: api.Bool(def), CreateDate: api.Time(v.Created)}
	if withDoc {
		out.Document = encodeDoc(v.Doc)
	}
	return out
}

func (s *Service) ListPolicyVersions(ctx context.Context, in *iamapi.ListPolicyVersionsInput) (*iamapi.ListPolicyVersionsOutput, error) {
	_, m, err := s.authPolicy(ctx, "ListPolicyVersions", in.PolicyArn, nil)
	if err != nil {
		return nil, err
	}
	// Newest first, as AWS lists them.
	vs := append([]policyVersion(nil), versionsOf(m)...)
	sort.Slice(vs, func(i, j int) bool { return versionNumber(vs[i].ID) > versionNumber(vs[j].ID) })
	key := func(v policyVersion) string { return fmt.Sprintf("%010d", 1<<30-versionNumber(v.ID)) }
	pg, trunc, marker, err := page(vs, key, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListPolicyVersionsOutput{IsTruncated: trunc, Marker: marker, Versions: []iamapi.PolicyVersion{}}
	for _, v := range pg {
		out.Versions = append(out.Versions, *toVersion(m, v, false))
	}
	return out, nil
}

func (s *Service) DeletePolicyVersion(ctx context.Context, in *iamapi.DeletePolicyVersionInput) (*iamapi.DeletePolicyVersionOutput, error) {
	account, m, err := s.authPolicy(ctx, "DeletePolicyVersion", in.PolicyArn, nil)
	if err != nil {
		return nil, err
	}
	if err := customerOnly(ctx, "DeletePolicyVersion", m); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		m, found, err := lookupPolicy(tx, account, in.PolicyArn)
		if err != nil {
			return err
		}
		if !found {
			return noSuchEntity("Policy %s was not found.", in.PolicyArn)
		}
		p := m.customer
		if p.Default == in.VersionId {
			return deleteConflict("Cannot delete the default version of a policy.")
		}
		var kept []policyVersion
		for _, v := range p.Versions {
			if v.ID != in.VersionId {
				kept = append(kept, v)
			}
		}
		if len(kept) == len(p.Versions) {
			return noSuchVersion(in.PolicyArn, in.VersionId)
		}
		p.Versions = kept
		return put(tx, recordKey(account, kindPolicy, p.Name), *p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeletePolicyVersionOutput{}, nil
}

func (s *Service) SetDefaultPolicyVersion(ctx context.Context, in *iamapi.SetDefaultPolicyVersionInput) (*iamapi.SetDefaultPolicyVersionOutput, error) {
	account, m, err := s.authPolicy(ctx, "SetDefaultPolicyVersion", in.PolicyArn, nil)
	if err != nil {
		return nil, err
	}
	if err := customerOnly(ctx, "SetDefaultPolicyVersion", m); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		m, found, err := lookupPolicy(tx, account, in.PolicyArn)
		if err != nil {
			return err
		}
		if !found {
			return noSuchEntity("Policy %s was not found.", in.PolicyArn)
		}
		p := m.customer
		for _, v := range p.Versions {
			if v.ID == in.VersionId {
				p.Default = v.ID
				p.Updated = s.now().UTC().Truncate(time.Second)
				return put(tx, recordKey(account, kindPolicy, p.Name), *p)
			}
		}
		return noSuchVersion(in.PolicyArn, in.VersionId)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.SetDefaultPolicyVersionOutput{}, nil
}

func (s *Service) modifyPolicy(ctx context.Context, account, policyArn string, fn func(*policyRec) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		m, found, err := lookupPolicy(tx, account, policyArn)
		if err != nil {
			return err
		}
		if !found || m.customer == nil {
			return noSuchEntity("Policy %s was not found.", policyArn)
		}
		if err := fn(m.customer); err != nil {
			return err
		}
		return put(tx, recordKey(account, kindPolicy, m.customer.Name), *m.customer)
	})
}

func (s *Service) TagPolicy(ctx context.Context, in *iamapi.TagPolicyInput) (*iamapi.TagPolicyOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, m, err := s.authPolicy(ctx, "TagPolicy", in.PolicyArn, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	if err := customerOnly(ctx, "TagPolicy", m); err != nil {
		return nil, err
	}
	err = s.modifyPolicy(ctx, account, in.PolicyArn, func(p *policyRec) error {
		var err error
		p.Tags, err = mergeTags(p.Tags, in.Tags)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagPolicyOutput{}, nil
}

func (s *Service) UntagPolicy(ctx context.Context, in *iamapi.UntagPolicyInput) (*iamapi.UntagPolicyOutput, error) {
	account, m, err := s.authPolicy(ctx, "UntagPolicy", in.PolicyArn, map[string][]string{"aws:TagKeys": in.TagKeys})
	if err != nil {
		return nil, err
	}
	if err := customerOnly(ctx, "UntagPolicy", m); err != nil {
		return nil, err
	}
	err = s.modifyPolicy(ctx, account, in.PolicyArn, func(p *policyRec) error {
		p.Tags = removeTags(p.Tags, in.TagKeys)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagPolicyOutput{}, nil
}

func (s *Service) ListPolicyTags(ctx context.Context, in *iamapi.ListPolicyTagsInput) (*iamapi.ListPolicyTagsOutput, error) {
	_, m, err := s.authPolicy(ctx, "ListPolicyTags", in.PolicyArn, nil)
	if err != nil {
		return nil, err
	}
	var tags []tag
	if m.customer != nil {
		tags = m.customer.Tags
	}
	pg, trunc, marker, err := pageTags(tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListPolicyTagsOutput{Tags: pg, IsTruncated: trunc, Marker: marker}, nil
}
