package iam

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

func TestCredentialReport(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	_, err := s.GetCredentialReport(ctx, &iamapi.GetCredentialReportInput{})
	wantErr(t, err, "ReportNotPresent", "", 410)

	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "alice"}))
	must(s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: "alice", Password: "Correct-Horse-1"}))
	must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: api.String("alice")}))
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "bob"}))

	g := must(s.GenerateCredentialReport(ctx, &iamapi.GenerateCredentialReportInput{}))
	if *g.State != iamapi.ReportStateTypeSTARTED {
		t.Fatalf("first GenerateCredentialReport state = %s", *g.State)
	}
	if g := must(s.GenerateCredentialReport(ctx, &iamapi.GenerateCredentialReportInput{})); *g.State != iamapi.ReportStateTypeCOMPLETE {
		t.Fatalf("second GenerateCredentialReport state = %s", *g.State)
	}
	r := must(s.GetCredentialReport(ctx, &iamapi.GetCredentialReportInput{}))
	rows, err := csv.NewReader(strings.NewReader(string(r.Content))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || len(rows[0]) != 22 || rows[0][0] != "user" || rows[1][0] != "<root_account>" {
		t.Fatalf("report rows = %v", rows)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	alice, bob := rows[2], rows[3]
	tests := []struct {
		name, got, want string
	}{
		{"alice password_enabled", alice[col["password_enabled"]], "true"},
		{"alice password_last_used", alice[col["password_last_used"]], "no_information"},
		{"alice access_key_1_active", alice[col["access_key_1_active"]], "true"},
		{"alice access_key_1_last_rotated", alice[col["access_key_1_last_rotated"]], "2026-11-22T06:00:00+00:00"},
		{"alice access_key_2_active", alice[col["access_key_2_active"]], "false"},
		{"bob password_enabled", bob[col["password_enabled"]], "false"},
		{"bob password_last_used", bob[col["password_last_used"]], "N/A"},
		{"bob arn", bob[col["arn"]], "arn:aws:iam::" + acct + ":user/bob"},
		{"root password_enabled", rows[1][col["password_enabled"]], "not_supported"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	h.clock.t = h.clock.t.Add(5 * time.Hour)
	_, err = s.GetCredentialReport(ctx, &iamapi.GetCredentialReportInput{})
	wantErr(t, err, "ReportExpired", "", 410)
	if g := must(s.GenerateCredentialReport(ctx, &iamapi.GenerateCredentialReportInput{})); *g.State != iamapi.ReportStateTypeSTARTED {
		t.Fatalf("GenerateCredentialReport after expiry state = %s", *g.State)
	}
}
