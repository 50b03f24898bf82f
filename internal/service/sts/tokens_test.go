package sts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
)

func TestGetCallerIdentity(t *testing.T) {
	tests := []struct {
		name                 string
		caller               *identity.Principal
		userID, account, arn string
	}{
		{"root", rootPrincipal(), acctA, acctA, "arn:aws:iam::" + acctA + ":root"},
		{"root without ARN and ID", &identity.Principal{Kind: identity.Root, Account: acctB}, acctB, acctB, "arn:aws:iam::" + acctB + ":root"},
		{"IAM user", userPrincipal(), userID, acctA, userARN},
		{"GetSessionToken session", userSession(true), userID, acctA, userARN},
		{"assumed role", roleSession(nil), "AROAFIRST0000000000:s1", acctA, "arn:aws:sts::" + acctA + ":assumed-role/first/s1"},
		{"federated user", federatedPrincipal(), acctA + ":bob", acctA, "arn:aws:sts::" + acctA + ":federated-user/bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			// Not even an explicit deny stops GetCallerIdentity.
			h.authz.deny = func(authz.Check) error { return awserr.AccessDenied("explicit deny") }
			out, err := h.svc.GetCallerIdentity(as(tt.caller), &stsapi.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			got := [3]string{api.ToString(out.UserId), api.ToString(out.Account), api.ToString(out.Arn)}
			if want := [3]string{tt.userID, tt.account, tt.arn}; got != want {
				t.Errorf("got %v, want %v", got, want)
			}
			if len(h.authz.checks) != 0 {
				t.Errorf("GetCallerIdentity asked the Authorizer: %v", h.authz.actions())
			}
		})
	}
	_, err := newHarness(t).svc.GetCallerIdentity(as(&identity.Principal{}), &stsapi.GetCallerIdentityInput{})
	wantErr(t, err, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

func TestGetSessionToken(t *testing.T) {
	tests := []struct {
		name      string
		caller    *identity.Principal
		in        stsapi.GetSessionTokenInput
		code, msg string
		expires   time.Duration
		mfa       bool
	}{
		{name: "IAM user, default 12 hours", caller: userPrincipal(), expires: 12 * time.Hour},
		{name: "IAM user, 36 hours", caller: userPrincipal(), in: stsapi.GetSessionTokenInput{DurationSeconds: api.Int32(129600)}, expires: 36 * time.Hour},
		{name: "IAM user with MFA", caller: userPrincipal(),
			in: stsapi.GetSessionTokenInput{SerialNumber: api.String(mfaARN), TokenCode: api.String(goodCode)}, expires: 12 * time.Hour, mfa: true},
		{name: "wrong MFA code", caller: userPrincipal(),
			in:   stsapi.GetSessionTokenInput{SerialNumber: api.String(mfaARN), TokenCode: api.String("111111")},
			code: "AccessDenied", msg: msgMFAInvalidCode},
		{name: "unknown MFA device", caller: userPrincipal(),
			in:   stsapi.GetSessionTokenInput{SerialNumber: api.String("arn:aws:iam::" + acctA + ":mfa/nobody"), TokenCode: api.String(goodCode)},
			code: "AccessDenied", msg: msgMFAUnknownDevice},
		{name: "root, default 1 hour", caller: rootPrincipal(), expires: time.Hour},
		{name: "root asks for more than an hour", caller: rootPrincipal(), in: stsapi.GetSessionTokenInput{DurationSeconds: api.Int32(7200)}, expires: time.Hour},
		{name: "root asks for 15 minutes", caller: rootPrincipal(), in: stsapi.GetSessionTokenInput{DurationSeconds: api.Int32(900)}, expires: 15 * time.Minute},
		{name: "over 36 hours", caller: userPrincipal(), in: stsapi.GetSessionTokenInput{DurationSeconds: api.Int32(129601)},
			code: "ValidationError", msg: "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600"},
		{name: "token code with letters", caller: userPrincipal(), in: stsapi.GetSessionTokenInput{SerialNumber: api.String(mfaARN), TokenCode: api.String("12345x")},
			code: "ValidationError", msg: `1 validation error detected: Value '12345x' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\d]*`},
		{name: "role session", caller: roleSession(nil), code: "AccessDenied", msg: "Cannot call GetSessionToken with session credentials"},
		{name: "GetSessionToken session", caller: userSession(true), code: "AccessDenied", msg: "Cannot call GetSessionToken with session credentials"},
		{name: "federated user", caller: federatedPrincipal(), code: "AccessDenied", msg: "Cannot call GetSessionToken with session credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			in := tt.in
			out, err := h.svc.GetSessionToken(as(tt.caller), &in)
			wantErr(t, err, tt.code, tt.msg)
			if len(h.authz.checks) != 0 {
				t.Errorf("GetSessionToken needs no permission, yet asked %v", h.authz.actions())
			}
			if tt.code != "" {
				return
			}
			s := h.issuer.last()
			if !out.Credentials.Expiration.Equal(t0.Add(tt.expires)) || !s.Expiration.Equal(t0.Add(tt.expires)) {
				t.Errorf("expires %v, want %v", out.Credentials.Expiration, t0.Add(tt.expires))
			}
			if s.Kind != tt.caller.Kind || s.Account != acctA || s.SourceUserARN != tt.caller.ARN || s.SourceUserID != tt.caller.UserID {
				t.Errorf("session = %+v", s)
			}
			if s.MFAAuthenticated != tt.mfa || (tt.mfa && !s.MFAAuthTime.Equal(t0)) {
				t.Errorf("MFA = %v at %v, want %v", s.MFAAuthenticated, s.MFAAuthTime, tt.mfa)
			}
		})
	}
}

func TestGetFederationToken(t *testing.T) {
	fedARN := "arn:aws:sts::" + acctA + ":federated-user/bob"
	tests := []struct {
		name      string
		caller    *identity.Principal
		in        stsapi.GetFederationTokenInput
		deny      func(authz.Check) error
		code, msg string
		actions   []string
		check     func(t *testing.T, out *stsapi.GetFederationTokenOutput, s *identity.Session, checks []authz.Check)
	}{
		{
			name: "user with a session policy", caller: userPrincipal(),
			in:      stsapi.GetFederationTokenInput{Name: "bob", Policy: api.String(smallPolicy)},
			actions: []string{"sts:GetFederationToken"},
			check: func(t *testing.T, out *stsapi.GetFederationTokenOutput, s *identity.Session, checks []authz.Check) {
				if out.FederatedUser.Arn != fedARN || out.FederatedUser.FederatedUserId != acctA+":bob" {
					t.Errorf("FederatedUser = %+v", out.FederatedUser)
				}
				if p := api.ToInt32(out.PackedPolicySize); p < 1 || p > 40 {
					t.Errorf("PackedPolicySize = %d", p)
				}
				if checks[0].Resource != fedARN || checks[0].ResourceAccount != acctA {
					t.Errorf("check = %+v", checks[0])
				}
				if s.Kind != identity.FederatedUser || s.SessionName != "bob" || s.SourceUserARN != userARN ||
					!reflect.DeepEqual(s.Policies, []string{smallPolicy}) || !s.Expiration.Equal(t0.Add(12*time.Hour)) {
					t.Errorf("session = %+v", s)
				}
			},
		},
		{
			name: "no policy: packed size 0", caller: userPrincipal(),
			in:      stsapi.GetFederationTokenInput{Name: "bob", DurationSeconds: api.Int32(3600)},
			actions: []string{"sts:GetFederationToken"},
			check: func(t *testing.T, out *stsapi.GetFederationTokenOutput, s *identity.Session, _ []authz.Check) {
				if out.PackedPolicySize == nil || *out.PackedPolicySize != 0 {
					t.Errorf("PackedPolicySize = %v, want 0", out.PackedPolicySize)
				}
				if !s.Expiration.Equal(t0.Add(time.Hour)) {
					t.Errorf("expires %v", s.Expiration)
				}
			},
		},
		{
			name: "tags need sts:TagSession", caller: userPrincipal(),
			in:      stsapi.GetFederationTokenInput{Name: "bob", Tags: tags("Dept", "eng")},
			actions: []string{"sts:GetFederationToken", "sts:TagSession"},
			check: func(t *testing.T, _ *stsapi.GetFederationTokenOutput, s *identity.Session, checks []authz.Check) {
				if !reflect.DeepEqual(checks[1].Context["aws:RequestTag/Dept"], []string{"eng"}) || !reflect.DeepEqual(s.Tags, map[string]string{"Dept": "eng"}) {
					t.Errorf("context %v, tags %v", checks[1].Context, s.Tags)
				}
			},
		},
		{
			name: "root, capped at an hour", caller: rootPrincipal(),
			in:      stsapi.GetFederationTokenInput{Name: "bob", DurationSeconds: api.Int32(43200)},
			actions: []string{"sts:GetFederationToken"},
			check: func(t *testing.T, _ *stsapi.GetFederationTokenOutput, s *identity.Session, _ []authz.Check) {
				if !s.Expiration.Equal(t0.Add(time.Hour)) {
					t.Errorf("expires %v", s.Expiration)
				}
			},
		},
		{name: "refused by policy", caller: userPrincipal(), in: stsapi.GetFederationTokenInput{Name: "bob"},
			deny: denyAction("sts:GetFederationToken"), code: "AccessDenied", actions: []string{"sts:GetFederationToken"}},
		{name: "role session", caller: roleSession(nil), in: stsapi.GetFederationTokenInput{Name: "bob"},
			code: "AccessDenied", msg: "Cannot call GetFederationToken with session credentials"},
		{name: "GetSessionToken session", caller: userSession(false), in: stsapi.GetFederationTokenInput{Name: "bob"},
			code: "AccessDenied", msg: "Cannot call GetFederationToken with session credentials"},
		{name: "name too long", caller: userPrincipal(), in: stsapi.GetFederationTokenInput{Name: strings.Repeat("n", 33)},
			code: "ValidationError", msg: "1 validation error detected: Value '" + strings.Repeat("n", 33) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 32"},
		{name: "malformed policy", caller: userPrincipal(), in: stsapi.GetFederationTokenInput{Name: "bob", Policy: api.String("not json")},
			code: "MalformedPolicyDocument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.authz.deny = tt.deny
			in := tt.in
			out, err := h.svc.GetFederationToken(as(tt.caller), &in)
			wantErr(t, err, tt.code, tt.msg)
			if tt.actions != nil && !reflect.DeepEqual(h.authz.actions(), tt.actions) {
				t.Errorf("authorized %v, want %v", h.authz.actions(), tt.actions)
			}
			if tt.check != nil && err == nil {
				tt.check(t, out, h.issuer.last(), h.authz.checks)
			}
		})
	}
}

func TestGetAccessKeyInfo(t *testing.T) {
	tests := []struct {
		name      string
		caller    *identity.Principal
		key       string
		deny      func(authz.Check) error
		account   string
		code, msg string
	}{
		{name: "own key", caller: userPrincipal(), key: "AKIAALICE0000000001", account: acctA},
		{name: "another account's key", caller: userPrincipal(), key: "AKIAOTHERACCOUNT0001", account: acctB},
		{name: "role session asks", caller: roleSession(nil), key: "AKIAOTHERACCOUNT0001", account: acctB},
		{name: "unknown key", caller: userPrincipal(), key: "AKIAUNKNOWN000000001", code: "InvalidParameterValue"},
		{name: "too short", caller: userPrincipal(), key: "AKIA", code: "ValidationError",
			msg: "1 validation error detected: Value 'AKIA' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16"},
		{name: "refused by policy", caller: userPrincipal(), key: "AKIAALICE0000000001", deny: denyAction("sts:GetAccessKeyInfo"), code: "AccessDenied"},
		{name: "GetSessionToken session", caller: userSession(true), key: "AKIAALICE0000000001", code: "AccessDenied",
			msg: "User: " + userARN + " is not authorized to perform: sts:GetAccessKeyInfo"},
		{name: "federated user", caller: federatedPrincipal(), key: "AKIAALICE0000000001", code: "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.authz.deny = tt.deny
			out, err := h.svc.GetAccessKeyInfo(as(tt.caller), &stsapi.GetAccessKeyInfoInput{AccessKeyId: tt.key})
			wantErr(t, err, tt.code, tt.msg)
			if err == nil && api.ToString(out.Account) != tt.account {
				t.Errorf("Account = %s, want %s", api.ToString(out.Account), tt.account)
			}
		})
	}
}

func TestDecodeAuthorizationMessage(t *testing.T) {
	h := newHarness(t)
	msg := AuthorizationMessage{
		Context: MessageScope{
			Principal: MessagePrincipal{ID: userID, ARN: userARN},
			Action:    "s3:GetObject", Resource: "arn:aws:s3:::b/k",
			Conditions: items[MessageCondition]{Items: []MessageCondition{{Key: "aws:SourceIp", Values: items[MessageValue]{Items: []MessageValue{{Value: "127.0.0.1"}}}}}},
		},
	}
	encoded, err := h.svc.EncodeAuthorizationMessage(acctA, msg)
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(encoded)
	tampered[len(tampered)/2] ^= 1
	tests := []struct {
		name    string
		caller  *identity.Principal
		encoded string
		deny    func(authz.Check) error
		code    string
	}{
		{name: "same account", caller: userPrincipal(), encoded: encoded},
		{name: "role session of the account", caller: roleSession(nil), encoded: encoded},
		{name: "another account", caller: &identity.Principal{Kind: identity.User, Account: acctB, ARN: "arn:aws:iam::" + acctB + ":user/eve"}, encoded: encoded, code: "InvalidAuthorizationMessageException"},
		{name: "tampered", caller: userPrincipal(), encoded: string(tampered), code: "InvalidAuthorizationMessageException"},
		{name: "garbage", caller: userPrincipal(), encoded: "%%%not base64", code: "InvalidAuthorizationMessageException"},
		{name: "too short to hold a nonce", caller: userPrincipal(), encoded: "AAAA", code: "InvalidAuthorizationMessageException"},
		{name: "refused by policy", caller: userPrincipal(), encoded: encoded, deny: denyAction("sts:DecodeAuthorizationMessage"), code: "AccessDenied"},
		{name: "empty", caller: userPrincipal(), encoded: "", code: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.authz.deny = tt.deny
			out, err := h.svc.DecodeAuthorizationMessage(as(tt.caller), &stsapi.DecodeAuthorizationMessageInput{EncodedMessage: tt.encoded})
			wantErr(t, err, tt.code, "")
			if err != nil {
				return
			}
			var got AuthorizationMessage
			if err := json.Unmarshal([]byte(api.ToString(out.DecodedMessage)), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, msg) {
				t.Errorf("decoded %+v, want %+v", got, msg)
			}
			if !strings.Contains(api.ToString(out.DecodedMessage), `"conditions":{"items":[{"key":"aws:SourceIp","values":{"items":[{"value":"127.0.0.1"}]}}]}`) {
				t.Errorf("decoded JSON is not in AWS's shape: %s", api.ToString(out.DecodedMessage))
			}
		})
	}
}

func TestCheckCredentialUse(t *testing.T) {
	invalidToken := "InvalidClientTokenId"
	tests := []struct {
		name               string
		caller             *identity.Principal
		service, operation string
		code, msg          string
	}{
		{"long-term keys call IAM", userPrincipal(), "iam", "ListUsers", "", ""},
		{"role session calls IAM", roleSession(nil), "iam", "ListUsers", "", ""},
		{"role session calls AssumeRole", roleSession(nil), "sts", "AssumeRole", "", ""},
		{"role session calls GetSessionToken", roleSession(nil), "sts", "GetSessionToken", "AccessDenied", "Cannot call GetSessionToken with session credentials"},
		{"role session calls GetFederationToken", roleSession(nil), "sts", "GetFederationToken", "AccessDenied", "Cannot call GetFederationToken with session credentials"},
		{"GetSessionToken without MFA calls IAM", userSession(false), "iam", "ListUsers", invalidToken, "The security token included in the request is invalid"},
		{"GetSessionToken with MFA calls IAM", userSession(true), "iam", "ListUsers", "", ""},
		{"GetSessionToken session calls AssumeRole", userSession(false), "sts", "AssumeRole", "", ""},
		{"GetSessionToken session calls GetCallerIdentity", userSession(false), "sts", "GetCallerIdentity", "", ""},
		{"GetSessionToken session calls DecodeAuthorizationMessage", userSession(true), "sts", "DecodeAuthorizationMessage", "AccessDenied", ""},
		{"GetSessionToken session calls S3", userSession(false), "s3", "ListBuckets", "", ""},
		{"federated user calls IAM", federatedPrincipal(), "iam", "ListUsers", invalidToken, ""},
		{"federated user calls GetCallerIdentity", federatedPrincipal(), "sts", "GetCallerIdentity", "", ""},
		{"federated user calls AssumeRole", federatedPrincipal(), "sts", "AssumeRole", "AccessDenied", ""},
		{"federated user calls S3", federatedPrincipal(), "s3", "GetObject", "", ""},
		{"no principal", nil, "iam", "ListUsers", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, CheckCredentialUse(tt.caller, tt.service, tt.operation), tt.code, tt.msg)
		})
	}
}

func TestNewNeedsItsParts(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New with an empty Config succeeded")
	}
	if _, err := New(Config{Roles: newRoles(), MFA: &fakeMFA{}, Issue: (&fakeIssuer{}).issue, Authorizer: &fakeAuthz{}, MessageKey: []byte("short")}); err == nil {
		t.Error("New accepted a 5-byte message key")
	}
}
