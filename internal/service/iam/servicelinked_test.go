package iam

import (
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/service/iam/awspolicies"
)

func TestServiceLinkedRole(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	r := must(s.CreateServiceLinkedRole(ctx, &iamapi.CreateServiceLinkedRoleInput{AWSServiceName: "autoscaling.amazonaws.com", Description: api.String("asg")})).Role
	if r.RoleName != "AWSServiceRoleForAutoScaling" || r.Path != "/aws-service-role/autoscaling.amazonaws.com/" ||
		r.Arn != "arn:aws:iam::"+acct+":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" {
		t.Fatalf("CreateServiceLinkedRole = %+v", r)
	}
	if c := h.authz.last(); c.Action != "iam:CreateServiceLinkedRole" || c.Resource != r.Arn || c.Context["iam:AWSServiceName"][0] != "autoscaling.amazonaws.com" {
		t.Errorf("authorized %+v", c)
	}
	ap := must(s.ListAttachedRolePolicies(ctx, &iamapi.ListAttachedRolePoliciesInput{RoleName: r.RoleName})).AttachedPolicies
	if len(ap) != 1 || *ap[0].PolicyArn != "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy" {
		t.Fatalf("attached = %+v", ap)
	}
	if custom := must(s.CreateServiceLinkedRole(ctx, &iamapi.CreateServiceLinkedRoleInput{AWSServiceName: "autoscaling.amazonaws.com", CustomSuffix: api.String("fleet")})).Role; custom.RoleName != "AWSServiceRoleForAutoScaling_fleet" {
		t.Fatalf("custom suffix role = %s", custom.RoleName)
	}
	if other := must(s.CreateServiceLinkedRole(ctx, &iamapi.CreateServiceLinkedRoleInput{AWSServiceName: "new-thing.amazonaws.com"})).Role; other.RoleName != "AWSServiceRoleForNewThing" {
		t.Fatalf("unknown service's role = %s", other.RoleName)
	}

	protected := "Cannot perform the operation on the protected role 'AWSServiceRoleForAutoScaling' - this role is only modifiable by AWS"
	tests := []struct {
		name    string
		call    func() error
		code    string
		message string
	}{
		{"taken name", func() error {
			_, err := s.CreateServiceLinkedRole(ctx, &iamapi.CreateServiceLinkedRoleInput{AWSServiceName: "autoscaling.amazonaws.com"})
			return err
		}, "InvalidInput", "Service role name AWSServiceRoleForAutoScaling has been taken in this account, please try a different suffix."},
		{"not a service", func() error {
			_, err := s.CreateServiceLinkedRole(ctx, &iamapi.CreateServiceLinkedRoleInput{AWSServiceName: "example.com"})
			return err
		}, "InvalidInput", ""},
		{"DeleteRole", func() error {
			_, err := s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: "AWSServiceRoleForAutoScaling"})
			return err
		}, "UnmodifiableEntity", protected},
		{"PutRolePolicy", func() error {
			_, err := s.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: "AWSServiceRoleForAutoScaling", PolicyName: "x", PolicyDocument: allowAll})
			return err
		}, "UnmodifiableEntity", protected},
		{"DetachRolePolicy", func() error {
			_, err := s.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: "AWSServiceRoleForAutoScaling", PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy"})
			return err
		}, "UnmodifiableEntity", protected},
		{"UpdateAssumeRolePolicy", func() error {
			_, err := s.UpdateAssumeRolePolicy(ctx, &iamapi.UpdateAssumeRolePolicyInput{RoleName: "AWSServiceRoleForAutoScaling", PolicyDocument: trustAccount})
			return err
		}, "UnmodifiableEntity", protected},
		{"DeleteServiceLinkedRole of a plain role", func() error {
			must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "plain", AssumeRolePolicyDocument: trustAccount}))
			_, err := s.DeleteServiceLinkedRole(ctx, &iamapi.DeleteServiceLinkedRoleInput{RoleName: "plain"})
			return err
		}, "InvalidInput", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.call(), tc.code, tc.message, 400)
		})
	}

	must(s.UpdateRoleDescription(ctx, &iamapi.UpdateRoleDescriptionInput{RoleName: "AWSServiceRoleForAutoScaling", Description: "allowed"}))
	task := must(s.DeleteServiceLinkedRole(ctx, &iamapi.DeleteServiceLinkedRoleInput{RoleName: "AWSServiceRoleForAutoScaling"})).DeletionTaskId
	st := must(s.GetServiceLinkedRoleDeletionStatus(ctx, &iamapi.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: task}))
	if st.Status != iamapi.DeletionTaskStatusTypeSUCCEEDED {
		t.Fatalf("deletion status = %s", st.Status)
	}
	if c := h.authz.last(); c.Resource != r.Arn {
		t.Errorf("GetServiceLinkedRoleDeletionStatus authorized on %s, want %s", c.Resource, r.Arn)
	}
	_, err := s.GetRole(ctx, &iamapi.GetRoleInput{RoleName: "AWSServiceRoleForAutoScaling"})
	wantErr(t, err, "NoSuchEntity", "", 404)
	p := must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy"})).Policy
	if *p.AttachmentCount != 1 { // the _fleet role still has it
		t.Errorf("AttachmentCount = %d, want 1", *p.AttachmentCount)
	}
	_, err = s.GetServiceLinkedRoleDeletionStatus(ctx, &iamapi.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: "task/none"})
	wantErr(t, err, "NoSuchEntity", "", 404)
}

// TestLinkedServicePolicies: every policy the table names is in the AWS
// managed policy catalogue, where the role's attachment comes from.
func TestLinkedServicePolicies(t *testing.T) {
	for service, ls := range linkedServices {
		if awspolicies.Lookup("arn:aws:iam::aws:policy"+linkedPathPrefix+ls.policy) == nil {
			t.Errorf("%s: policy %s is not in the catalogue", service, ls.policy)
		}
	}
}

// CreateRole refuses the service-linked path: such roles escape SCPs and
// RCPs, so only CreateServiceLinkedRole may make them.
func TestCreateRoleRefusesServiceLinkedPath(t *testing.T) {
	h := newHarness(t)
	_, err := h.svc.CreateRole(h.ctx, &iamapi.CreateRoleInput{RoleName: "AWSServiceRoleForFake", Path: api.String("/aws-service-role/fake.amazonaws.com/"),
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`})
	wantErr(t, err, "InvalidInput", "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles", 400)
}
