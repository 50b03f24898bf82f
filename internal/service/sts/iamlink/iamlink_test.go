package iamlink

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/mfa"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/service/iam"
	"github.com/doppel-aws/doppel/internal/service/sts"
	"github.com/doppel-aws/doppel/internal/store"
)

const acct = "222222222222"

type allowAll struct{}

func (allowAll) Authorize(context.Context, authz.Check) error { return nil }

func rootCtx() context.Context {
	return request.With(context.Background(), &request.Info{Region: "eu-west-1", Principal: &identity.Principal{
		Kind: identity.Root, Account: acct, ARN: "arn:aws:iam::" + acct + ":root", UserID: acct}})
}

func TestRole(t *testing.T) {
	now := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	svc := iam.New(store.NewMemory(), allowAll{}, iam.WithClock(func() time.Time { return now }))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"a b&c"}}}]}`
	ctx := rootCtx()
	created, err := svc.CreateRole(ctx, &iamapi.CreateRoleInput{
		RoleName: "deploy", Path: api.String("/ops/"), AssumeRolePolicyDocument: trust,
		MaxSessionDuration: api.Int32(7200), Tags: []iamapi.Tag{{Key: "team", Value: "ops"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	link := Link{IAM: svc}
	// STS calls in with the caller's context (another account's user).
	callerCtx := request.With(context.Background(), &request.Info{Region: "eu-west-1", Principal: &identity.Principal{
		Kind: identity.User, Account: "111111111111", ARN: "arn:aws:iam::111111111111:user/alice", Name: "alice"}})
	got, found, err := link.Role(callerCtx, acct, "deploy")
	if err != nil || !found {
		t.Fatalf("Role = %v, %v", found, err)
	}
	want := sts.Role{ARN: "arn:aws:iam::" + acct + ":role/ops/deploy", Account: acct, Name: "deploy", Path: "/ops/",
		RoleID: created.Role.RoleId, TrustPolicy: trust, MaxSessionDuration: 2 * time.Hour, Tags: map[string]string{"team": "ops"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Role = %+v\nwant   %+v", got, want)
	}
	if _, found, err := link.Role(callerCtx, acct, "nope"); found || err != nil {
		t.Errorf("missing role: found=%v err=%v", found, err)
	}
	if err := link.RoleUsed(callerCtx, acct, "deploy", "eu-west-1", now); err != nil {
		t.Fatal(err)
	}
	out, err := svc.GetRole(ctx, &iamapi.GetRoleInput{RoleName: "deploy"})
	if err != nil {
		t.Fatal(err)
	}
	if lu := out.Role.RoleLastUsed; lu == nil || !api.ToTime(lu.LastUsedDate).Equal(now) || api.ToString(lu.Region) != "eu-west-1" {
		t.Errorf("RoleLastUsed = %+v", lu)
	}
}

func TestVerifyMFACode(t *testing.T) {
	now := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	svc := iam.New(store.NewMemory(), allowAll{}, iam.WithClock(func() time.Time { return now }))
	ctx := rootCtx()
	for _, u := range []string{"alice", "bob"} {
		if _, err := svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: u}); err != nil {
			t.Fatal(err)
		}
	}
	dev, err := svc.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	code := func(step int64) string {
		c, err := mfa.Code(seed, step)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	s := mfa.Step(now)
	if _, err := svc.EnableMFADevice(ctx, &iamapi.EnableMFADeviceInput{UserName: "alice", SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: code(s - 2), AuthenticationCode2: code(s - 1)}); err != nil {
		t.Fatal(err)
	}
	link := Link{IAM: svc}
	serial := dev.VirtualMFADevice.SerialNumber
	tests := []struct {
		name, user, serial, code string
		want                     error
	}{
		{"good code", "alice", serial, code(s), nil},
		{"same code again", "alice", serial, code(s), sts.ErrMFACodeInvalid},
		{"wrong code", "alice", serial, "000000", sts.ErrMFACodeInvalid},
		{"unknown device", "alice", "arn:aws:iam::" + acct + ":mfa/nobody", code(s + 1), sts.ErrMFACodeInvalid},
		// Whose device it is comes first: bob's try neither spends
		// alice's code nor counts against her device.
		{"someone else's device", "bob", serial, code(s + 1), sts.ErrMFADeviceNotAssigned},
		{"next step, still alice's to use", "alice", serial, code(s + 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := link.VerifyMFACode(ctx, acct, tt.user, tt.serial, tt.code, now)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
