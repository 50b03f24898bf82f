package query

import (
	"bytes"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
)

func BenchmarkDecodeCreateUser(b *testing.B) {
	form, _ := url.ParseQuery("Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F&PermissionsBoundary=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess&Tags.member.1.Key=team&Tags.member.1.Value=a&Tags.member.2.Key=env&Tags.member.2.Value=dev")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(iamapi.Service, form); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeAssumeRole is the form the bench harness's AssumeRole sends:
// three parameters of an input with a dozen members, three of them lists.
func BenchmarkDecodeAssumeRole(b *testing.B) {
	form, _ := url.ParseQuery("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fbench-target&RoleSessionName=bench")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(stsapi.Service, form); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeCreateUser(b *testing.B) {
	op := iamapi.Service.Operation("CreateUser")
	out := &iamapi.CreateUserOutput{User: &iamapi.User{Path: "/team/", UserName: "alice", UserId: "AIDAEXAMPLEEXAMPLE01", Arn: "arn:aws:iam::111111111111:user/team/alice",
		CreateDate: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Tags: []iamapi.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "dev"}}}}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		AppendResponse(&buf, iamapi.Service, op, out, "0c3ef8a4-7b5e-4f1e-9d3a-4b3c2a1f0e9d")
	}
}

func BenchmarkEncodeListUsers100(b *testing.B) {
	op := iamapi.Service.Operation("ListUsers")
	out := &iamapi.ListUsersOutput{IsTruncated: api.Bool(false)}
	for i := range 100 {
		out.Users = append(out.Users, iamapi.User{Path: "/", UserName: fmt.Sprintf("user%d", i), UserId: "AIDAEXAMPLEEXAMPLE01", Arn: fmt.Sprintf("arn:aws:iam::111111111111:user/user%d", i), CreateDate: time.Unix(1700000000, 0)})
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		AppendResponse(&buf, iamapi.Service, op, out, "0c3ef8a4-7b5e-4f1e-9d3a-4b3c2a1f0e9d")
	}
}

// BenchmarkEncodeListRoles11 is the bench harness's ListRoles answer: eleven
// roles with URL-encoded trust policies.
func BenchmarkEncodeListRoles11(b *testing.B) {
	op := iamapi.Service.Operation("ListRoles")
	doc := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`)
	out := &iamapi.ListRolesOutput{IsTruncated: api.Bool(false)}
	for i := range 11 {
		out.Roles = append(out.Roles, iamapi.Role{Path: "/", RoleName: fmt.Sprintf("role-%d", i), RoleId: "AROAEXAMPLEEXAMPLE01",
			Arn: fmt.Sprintf("arn:aws:iam::111111111111:role/role-%d", i), CreateDate: time.Unix(1700000000, 0),
			AssumeRolePolicyDocument: &doc, MaxSessionDuration: api.Int32(3600)})
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		AppendResponse(&buf, iamapi.Service, op, out, "0c3ef8a4-7b5e-4f1e-9d3a-4b3c2a1f0e9d")
	}
}
