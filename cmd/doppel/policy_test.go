package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyEval runs `doppel policy eval -` end to end on requests built from
// AWS's documented policy examples.
func TestPolicyEval(t *testing.T) {
	const (
		homeDir = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_s3_home-directory-console.html"
		xacct   = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html"
		mfaOnly = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage-mfa-only.html"
		region  = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html"
		extID   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html"
		denyIP  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-ip.html"
	)
	homePolicy := `{"Version":"2012-10-17","Statement":[{"Sid":"AllowObjectsInHome","Effect":"Allow","Action":"s3:*Object","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"}]}`
	xacctBucket := `{"Version":"2012-10-17","Statement":[{"Sid":"Example permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["s3:GetLifecycleConfiguration","s3:ListBucket"],"Resource":["arn:aws:s3:::amzn-s3-demo-bucket"]}]}`
	mfaPolicy := `{"Version":"2012-10-17","Statement":[{"Sid":"AllowViewAccountInfo","Effect":"Allow","Action":["iam:GetAccountPasswordPolicy","iam:ListVirtualMFADevices"],"Resource":"*"},
		{"Sid":"AllowManageOwnUserMFA","Effect":"Allow","Action":["iam:DeactivateMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","iam:ResyncMFADevice"],"Resource":"arn:aws:iam::*:user/${aws:username}"},
		{"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny","NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","iam:ListVirtualMFADevices","iam:ResyncMFADevice","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`
	regionSCP := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllOutsideEU","Effect":"Deny","NotAction":["iam:*","organizations:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1","eu-west-1"]}}}]}`
	trust := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"Example Corp's AWS Account ID"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"Unique ID Assigned by Example Corp"}}}}`
	trust = strings.Replace(trust, "Example Corp's AWS Account ID", "444455556666", 1)
	ipPolicy := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]},"Bool":{"aws:ViaAWSService":"false"}}}}`
	allowAll := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`

	tests := []struct {
		name, doc string
		input     string
		decision  string
		message   string
	}{
		{"home directory: own folder", homeDir,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt","context":{"aws:username":"alice"}},"identity_policies":[` + homePolicy + `]}`,
			"Allow", ""},
		{"home directory: someone else's folder", homeDir,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::amzn-s3-demo-bucket/home/bob/notes.txt","context":{"aws:username":"alice"}},"identity_policies":[` + homePolicy + `]}`,
			"ImplicitDeny", "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::amzn-s3-demo-bucket/home/bob/notes.txt because no identity-based policy allows the s3:GetObject action"},
		{"cross-account bucket: both sides allow", xacct,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/Dave","action":"s3:ListBucket","resource":"arn:aws:s3:::amzn-s3-demo-bucket","resource_account":"444455556666"},"identity_policies":[` + allowAll + `],"resource_policy":` + xacctBucket + `}`,
			"Allow", ""},
		{"cross-account bucket: action the bucket policy does not grant", xacct,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/Dave","action":"s3:PutObject","resource":"arn:aws:s3:::amzn-s3-demo-bucket/k","resource_account":"444455556666"},"identity_policies":[` + allowAll + `],"resource_policy":` + xacctBucket + `}`,
			"ImplicitDeny", "User: arn:aws:iam::111122223333:user/Dave is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::amzn-s3-demo-bucket/k because no resource-based policy allows the s3:PutObject action"},
		{"cross-account bucket: user without identity policy", xacct,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/Dave","action":"s3:ListBucket","resource":"arn:aws:s3:::amzn-s3-demo-bucket","resource_account":"444455556666"},"identity_policies":[],"resource_policy":` + xacctBucket + `}`,
			"ImplicitDeny", "User: arn:aws:iam::111122223333:user/Dave is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::amzn-s3-demo-bucket because no identity-based policy allows the s3:ListBucket action"},
		{"MFA only: listed action without MFA", mfaOnly,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"iam:ListVirtualMFADevices","resource":"*","context":{"aws:username":"alice"}},"identity_policies":[` + mfaPolicy + `]}`,
			"Allow", ""},
		{"MFA only: other action with long-term keys", mfaOnly,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"iam:GetAccountPasswordPolicy","resource":"*","context":{"aws:username":"alice"}},"identity_policies":[` + mfaPolicy + `]}`,
			"ExplicitDeny", "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:GetAccountPasswordPolicy with an explicit deny in an identity-based policy"},
		{"MFA only: other action in an MFA session", mfaOnly,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"iam:GetAccountPasswordPolicy","resource":"*","context":{"aws:username":"alice","aws:MultiFactorAuthPresent":true}},"identity_policies":[` + mfaPolicy + `]}`,
			"Allow", ""},
		{"region SCP: EU region allowed", region,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"s3:CreateBucket","resource":"arn:aws:s3:::b","context":{"aws:RequestedRegion":"eu-west-1"}},"identity_policies":[` + allowAll + `],"scps":[` + allowAll + `,` + regionSCP + `]}`,
			"ImplicitDeny", "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:CreateBucket on resource: arn:aws:s3:::b because no service control policy allows the s3:CreateBucket action"},
		{"region SCP: other region explicitly denied", region,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"s3:CreateBucket","resource":"arn:aws:s3:::b","context":{"aws:RequestedRegion":"us-east-1"}},"identity_policies":[` + allowAll + `],"scps":[` + allowAll + `,` + regionSCP + `]}`,
			"ExplicitDeny", "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:CreateBucket on resource: arn:aws:s3:::b with an explicit deny in a service control policy"},
		{"region SCP with FullAWSAccess at the same level", region,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"s3:CreateBucket","resource":"arn:aws:s3:::b","context":{"aws:RequestedRegion":"eu-west-1"}},"identity_policies":[` + allowAll + `],"scps":[` + allowAll + `,` + strings.Replace(regionSCP, `"Statement":[`, `"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},`, 1) + `]}`,
			"Allow", ""},
		{"third party role: right external ID", extID,
			`{"request":{"principal_arn":"arn:aws:sts::444455556666:assumed-role/ExampleCorp/s","action":"sts:AssumeRole","resource":"arn:aws:iam::111122223333:role/ThirdParty","resource_account":"111122223333","context":{"sts:ExternalId":"Unique ID Assigned by Example Corp"}},"identity_policies":[` + allowAll + `],"resource_policy":` + trust + `}`,
			"Allow", ""},
		{"third party role: missing external ID", extID,
			`{"request":{"principal_arn":"arn:aws:sts::444455556666:assumed-role/ExampleCorp/s","action":"sts:AssumeRole","resource":"arn:aws:iam::111122223333:role/ThirdParty","resource_account":"111122223333"},"identity_policies":[` + allowAll + `],"resource_policy":` + trust + `}`,
			"ImplicitDeny", "User: arn:aws:sts::444455556666:assumed-role/ExampleCorp/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/ThirdParty because no resource-based policy allows the sts:AssumeRole action"},
		{"deny outside IP ranges: inside", denyIP,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"s3:ListAllMyBuckets","resource":"*","context":{"aws:SourceIp":"203.0.113.7","aws:ViaAWSService":"false"}},"identity_policies":[` + allowAll + `,` + ipPolicy + `]}`,
			"Allow", ""},
		{"deny outside IP ranges: outside", denyIP,
			`{"request":{"principal_arn":"arn:aws:iam::111122223333:user/alice","action":"s3:ListAllMyBuckets","resource":"*","context":{"aws:SourceIp":"198.51.100.7","aws:ViaAWSService":"false"}},"identity_policies":[` + allowAll + `,` + ipPolicy + `]}`,
			"ExplicitDeny", "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:ListAllMyBuckets with an explicit deny in an identity-based policy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{"policy", "eval", "-"}, strings.NewReader(tc.input), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr.String())
			}
			var got struct {
				Decision string            `json:"decision"`
				Message  string            `json:"message"`
				Trace    []json.RawMessage `json:"trace"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatalf("output %q: %v", stdout.String(), err)
			}
			if got.Decision != tc.decision || got.Message != tc.message {
				t.Errorf("got %s %q\nwant %s %q\n(per %s)", got.Decision, got.Message, tc.decision, tc.message, tc.doc)
			}
			if got.Trace == nil {
				t.Errorf("trace missing from %s", stdout.String())
			}
		})
	}
}

func TestPolicyEvalArrayFileAndExplain(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "requests.json")
	input := `[
	 {"request":{"principal_arn":"arn:aws:iam::111122223333:root","action":"iam:CreateUser","resource":"arn:aws:iam::111122223333:user/x"}},
	 {"request":{"principal_arn":"anonymous","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"},
	  "resource_policy":{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}
	]`
	if err := os.WriteFile(file, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"policy", "eval", file}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"decision":"Allow"`) || !strings.Contains(lines[1], `"decision":"Allow"`) || !strings.Contains(lines[1], `"sid":"Public"`) {
		t.Fatalf("output:\n%s", stdout.String())
	}
	stdout.Reset()
	if code := run([]string{"policy", "eval", file, "--explain"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Allow s3:GetObject on arn:aws:s3:::b/k by anonymous") || !strings.Contains(stdout.String(), "* resource-based policy resource_policy statement 0 (Public) Allow: matched") {
		t.Fatalf("explain output:\n%s", stdout.String())
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		input string
		code  int
		want  []string // substrings of the output
	}{
		{"valid policy", []string{"policy", "validate", "-"}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, 0, []string{`"findings": []`}},
		{"missing version warning", []string{"policy", "validate", "-"}, `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, 0, []string{`"findingType": "WARNING"`, `"issueCode": "MISSING_VERSION"`}},
		{"pass role with star", []string{"policy", "validate", "-"}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}}`, 0, []string{`"PASS_ROLE_WITH_STAR_IN_RESOURCE"`}},
		{"malformed identity policy", []string{"policy", "validate", "-"}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject"}}`, 1, []string{`"findingType": "ERROR"`, "Policy statement must contain resources."}},
		{"trust policy kind", []string{"policy", "validate", "--kind", "trust", "-"}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}}`, 1, []string{"Has prohibited field Resource"}},
		{"bad condition value", []string{"policy", "validate", "--kind=identity", "-"}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.300/8"}}}}`, 1, []string{"DATA_TYPE_MISMATCH"}},
		{"unknown kind", []string{"policy", "validate", "--kind", "nope", "-"}, `{}`, 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, strings.NewReader(tc.input), &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %s stderr %s", code, tc.code, stdout.String(), stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}

func TestPolicyCommandErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		input  string
		code   int
		stderr string
	}{
		{"unknown subcommand", []string{"policy", "simulate"}, "", 2, `unknown subcommand "simulate"`},
		{"no file", []string{"policy", "eval"}, "", 2, "FILE (or - for standard input) is required"},
		{"unknown flag", []string{"policy", "eval", "--verbose", "-"}, "", 2, "unknown flag --verbose"},
		{"missing file", []string{"policy", "eval", "/nonexistent/requests.json"}, "", 1, "no such file"},
		{"bad JSON", []string{"policy", "eval", "-"}, `{"request":`, 1, "evaluation file"},
		{"missing action", []string{"policy", "eval", "-"}, `{"request":{"principal_arn":"anonymous"}}`, 1, "request.action is required"},
		{"malformed policy names its place", []string{"policy", "eval", "-"}, `{"request":{"principal_arn":"anonymous","action":"s3:GetObject"},"identity_policies":[{"Statement":{"Effect":"Allow"}}]}`, 1, "identity_policies[0]: MalformedPolicyDocument: Policy statement must contain actions."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, strings.NewReader(tc.input), &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
		})
	}
	var stdout bytes.Buffer
	if code := run([]string{"policy", "--help"}, nil, &stdout, &stdout); code != 0 || !strings.Contains(stdout.String(), "doppel policy eval") {
		t.Errorf("help: exit %d, %s", code, stdout.String())
	}
}
