package iam

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// TestConcurrentQuotas: quotas and counters hold when requests race (as
// Terraform's ten parallel operations do): each check and its write share
// one transaction.
func TestConcurrentQuotas(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "p", PolicyDocument: allowAll}))
	pArn := "arn:aws:iam::" + acct + ":policy/p"

	var wg sync.WaitGroup
	var mu sync.Mutex
	created, limited := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: api.String("u")})
			var ae *awserr.Error
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.As(err, &ae) && ae.Code == "LimitExceeded":
				limited++
			default:
				t.Errorf("CreateAccessKey: %v", err)
			}
		}()
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("r%d", i)
			if _, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: trustAccount}); err != nil {
				t.Errorf("CreateRole: %v", err)
				return
			}
			if _, err := s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: name, PolicyArn: pArn}); err != nil {
				t.Errorf("AttachRolePolicy: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if created != maxAccessKeys || limited != 8-maxAccessKeys {
		t.Errorf("access keys: %d created, %d refused; want %d and %d", created, limited, maxAccessKeys, 8-maxAccessKeys)
	}
	if n := *must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: pArn})).Policy.AttachmentCount; n != 8 {
		t.Errorf("AttachmentCount = %d after 8 concurrent attachments", n)
	}
}
