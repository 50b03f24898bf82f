package sigv4_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/doppel-aws/doppel/internal/sigv4"
)

func ExampleVerifier_Verify() {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	v := &sigv4.Verifier{
		Lookup: func(_ context.Context, akid, token string) (string, error) {
			if akid == "AKIDEXAMPLE" && token == "" {
				return "secret", nil
			}
			return "", sigv4.ErrUnknownAccessKey
		},
		Now: func() time.Time { return now },
	}

	// A client signs a request...
	r := httptest.NewRequest("POST", "http://localhost:4566/", nil)
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	const emptyBody = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	v4.NewSigner().SignHTTP(context.Background(), creds, r, emptyBody, "sts", "eu-west-1", now)

	// ...and the gateway, having routed it to STS, verifies it.
	service, region, _ := sigv4.Scope(r)
	res, err := v.Verify(r, service)
	fmt.Println(service, region, res.AccessKeyID, err)

	// A request with nothing signed is anonymous; IAM and STS refuse it.
	res, _ = v.Verify(httptest.NewRequest("GET", "http://localhost:4566/", nil), "sts")
	if res.Anonymous {
		fmt.Println(sigv4.MissingAuthenticationToken().Code, http.StatusForbidden)
	}
	// Output:
	// sts eu-west-1 AKIDEXAMPLE <nil>
	// MissingAuthenticationToken 403
}
