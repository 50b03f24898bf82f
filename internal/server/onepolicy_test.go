package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/policy"
)

// TestOnePolicyPipeline: every API that takes a policy document, and
// doppel policy validate, accept or refuse the same defect alike, because
// they all parse with internal/policy (issue 13). Each API gets a valid statement of its kind
// (identity, trust, bucket, session) with the defect applied.
func TestOnePolicyPipeline(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	cfgA := srv.AWSConfig("account-a")
	iamA := iam.NewFromConfig(cfgA)
	s3A := s3.NewFromConfig(cfgA, func(o *s3.Options) { o.UsePathStyle = true })
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	const trustA = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	must(iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustA)}))
	must(iamA.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("base"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}))
	must(iamA.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	must(iamA.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	key, err := iamA.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	stsU := sts.NewFromConfig(srv.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	must(s3A.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("onepolicy")}))

	identity := map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::onepolicy/*"}
	trust := map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole"}
	bucket := map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::onepolicy/*"}

	n := 0
	apis := []struct {
		name string
		base map[string]any
		kind policy.Kind // what doppel policy validate is told
		call func(doc string) error
	}{
		{"iam:CreatePolicy", identity, policy.Identity, func(doc string) error {
			n++
			_, err := iamA.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprint("p", n)), PolicyDocument: aws.String(doc)})
			return err
		}},
		{"iam:PutUserPolicy", identity, policy.Identity, func(doc string) error {
			_, err := iamA.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("x"), PolicyDocument: aws.String(doc)})
			return err
		}},
		{"iam:PutRolePolicy", identity, policy.Identity, func(doc string) error {
			_, err := iamA.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("x"), PolicyDocument: aws.String(doc)})
			return err
		}},
		{"iam:CreateRole", trust, policy.Trust, func(doc string) error {
			n++
			_, err := iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprint("r", n)), AssumeRolePolicyDocument: aws.String(doc)})
			return err
		}},
		{"iam:UpdateAssumeRolePolicy", trust, policy.Trust, func(doc string) error {
			_, err := iamA.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(doc)})
			if err == nil {
				// Put the trust back, so that AssumeRole below keeps working.
				_, err = iamA.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(trustA)})
			}
			return err
		}},
		{"s3:PutBucketPolicy", bucket, policy.Resource, func(doc string) error {
			_, err := s3A.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("onepolicy"), Policy: aws.String(doc)})
			return err
		}},
		{"sts:AssumeRole session policy", identity, policy.Session, func(doc string) error {
			_, err := stsU.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/r"), RoleSessionName: aws.String("one-policy"), Policy: aws.String(doc)})
			return err
		}},
	}

	with := func(base map[string]any, set map[string]any, drop ...string) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range set {
			m[k] = v
		}
		for _, k := range drop {
			delete(m, k)
		}
		return m
	}
	docOf := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	policyOf := func(stmts ...map[string]any) string {
		return docOf(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	}
	defects := []struct {
		name   string
		doc    func(base map[string]any) string
		accept bool
	}{
		{"valid", func(b map[string]any) string { return policyOf(b) }, true},
		{"valid, one statement as an object", func(b map[string]any) string {
			return docOf(map[string]any{"Version": "2012-10-17", "Statement": b})
		}, true},
		{"unknown condition operator", func(b map[string]any) string {
			return policyOf(with(b, map[string]any{"Condition": map[string]any{"StringFooBar": map[string]any{"aws:SourceAccount": "111111111111"}}}))
		}, false},
		{"condition key without a vendor", func(b map[string]any) string {
			return policyOf(with(b, map[string]any{"Condition": map[string]any{"StringEquals": map[string]any{"nokey": "x"}}}))
		}, false},
		{"unknown statement element", func(b map[string]any) string { return policyOf(with(b, map[string]any{"Extra": 1})) }, false},
		{"invalid effect", func(b map[string]any) string { return policyOf(with(b, map[string]any{"Effect": "Maybe"})) }, false},
		{"no Effect", func(b map[string]any) string { return policyOf(with(b, nil, "Effect")) }, false},
		{"no Action", func(b map[string]any) string { return policyOf(with(b, nil, "Action")) }, false},
		{"Action and NotAction", func(b map[string]any) string {
			return policyOf(with(b, map[string]any{"NotAction": "s3:PutObject"}))
		}, false},
		{"duplicate Sid", func(b map[string]any) string {
			s := with(b, map[string]any{"Sid": "Same"})
			return policyOf(s, s)
		}, false},
		{"unknown Version", func(b map[string]any) string {
			return docOf(map[string]any{"Version": "2020-01-01", "Statement": []any{b}})
		}, false},
		{"empty Statement", func(map[string]any) string { return `{"Version":"2012-10-17","Statement":[]}` }, false},
		{"not JSON", func(map[string]any) string { return `{"Version":` }, false},
		{"a JSON array", func(b map[string]any) string { return docOf([]any{b}) }, false},
	}
	for _, d := range defects {
		for _, api := range apis {
			t.Run(d.name+"/"+api.name, func(t *testing.T) {
				doc := d.doc(api.base)
				// doppel policy validate refuses exactly what the API refuses.
				offline := false
				for _, f := range policy.Validate(doc, api.kind) {
					offline = offline || f.Severity == policy.SeverityError && f.Statement == -1
				}
				if offline == d.accept {
					t.Errorf("policy validate --kind %s: refused=%v, want %v", api.kind, offline, !d.accept)
				}
				err := api.call(doc)
				switch code := errCode(err); {
				case d.accept && err != nil:
					t.Errorf("refused: %v", err)
				case !d.accept && code != "MalformedPolicyDocument" && code != "MalformedPolicy":
					t.Errorf("err = %v, want the API's malformed-policy error", err)
				}
			})
		}
	}
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func errMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}
