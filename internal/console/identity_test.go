package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/doppel-aws/doppel/doppeltest"
)

// A console sign-in belongs to the user who signed in, not to the name: once
// that user is deleted and another created under the name, the old sign-in
// acts as nobody.
func TestSignInDiesWithItsUser(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	ctx := context.Background()
	iamA := awsiam.NewFromConfig(srv.AWSConfig("account-a"))
	readOnly := aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
	create := func() {
		t.Helper()
		steps := []func() error{
			func() error {
				_, err := iamA.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("carol")})
				return err
			},
			func() error {
				_, err := iamA.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("carol"), PolicyArn: readOnly})
				return err
			},
			func() error {
				_, err := iamA.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("Correct-Horse-1")})
				return err
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	create()
	const carolLink = `href="/_doppel/console/iam/users/carol"`
	carol := newClient(t, srv)
	carol.get("/signin")
	carol.post("/signin", url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"carol"}, "password": {"Correct-Horse-1"}})
	if code, body := carol.get("/iam/users"); code != 200 || !strings.Contains(body, carolLink) {
		t.Fatalf("users page as carol: %d\n%s", code, body)
	}

	for _, step := range []func() error{
		func() error {
			_, err := iamA.DeleteLoginProfile(ctx, &awsiam.DeleteLoginProfileInput{UserName: aws.String("carol")})
			return err
		},
		func() error {
			_, err := iamA.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("carol"), PolicyArn: readOnly})
			return err
		},
		func() error {
			_, err := iamA.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("carol")})
			return err
		},
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	create()

	_, body := carol.get("/iam/users")
	mustContain(t, body, "InvalidClientTokenId", "The security token included in the request is invalid.")
	if strings.Contains(body, carolLink) {
		t.Fatalf("the deleted carol's sign-in lists users:\n%s", body)
	}
}
