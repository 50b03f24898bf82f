package organizations_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// Requests of a member account run while its SCPs change: each is allowed
// or denied, never failed (run with -race).
func TestEnforcementWhileChanging(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.createOrg()
	root := w.rootID()
	member := w.vend("busy", "busy@example.com")
	must(t)(w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeServiceControlPolicy}))
	deny := w.policy(types.PolicyTypeServiceControlPolicy, "no-list", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	c := s3Client(w.accessRole(member))

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
				var ae smithy.APIError
				if err != nil && !(errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied") {
					errs <- err
					return
				}
			}
		}()
	}
	for range 10 {
		must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(deny), TargetId: aws.String(member)}))
		must(t)(w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(deny), TargetId: aws.String(member)}))
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The last change holds.
	must(t)(c.ListBuckets(ctx, &s3.ListBucketsInput{}))
}
