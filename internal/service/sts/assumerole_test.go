package sts

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
)

func assume(mod func(*stsapi.AssumeRoleInput)) *stsapi.AssumeRoleInput {
	in := &stsapi.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: "terraform"}
	if mod != nil {
		mod(in)
	}
	return in
}

func tags(kv ...string) []stsapi.Tag {
	var out []stsapi.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, stsapi.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

const smallPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

// bigPolicy is under the 2,048-character plain-text limit but packs badly:
// many distinct, random action names.
func bigPolicy() string {
	var actions []string
	b := make([]byte, 10)
	for len(strings.Join(actions, `","`)) < 1800 {
		_, _ = rand.Read(b)
		actions = append(actions, "s3:"+base32.StdEncoding.EncodeToString(b))
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
}

func TestAssumeRole(t *testing.T) {
	type result struct {
		out    *stsapi.AssumeRoleOutput
		sess   *identity.Session
		checks []authz.Check
		h      *harness
	}
	tests := []struct {
		name    string
		caller  *identity.Principal
		in      *stsapi.AssumeRoleInput
		deny    func(authz.Check) error
		code    string
		msg     string
		check   func(t *testing.T, r result)
		actions []string // the Authorizer's questions, in order
	}{
		{
			name: "user in A assumes role in B", caller: userPrincipal(),
			in:      assume(func(in *stsapi.AssumeRoleInput) { in.ExternalId = api.String("my_external_id") }),
			actions: []string{"sts:AssumeRole"},
			check: func(t *testing.T, r result) {
				if r.out.AssumedRoleUser.AssumedRoleId != roleID+":terraform" {
					t.Errorf("AssumedRoleId = %s", r.out.AssumedRoleUser.AssumedRoleId)
				}
				if want := "arn:aws:sts::" + acctB + ":assumed-role/deploy/terraform"; r.out.AssumedRoleUser.Arn != want {
					t.Errorf("Arn = %s, want %s", r.out.AssumedRoleUser.Arn, want)
				}
				c := r.out.Credentials
				if !strings.HasPrefix(c.AccessKeyId, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" || !c.Expiration.Equal(t0.Add(time.Hour)) {
					t.Errorf("credentials = %+v", c)
				}
				if r.out.PackedPolicySize != nil || r.out.SourceIdentity != nil {
					t.Errorf("PackedPolicySize/SourceIdentity set without policy or source identity: %+v", r.out)
				}
				chk := r.checks[0]
				if chk.Resource != roleARN || chk.ResourceAccount != acctB || chk.ResourcePolicy == nil || chk.ResourcePolicy.Kind != policy.Trust || chk.ResourcePolicy.String() != mustPolicy(t, trustA, policy.Trust) {
					t.Errorf("check = %+v", chk)
				}
				wantCtx := map[string][]string{
					"sts:RoleSessionName": {"terraform"}, "sts:ExternalId": {"my_external_id"},
					"aws:ResourceTag/team": {"ops"}, "iam:ResourceTag/team": {"ops"},
				}
				if !reflect.DeepEqual(chk.Context, wantCtx) {
					t.Errorf("context = %v, want %v", chk.Context, wantCtx)
				}
				s := r.sess
				if s.Kind != identity.AssumedRole || s.Account != acctB || s.RoleARN != roleARN || s.RoleID != roleID ||
					s.SessionName != "terraform" || s.Chained || s.MFAAuthenticated || !s.IssuedAt.Equal(t0) ||
					s.AccessKeyID != c.AccessKeyId || s.Secret != c.SecretAccessKey {
					t.Errorf("session = %+v", s)
				}
				if len(r.h.roles.used) != 1 || r.h.roles.used[0] != acctB+"/deploy us-east-1 2026-11-22T06:00:00Z" {
					t.Errorf("RoleLastUsed = %v", r.h.roles.used)
				}
			},
		},
		{
			name: "duration within the role's maximum", caller: userPrincipal(),
			in:      assume(func(in *stsapi.AssumeRoleInput) { in.DurationSeconds = api.Int32(43200) }),
			actions: []string{"sts:AssumeRole"},
			check: func(t *testing.T, r result) {
				if !r.out.Credentials.Expiration.Equal(t0.Add(12 * time.Hour)) {
					t.Errorf("Expiration = %v", r.out.Credentials.Expiration)
				}
			},
		},
		{
			name: "duration over the role's maximum", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = pathARN; in.DurationSeconds = api.Int32(3601) }),
			code: "ValidationError", msg: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
		},
		{
			name: "duration under the minimum", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.DurationSeconds = api.Int32(899) }),
			code: "ValidationError", msg: "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
		},
		{
			name: "role chaining is capped at one hour", caller: roleSession(nil),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.DurationSeconds = api.Int32(3601) }),
			code: "ValidationError", msg: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
		},
		{
			name: "GetSessionToken credentials count as a chain", caller: userSession(false),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.DurationSeconds = api.Int32(7200) }),
			code: "ValidationError", msg: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
		},
		{
			name: "role chaining for an hour", caller: roleSession(nil),
			in: assume(func(in *stsapi.AssumeRoleInput) { in.DurationSeconds = api.Int32(3600) }), actions: []string{"sts:AssumeRole"},
			check: func(t *testing.T, r result) {
				if !r.sess.Chained {
					t.Error("session is not marked chained")
				}
			},
		},
		{
			name: "root user", caller: rootPrincipal(), in: assume(nil),
			code: "AccessDenied", msg: "Roles may not be assumed by root accounts.",
		},
		{
			name: "federated user", caller: federatedPrincipal(), in: assume(nil),
			code: "AccessDenied", msg: "User: arn:aws:sts::" + acctA + ":federated-user/bob is not authorized to perform: sts:AssumeRole on resource: " + roleARN,
		},
		{
			name: "role that does not exist", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = "arn:aws:iam::" + acctB + ":role/nope" }),
			code: "AccessDenied", msg: "User: " + userARN + " is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + acctB + ":role/nope",
		},
		{
			name: "role ARN with the wrong path", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = "arn:aws:iam::" + acctB + ":role/pathed" }),
			code: "AccessDenied", msg: "User: " + userARN + " is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + acctB + ":role/pathed",
		},
		{
			name: "role ARN with its path", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = pathARN }), actions: []string{"sts:AssumeRole"},
			check: func(t *testing.T, r result) {
				if r.out.AssumedRoleUser.Arn != "arn:aws:sts::"+acctB+":assumed-role/pathed/terraform" {
					t.Errorf("Arn = %s (the session ARN has no path)", r.out.AssumedRoleUser.Arn)
				}
			},
		},
		{
			name: "ARN of something else", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = "arn:aws:s3:::my-bucket/role/x" }),
			code: "AccessDenied", msg: "User: " + userARN + " is not authorized to perform: sts:AssumeRole on resource: arn:aws:s3:::my-bucket/role/x",
		},
		{
			name: "malformed ARN", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = "nothing-valid-in-here" }),
			code: "ValidationError", msg: "nothing-valid-in-here is invalid",
		},
		{
			name: "ARN without a resource", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = "arn:a:a::aaaaaaaaaa:" }),
			code: "ValidationError", msg: "arn:a:a::aaaaaaaaaa: is invalid",
		},
		{
			name: "session name with a colon", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleSessionName = "Session1:2" }),
			code: "ValidationError", msg: `1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`,
		},
		{
			name: "session name too long", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleSessionName = strings.Repeat("s", 65) }),
			code: "ValidationError", msg: "1 validation error detected: Value '" + strings.Repeat("s", 65) + "' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64",
		},
		{
			name: "session name missing", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleSessionName = "" }),
			code: "ValidationError", msg: "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "external ID too short", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.ExternalId = api.String("x") }),
			code: "ValidationError", msg: "1 validation error detected: Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2",
		},
		{
			name: "two violations at once", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.ExternalId = api.String("x")
				in.TokenCode = api.String("12345a")
			}),
			code: "ValidationError", msg: "2 validation errors detected: Value 'x' at 'externalId'…",
		},
		{
			name: "trust policy refuses", caller: userPrincipal(), in: assume(nil),
			deny: denyAction("sts:AssumeRole"), actions: []string{"sts:AssumeRole"},
			code: "AccessDenied", msg: "denied sts:AssumeRole on " + roleARN,
		},
		{
			name: "authorization comes before the role's duration rules", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = pathARN; in.DurationSeconds = api.Int32(7200) }),
			deny: denyAction("sts:AssumeRole"), actions: []string{"sts:AssumeRole"},
			code: "AccessDenied",
		},
		{
			name: "session tags", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.Tags = tags("Project", "seed", "CostCenter", "42")
				in.TransitiveTagKeys = []string{"project"}
			}),
			actions: []string{"sts:AssumeRole", "sts:TagSession"},
			check: func(t *testing.T, r result) {
				c := r.checks[1].Context
				if !reflect.DeepEqual(c["aws:TagKeys"], []string{"Project", "CostCenter"}) ||
					!reflect.DeepEqual(c["aws:RequestTag/Project"], []string{"seed"}) ||
					!reflect.DeepEqual(c["sts:TransitiveTagKeys"], []string{"project"}) {
					t.Errorf("TagSession context = %v", c)
				}
				if !reflect.DeepEqual(r.sess.Tags, map[string]string{"Project": "seed", "CostCenter": "42"}) ||
					!reflect.DeepEqual(r.sess.TransitiveTagKeys, []string{"project"}) {
					t.Errorf("session tags = %v, transitive %v", r.sess.Tags, r.sess.TransitiveTagKeys)
				}
				if r.out.PackedPolicySize == nil || *r.out.PackedPolicySize < 1 || *r.out.PackedPolicySize > 20 {
					t.Errorf("PackedPolicySize = %v", r.out.PackedPolicySize)
				}
			},
		},
		{
			name: "tagging refused", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.Tags = tags("k", "v") }),
			deny: denyAction("sts:TagSession"), actions: []string{"sts:AssumeRole", "sts:TagSession"},
			code: "AccessDenied", msg: "denied sts:TagSession on " + roleARN,
		},
		{
			name: "duplicate tag keys in another case", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.Tags = tags("Dept", "a", "dept", "b") }),
			code: "InvalidParameterValue", msg: "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
		},
		{
			name: "transitive key without its tag", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.Tags = tags("a", "1")
				in.TransitiveTagKeys = []string{"b"}
			}),
			code: "InvalidParameterValue", msg: "The specified transitive tag key must be included in the requested tags.",
		},
		{
			name: "more than 50 tags", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				for i := range 51 {
					in.Tags = append(in.Tags, stsapi.Tag{Key: fmt.Sprint("k", i), Value: "v"})
				}
			}),
			code: "ValidationError", msg: "1 validation error detected: Value '[Tag(Key=k0, Value=v)…",
		},
		{
			name: "tag key with a forbidden character", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.Tags = tags("a*b", "v") }),
			code: "ValidationError", msg: `1 validation error detected: Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`,
		},
		{
			name: "transitive tags pass down a chain",
			caller: roleSession(func(s *identity.Session) {
				s.Tags = map[string]string{"Project": "seed", "Temp": "x"}
				s.TransitiveTagKeys = []string{"Project"}
			}),
			in:      assume(func(in *stsapi.AssumeRoleInput) { in.Tags = tags("Stage", "dev") }),
			actions: []string{"sts:AssumeRole", "sts:TagSession"},
			check: func(t *testing.T, r result) {
				if !reflect.DeepEqual(r.sess.Tags, map[string]string{"Project": "seed", "Stage": "dev"}) ||
					!reflect.DeepEqual(r.sess.TransitiveTagKeys, []string{"Project"}) {
					t.Errorf("session tags = %v, transitive %v", r.sess.Tags, r.sess.TransitiveTagKeys)
				}
			},
		},
		{
			name: "a chain cannot override a transitive tag",
			caller: roleSession(func(s *identity.Session) {
				s.Tags = map[string]string{"Project": "seed"}
				s.TransitiveTagKeys = []string{"Project"}
			}),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.Tags = tags("project", "other") }),
			code: "InvalidParameterValue", msg: "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
		},
		{
			name: "source identity", caller: userPrincipal(),
			in:      assume(func(in *stsapi.AssumeRoleInput) { in.SourceIdentity = api.String("alice@example.com") }),
			actions: []string{"sts:AssumeRole", "sts:SetSourceIdentity"},
			check: func(t *testing.T, r result) {
				if api.ToString(r.out.SourceIdentity) != "alice@example.com" || r.sess.SourceIdentity != "alice@example.com" {
					t.Errorf("SourceIdentity = %v / %q", r.out.SourceIdentity, r.sess.SourceIdentity)
				}
				if got := r.checks[1].Context["sts:SourceIdentity"]; !reflect.DeepEqual(got, []string{"alice@example.com"}) {
					t.Errorf("sts:SourceIdentity = %v", got)
				}
			},
		},
		{
			name:    "source identity stays for the chain",
			caller:  roleSession(func(s *identity.Session) { s.SourceIdentity = "alice" }),
			in:      assume(nil),
			actions: []string{"sts:AssumeRole", "sts:SetSourceIdentity"},
			check: func(t *testing.T, r result) {
				if api.ToString(r.out.SourceIdentity) != "alice" || r.sess.SourceIdentity != "alice" {
					t.Errorf("SourceIdentity = %v / %q", r.out.SourceIdentity, r.sess.SourceIdentity)
				}
			},
		},
		{
			name:   "source identity cannot change in a chain",
			caller: roleSession(func(s *identity.Session) { s.SourceIdentity = "alice" }),
			in:     assume(func(in *stsapi.AssumeRoleInput) { in.SourceIdentity = api.String("mallory") }),
			code:   "ValidationError",
		},
		{
			// The model's pattern has no colon, which keeps out the "aws:"
			// prefix AWS reserves.
			name: "source identity with AWS's prefix", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.SourceIdentity = api.String("aws:me") }),
			code: "ValidationError", msg: `1 validation error detected: Value 'aws:me' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`,
		},
		{
			name: "setting the source identity refused", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.SourceIdentity = api.String("alice") }),
			deny: denyAction("sts:SetSourceIdentity"), actions: []string{"sts:AssumeRole", "sts:SetSourceIdentity"},
			code: "AccessDenied",
		},
		{
			name: "MFA code", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.SerialNumber = api.String(mfaARN)
				in.TokenCode = api.String(goodCode)
			}),
			actions: []string{"sts:AssumeRole"},
			check: func(t *testing.T, r result) {
				c := r.checks[0].Context
				if !reflect.DeepEqual(c["aws:MultiFactorAuthPresent"], []string{"true"}) || !reflect.DeepEqual(c["aws:MultiFactorAuthAge"], []string{"0"}) {
					t.Errorf("MFA context = %v", c)
				}
				if !r.sess.MFAAuthenticated || !r.sess.MFAAuthTime.Equal(t0) {
					t.Errorf("session MFA = %v at %v", r.sess.MFAAuthenticated, r.sess.MFAAuthTime)
				}
			},
		},
		{
			name: "wrong MFA code", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.SerialNumber = api.String(mfaARN)
				in.TokenCode = api.String("000000")
			}),
			code: "AccessDenied", msg: "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
		},
		{
			name: "MFA device of someone else", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.SerialNumber = api.String("arn:aws:iam::" + acctA + ":mfa/bob")
				in.TokenCode = api.String(goodCode)
			}),
			code: "AccessDenied", msg: "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
		},
		{
			name: "serial number without a code", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.SerialNumber = api.String(mfaARN) }),
			code: "AccessDenied", msg: "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
		},
		{
			name: "MFA from a role session", caller: roleSession(nil),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.SerialNumber = api.String(mfaARN)
				in.TokenCode = api.String(goodCode)
			}),
			code: "AccessDenied", msg: "MultiFactorAuthentication failed, unable to validate…",
		},
		{
			name: "MFA code from a GetSessionToken session",
			caller: func() *identity.Principal {
				p := userSession(false)
				p.Name = "" // the user name then comes from the ARN
				return p
			}(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.SerialNumber = api.String(mfaARN)
				in.TokenCode = api.String(goodCode)
			}),
			actions: []string{"sts:AssumeRole"},
			check: func(t *testing.T, r result) {
				if !r.sess.MFAAuthenticated || !r.sess.MFAAuthTime.Equal(t0) || !r.sess.Chained {
					t.Errorf("session = %+v", r.sess)
				}
			},
		},
		{
			name: "MFA context of a GetSessionToken session carries on", caller: userSession(true),
			in: assume(nil), actions: []string{"sts:AssumeRole"},
			check: func(t *testing.T, r result) {
				if _, ok := r.checks[0].Context["aws:MultiFactorAuthPresent"]; ok {
					t.Error("the Authorizer, not STS, gives the session's own MFA keys")
				}
				if !r.sess.MFAAuthenticated || !r.sess.MFAAuthTime.Equal(t0.Add(-time.Hour)) {
					t.Errorf("session MFA = %v at %v", r.sess.MFAAuthenticated, r.sess.MFAAuthTime)
				}
			},
		},
		{
			name: "session policy", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.Policy = api.String(smallPolicy)
				in.PolicyArns = []stsapi.PolicyDescriptorType{{Arn: api.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}}
			}),
			actions: []string{"sts:AssumeRole"},
			check: func(t *testing.T, r result) {
				if !reflect.DeepEqual(r.sess.Policies, []string{smallPolicy}) || !reflect.DeepEqual(r.sess.PolicyARNs, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) {
					t.Errorf("session policies = %v %v", r.sess.Policies, r.sess.PolicyARNs)
				}
				if p := api.ToInt32(r.out.PackedPolicySize); p < 5 || p > 40 {
					t.Errorf("PackedPolicySize = %d", p)
				}
			},
		},
		{
			name: "malformed session policy", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.Policy = api.String(`{"Version":"2012-10-17","Statement":[`) }),
			code: "MalformedPolicyDocument",
		},
		{
			name: "session policy over 2048 characters", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.Policy = api.String(smallPolicy + strings.Repeat(" ", 2048)) }),
			code: "ValidationError", msg: "1 validation error detected: Value '{…",
		},
		{
			name: "packed policy too large", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.Policy = api.String(bigPolicy()) }),
			code: "PackedPolicyTooLarge", msg: "Packed policy consumes …",
		},
		{
			name: "policy ARN that is not a policy", caller: userPrincipal(),
			in: assume(func(in *stsapi.AssumeRoleInput) {
				in.PolicyArns = []stsapi.PolicyDescriptorType{{Arn: api.String("arn:aws:iam::aws:role/ReadOnlyAccess")}}
			}),
			code: "InvalidParameterValue",
		},
		{
			name: "unsigned request", caller: &identity.Principal{}, in: assume(nil),
			code: "MissingAuthenticationToken",
		},
		{
			name: "store failure", caller: userPrincipal(),
			in:   assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = "arn:aws:iam::" + acctB + ":role/broken" }),
			code: "InternalFailure",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.authz.deny = tt.deny
			out, err := h.svc.AssumeRole(as(tt.caller), tt.in)
			wantErr(t, err, tt.code, tt.msg)
			if tt.actions != nil && !reflect.DeepEqual(h.authz.actions(), tt.actions) {
				t.Errorf("authorized %v, want %v", h.authz.actions(), tt.actions)
			}
			if tt.code != "" {
				if out != nil || len(h.issuer.sessions) != 0 {
					t.Errorf("refused request issued credentials: %+v", out)
				}
				return
			}
			if tt.check != nil {
				tt.check(t, result{out: out, sess: h.issuer.last(), checks: h.authz.checks, h: h})
			}
		})
	}
}

// A code is good once: the same code again is refused (the device keeps
// the last step it accepted).
func TestAssumeRoleMFAReplay(t *testing.T) {
	h := newHarness(t)
	in := assume(func(in *stsapi.AssumeRoleInput) {
		in.SerialNumber = api.String(mfaARN)
		in.TokenCode = api.String(goodCode)
	})
	if _, err := h.svc.AssumeRole(as(userPrincipal()), in); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.AssumeRole(as(userPrincipal()), in)
	wantErr(t, err, "AccessDenied", msgMFAInvalidCode)
}

// The store's error is never shown to the client.
func TestAssumeRoleHidesCauses(t *testing.T) {
	h := newHarness(t)
	_, err := h.svc.AssumeRole(as(userPrincipal()), assume(func(in *stsapi.AssumeRoleInput) { in.RoleArn = "arn:aws:iam::" + acctB + ":role/broken" }))
	e := awserr.From(err)
	if strings.Contains(e.Message, "disk on fire") || e.Status != 500 {
		t.Errorf("error = %+v", e)
	}
}

func BenchmarkAssumeRole(b *testing.B) {
	h := newHarness(b)
	ctx := as(userPrincipal())
	in := assume(func(in *stsapi.AssumeRoleInput) { in.ExternalId = api.String("my_external_id") })
	b.ReportAllocs()
	for b.Loop() {
		h.issuer.sessions = h.issuer.sessions[:0]
		h.authz.checks = h.authz.checks[:0]
		h.roles.used = h.roles.used[:0]
		if _, err := h.svc.AssumeRole(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAssumeRoleWithPolicyAndTags(b *testing.B) {
	h := newHarness(b)
	ctx := as(userPrincipal())
	in := assume(func(in *stsapi.AssumeRoleInput) {
		in.Policy = api.String(smallPolicy)
		in.Tags = tags("Project", "seed")
	})
	b.ReportAllocs()
	for b.Loop() {
		h.issuer.sessions = h.issuer.sessions[:0]
		h.authz.checks = h.authz.checks[:0]
		h.roles.used = h.roles.used[:0]
		if _, err := h.svc.AssumeRole(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// A busy role is reported to IAM at most once a minute.
func TestAssumeRoleRecordsUseOncePerMinute(t *testing.T) {
	h := newHarness(t)
	now := t0
	h.svc.now = func() time.Time { return now }
	for _, step := range []time.Duration{0, 10 * time.Second, 50 * time.Second, 10 * time.Second} {
		now = now.Add(step)
		if _, err := h.svc.AssumeRole(as(userPrincipal()), assume(nil)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{acctB + "/deploy us-east-1 2026-11-22T06:00:00Z", acctB + "/deploy us-east-1 2026-11-22T06:01:00Z"}
	if !reflect.DeepEqual(h.roles.used, want) {
		t.Errorf("RoleUsed calls = %v, want %v", h.roles.used, want)
	}
}

// mustPolicy is doc as the engine prints it once parsed.
func mustPolicy(t *testing.T, doc string, kind policy.Kind) string {
	t.Helper()
	p, err := policy.Parse(doc, kind)
	if err != nil {
		t.Fatal(err)
	}
	return p.String()
}
