package iam

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/mfa"
	"github.com/doppel-aws/doppel/internal/store"
)

// TestPersistsAcrossRestarts writes IAM state into a bbolt file, closes it,
// opens it again with a new Service, and reads everything back, including
// the MFA device's last used step (a code must not work again after a
// restart).
func TestPersistsAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doppel.db")
	h := newHarness(t)
	open := func() (*Service, store.Store) {
		st, err := store.OpenBolt(path, store.BoltOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return New(st, h.authz, WithClock(h.clock.now)), st
	}
	ctx := h.ctx
	s, st := open()
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u", Tags: []iamapi.Tag{{Key: "k", Value: "v"}}}))
	must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "p", PolicyDocument: allowAll}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "u", PolicyArn: "arn:aws:iam::" + acct + ":policy/p"}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount}))
	key := must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: api.String("u")})).AccessKey
	d := must(s.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "u"})).VirtualMFADevice
	seed := string(d.Base32StringSeed)
	step := mfa.Step(h.clock.t)
	c1, _ := mfa.Code(seed, step-1)
	c2, _ := mfa.Code(seed, step)
	must(s.EnableMFADevice(ctx, &iamapi.EnableMFADeviceInput{UserName: "u", SerialNumber: d.SerialNumber, AuthenticationCode1: c1, AuthenticationCode2: c2}))
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	s, st = open()
	defer st.Close()
	u := must(s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("u")})).User
	if len(u.Tags) != 1 || u.Tags[0].Value != "v" {
		t.Errorf("user after restart = %+v", u)
	}
	if p := must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: "arn:aws:iam::" + acct + ":policy/p"})).Policy; *p.AttachmentCount != 1 {
		t.Errorf("policy after restart = %+v", p)
	}
	must(s.GetRole(ctx, &iamapi.GetRoleInput{RoleName: "r"}))
	if o := must(s.LookupAccessKey(ctx, key.AccessKeyId)); o == nil || o.Secret != key.SecretAccessKey {
		t.Errorf("access key after restart = %+v", o)
	}
	if _, err := s.CheckMFACode(ctx, acct, "u", []string{d.SerialNumber}, c2); !errors.Is(err, ErrMFA) {
		t.Errorf("a used MFA code was accepted after a restart: %v", err)
	}
}
