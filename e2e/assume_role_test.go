package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// assumeRole is one assume_role block of
// e2e/testdata/assume-role-arguments/main.tf.
type assumeRole struct {
	RoleARN           string            `json:"role_arn"`
	SessionName       string            `json:"session_name,omitempty"`
	Duration          string            `json:"duration,omitempty"`
	Policy            string            `json:"policy,omitempty"`
	PolicyARNs        []string          `json:"policy_arns,omitempty"`
	SourceIdentity    string            `json:"source_identity,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`
	TransitiveTagKeys []string          `json:"transitive_tag_keys,omitempty"`
}

// TestAssumeRoleArguments: every argument of the provider's assume_role
// block reaches STS and does there what it does on AWS: session_name names
// the session, duration is bounded by the role's MaxSessionDuration, policy
// and policy_arns narrow the session, tags and source_identity are visible
// to the trust policy's and the role's conditions, transitive_tag_keys
// carry tags along a chain of two assume_role blocks.
func TestAssumeRoleArguments(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b := w.b.Name
	roleARN := func(name string) string { return "arn:aws:iam::" + w.b.ID + ":role/" + name }
	// Passing session tags and a source identity needs sts:TagSession and
	// sts:SetSourceIdentity in both the caller's policy and the role's trust
	// policy (IAM User Guide, "Permissions required to add session tags" and
	// "Permissions required to set source identity").
	alice := w.user(w.a.Name, "alice", policy(map[string]any{
		"Action": []string{"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"}, "Resource": roleARN("*")}))
	fromA := map[string]any{"AWS": "arn:aws:iam::" + w.a.ID + ":root"}

	w.role(b, "plain", trustAccount(w.a.ID, nil), s3FullAccess)

	// tagged: the trust policy wants team=platform; the role may use S3
	// only in sessions tagged project=doppel.
	s3IfProject := policy(map[string]any{"Action": "s3:*", "Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/project": "doppel"}}})
	w.role(b, "tagged", policy(map[string]any{"Principal": fromA, "Action": []string{"sts:AssumeRole", "sts:TagSession"},
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:RequestTag/team": "platform"}}}))
	w.rolePolicy(b, "tagged", s3IfProject)
	// chained: assumed from tagged's session; same conditions on S3.
	w.role(b, "chained", policy(map[string]any{"Principal": map[string]any{"AWS": roleARN("tagged")}, "Action": []string{"sts:AssumeRole", "sts:TagSession"}}))
	w.rolePolicy(b, "chained", s3IfProject)

	// sourced: a source identity is required, and S3 is for alice's only.
	w.role(b, "sourced", policy(map[string]any{"Principal": fromA, "Action": []string{"sts:AssumeRole", "sts:SetSourceIdentity"},
		"Condition": map[string]any{"Null": map[string]any{"sts:SourceIdentity": "false"}}}))
	w.rolePolicy(b, "sourced", policy(map[string]any{"Action": "s3:*", "Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceIdentity": "alice"}}}))

	aliceARN := "arn:aws:iam::" + w.a.ID + ":user/alice"
	assumeDenied := func(role string) []string {
		return []string{"AccessDenied", "User: " + aliceARN + " is not authorized to perform: sts:AssumeRole on resource: " + roleARN(role)}
	}
	createDenied := func(role string) []string {
		return []string{"AccessDenied", "arn:aws:sts::" + w.b.ID + ":assumed-role/" + role + "/", "is not authorized to perform: s3:CreateBucket"}
	}
	platform := map[string]string{"team": "platform", "project": "doppel"}
	tests := []struct {
		name   string
		roles  []assumeRole
		bucket string
		ok     bool
		want   []string // in the output
	}{
		{name: "session_name and duration", roles: []assumeRole{{RoleARN: roleARN("plain"), SessionName: "terraform-alice", Duration: "1h"}},
			bucket: "named-session", ok: true, want: []string{`caller_arn = "arn:aws:sts::` + w.b.ID + `:assumed-role/plain/terraform-alice"`}},
		{name: "duration beyond the role's maximum", roles: []assumeRole{{RoleARN: roleARN("plain"), Duration: "2h"}},
			want: []string{"ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."}},
		{name: "policy narrows the session", bucket: "narrowed-by-policy", roles: []assumeRole{{RoleARN: roleARN("plain"),
			Policy: policy(map[string]any{"Action": "s3:ListAllMyBuckets", "Resource": "*"})}},
			want: createDenied("plain")},
		{name: "policy_arns narrow the session", bucket: "narrowed-by-arns", roles: []assumeRole{{RoleARN: roleARN("plain"),
			PolicyARNs: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}}},
			want: createDenied("plain")},
		{name: "tags satisfy the trust and the role's policies", bucket: "tagged-session", ok: true,
			roles: []assumeRole{{RoleARN: roleARN("tagged"), Tags: platform}}},
		{name: "tag the trust policy requires is wrong", roles: []assumeRole{{RoleARN: roleARN("tagged"), Tags: map[string]string{"team": "other", "project": "doppel"}}},
			want: assumeDenied("tagged")},
		{name: "tag the role's policy requires is wrong", bucket: "wrong-project", roles: []assumeRole{{RoleARN: roleARN("tagged"), Tags: map[string]string{"team": "platform", "project": "other"}}},
			want: createDenied("tagged")},
		{name: "transitive tag reaches the chained role", bucket: "chained-transitive", ok: true,
			roles: []assumeRole{{RoleARN: roleARN("tagged"), Tags: platform, TransitiveTagKeys: []string{"project"}}, {RoleARN: roleARN("chained"), SessionName: "second-hop"}},
			want:  []string{`caller_arn = "arn:aws:sts::` + w.b.ID + `:assumed-role/chained/second-hop"`}},
		{name: "tags not transitive stop at the first hop", bucket: "chained-plain",
			roles: []assumeRole{{RoleARN: roleARN("tagged"), Tags: platform}, {RoleARN: roleARN("chained")}},
			want:  createDenied("chained")},
		{name: "source identity visible to conditions", bucket: "sourced-alice", ok: true,
			roles: []assumeRole{{RoleARN: roleARN("sourced"), SourceIdentity: "alice"}}},
		{name: "another source identity", bucket: "sourced-mallory", roles: []assumeRole{{RoleARN: roleARN("sourced"), SourceIdentity: "mallory"}},
			want: createDenied("sourced")},
		{name: "no source identity", roles: []assumeRole{{RoleARN: roleARN("sourced")}}, want: assumeDenied("sourced")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars, err := json.Marshal(map[string]any{"assume_roles": tt.roles, "bucket": tt.bucket})
			if err != nil {
				t.Fatal(err)
			}
			tf := newWorkdir(t, "e2e/testdata/assume-role-arguments", w.env(alice, "")...)
			tf.writeFile("case.auto.tfvars.json", string(vars))
			out, code := tf.run("apply", "-auto-approve", "-input=false")
			if tt.ok != (code == 0) {
				t.Fatalf("apply exited %d, want success %v:\n%s", code, tt.ok, out)
			}
			for _, want := range tt.want {
				if !strings.Contains(flat(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if tt.bucket == "" {
				return
			}
			if got := w.bucketsOf(b); slices.Contains(got, tt.bucket) != tt.ok {
				t.Errorf("account B's buckets = %v; want %s there: %v", got, tt.bucket, tt.ok)
			}
		})
	}
}
