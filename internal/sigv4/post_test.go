package sigv4

import (
	"context"
	"testing"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// awsPostExample is the SigV4 POST example of the S3 API Reference
// ("Example: Browser-Based Upload using HTTP POST (Using AWS Signature
// Version 4)"): its base64 policy and the signature AWS gives for it.
var awsPostExample = PostForm{
	Policy:     "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9",
	Algorithm:  "AWS4-HMAC-SHA256",
	Credential: "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
	Date:       "20151229T000000Z",
	Signature:  "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e",
}

func TestVerifyPost(t *testing.T) {
	v := &Verifier{Lookup: testLookup}
	var res Result
	if err := v.VerifyPost(context.Background(), awsPostExample, nil, &res); err != nil {
		t.Fatalf("AWS's example: %v", err)
	}
	if res.AccessKeyID != testAKID || res.Region != "us-east-1" || res.Service != "s3" || res.SignedAt.Format(isoBasic) != "20151229T000000Z" {
		t.Errorf("result %+v", res)
	}
	change := func(f func(*PostForm)) PostForm {
		p := awsPostExample
		f(&p)
		return p
	}
	for _, tc := range []struct {
		name string
		form PostForm
		code string
	}{
		{"tampered policy", change(func(p *PostForm) { p.Policy = "e30=" }), "SignatureDoesNotMatch"},
		{"other signature", change(func(p *PostForm) { p.Signature = "00" + p.Signature[2:] }), "SignatureDoesNotMatch"},
		{"scope of another region", change(func(p *PostForm) { p.Credential = "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request" }), "SignatureDoesNotMatch"},
		{"no signature", change(func(p *PostForm) { p.Signature = "" }), "InvalidRequest"},
		{"no algorithm", change(func(p *PostForm) { p.Algorithm = "" }), "InvalidRequest"},
		{"other algorithm", change(func(p *PostForm) { p.Algorithm = "AWS4-HMAC-SHA1" }), "InvalidArgument"},
		{"bad date", change(func(p *PostForm) { p.Date = "yesterday" }), "InvalidArgument"},
		{"unknown key", change(func(p *PostForm) { p.Credential = "AKIAUNKNOWNUNKNOWN00/20151229/us-east-1/s3/aws4_request" }), "InvalidAccessKeyId"},
		{"malformed credential", change(func(p *PostForm) { p.Credential = "AKIAIOSFODNN7EXAMPLE/20151229" }), "AuthorizationQueryParametersError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := v.VerifyPost(context.Background(), tc.form, nil, &res)
			if got := awserr.From(err); err == nil || got.Code != tc.code {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func FuzzVerifyPost(f *testing.F) {
	f.Add(awsPostExample.Policy, awsPostExample.Credential, awsPostExample.Date, awsPostExample.Signature)
	f.Add("", "/", "", "")
	v := &Verifier{Lookup: testLookup}
	f.Fuzz(func(t *testing.T, policy, cred, date, sig string) {
		var res Result
		_ = v.VerifyPost(context.Background(), PostForm{Policy: policy, Algorithm: algorithm, Credential: cred, Date: date, Signature: sig}, nil, &res)
	})
}
