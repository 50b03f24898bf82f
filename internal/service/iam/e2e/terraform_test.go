package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/doppel-aws/doppel/internal/testclients"
)

// config uses the IAM resources whose calls the reference trace lists:
// users, access keys, groups and both membership resources, a policy whose
// document changes with the revision, attachments, a role with an inline and
// managed policies (one AWS managed), and a virtual MFA device.
const config = `
variable "revision" {
  type    = string
  default = "1"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "%s"
  secret_key                  = "%s"
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    iam = "%s"
    sts = "%s"
  }
  default_tags {
    tags = { Revision = var.revision }
  }
}

resource "aws_iam_user" "ci" {
  name = "ci"
  path = "/ci/"
}

resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}

data "aws_iam_policy_document" "ci" {
  statement {
    sid       = "Revision${var.revision}"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]
  }
}

resource "aws_iam_policy" "ci" {
  name        = "ci"
  description = "CI access"
  policy      = data.aws_iam_policy_document.ci.json
}

resource "aws_iam_user_policy_attachment" "ci" {
  user       = aws_iam_user.ci.name
  policy_arn = aws_iam_policy.ci.arn
}

resource "aws_iam_group" "devs" {
  name = "devs"
}

resource "aws_iam_group" "ops" {
  name = "ops"
  path = "/ops/"
}

resource "aws_iam_group_membership" "devs" {
  name  = "devs-membership"
  group = aws_iam_group.devs.name
  users = [aws_iam_user.ci.name]
}

resource "aws_iam_user_group_membership" "ci" {
  user   = aws_iam_user.ci.name
  groups = [aws_iam_group.ops.name]
}

resource "aws_iam_virtual_mfa_device" "ci" {
  virtual_mfa_device_name = "ci"
}

resource "aws_iam_role" "cross" {
  name        = "cross"
  description = "revision ${var.revision}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::222222222222:root" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = "my_external_id" } }
    }]
  })
}

resource "aws_iam_role_policy" "cross" {
  name = "list"
  role = aws_iam_role.cross.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:ListAllMyBuckets", Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "cross" {
  role       = aws_iam_role.cross.name
  policy_arn = aws_iam_policy.ci.arn
}

resource "aws_iam_role_policy_attachment" "readonly" {
  role       = aws_iam_role.cross.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

output "access_key_id" {
  value = aws_iam_access_key.ci.id
}
`

// tfRun is a Terraform working directory pointed at a world.
type tfRun struct {
	t   *testing.T
	tf  string
	dir string
}

// newTF prepares a working directory with config (a format string taking the
// root key ID, its secret and the endpoint URL twice) and the provider mirror.
func newTF(t *testing.T, w *world, config string) *tfRun {
	t.Helper()
	tf := testclients.Terraform(t)
	dir := t.TempDir()
	rc := testclients.TerraformCLIConfig(testclients.ProviderMirror(t))
	for name, content := range map[string]string{"terraformrc": rc, "main.tf": fmt.Sprintf(config, w.rootID, w.rootSecret, w.url, w.url)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &tfRun{t: t, tf: tf, dir: dir}
}

func (r *tfRun) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.tf, args...)
	cmd.Dir = r.dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + r.dir,
		"TF_CLI_CONFIG_FILE=" + filepath.Join(r.dir, "terraformrc"),
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"TF_INPUT=0",
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (r *tfRun) must(args ...string) string {
	r.t.Helper()
	start := time.Now()
	out, err := r.run(args...)
	r.t.Logf("terraform %s: %s", args[0], time.Since(start).Round(time.Second))
	if err != nil {
		r.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// noChanges runs plan with -detailed-exitcode: 0 is no changes, 2 changes.
func (r *tfRun) noChanges(vars ...string) {
	r.t.Helper()
	out, err := r.run(append([]string{"plan", "-no-color", "-detailed-exitcode"}, vars...)...)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		r.t.Fatalf("a plan after apply shows changes:\n%s", out)
	}
	if err != nil {
		r.t.Fatalf("terraform plan: %v\n%s", err, out)
	}
}

// TestTerraform applies the configuration, expects a second plan to show no
// changes, updates it (new policy version, role description, tags), expects
// no changes again, and destroys everything, with Terraform and the AWS
// provider from the local mirror (no registry access).
func TestTerraform(t *testing.T) {
	w := newWorld(t)
	tf := newTF(t, w, config)
	tf.must("init", "-no-color")
	tf.must("apply", "-no-color", "-auto-approve")
	tf.noChanges()

	ctx := t.Context()
	key := strings.TrimSpace(tf.must("output", "-raw", "access_key_id"))
	keys, err := w.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId) != key {
		t.Fatalf("access keys after apply = %+v, %v (output %q)", keys, err, key)
	}
	attached, err := w.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("cross")})
	if err != nil || len(attached.AttachedPolicies) != 2 {
		t.Fatalf("role policies after apply = %+v, %v", attached, err)
	}

	tf.must("apply", "-no-color", "-auto-approve", "-var", "revision=2")
	tf.noChanges("-var", "revision=2")
	versions, err := w.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String("arn:aws:iam::" + account + ":policy/ci")})
	if err != nil || len(versions.Versions) != 2 || aws.ToString(versions.Versions[0].VersionId) != "v2" || !versions.Versions[0].IsDefaultVersion {
		t.Fatalf("policy versions after update = %+v, %v", versions, err)
	}
	role, err := w.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("cross")})
	if err != nil || aws.ToString(role.Role.Description) != "revision 2" {
		t.Fatalf("role after update = %+v, %v", role, err)
	}

	tf.must("destroy", "-no-color", "-auto-approve", "-var", "revision=2")
	users, _ := w.iam.ListUsers(ctx, &iam.ListUsersInput{})
	roles, _ := w.iam.ListRoles(ctx, &iam.ListRolesInput{})
	groups, _ := w.iam.ListGroups(ctx, &iam.ListGroupsInput{})
	local, _ := w.iam.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: "Local"})
	mfas, _ := w.iam.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	if len(users.Users)+len(roles.Roles)+len(groups.Groups)+len(local.Policies)+len(mfas.VirtualMFADevices) != 0 {
		t.Fatalf("left after destroy: users %d, roles %d, groups %d, policies %d, MFA devices %d",
			len(users.Users), len(roles.Roles), len(groups.Groups), len(local.Policies), len(mfas.VirtualMFADevices))
	}
}

// moreConfig covers the other IAM resources Terraform users commonly write:
// account alias and password policy, permissions boundaries, login
// profiles, user and group inline policies, group attachments, instance
// profiles, OpenID Connect and SAML providers, a service-linked role, the
// exclusive policy attachment, and data sources.
const moreConfig = `
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "%s"
  secret_key                  = "%s"
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    iam = "%s"
    sts = "%s"
  }
}

data "aws_caller_identity" "me" {}

data "aws_iam_policy" "readonly" {
  arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_account_alias" "this" {
  account_alias = "doppel-e2e"
}

resource "aws_iam_account_password_policy" "this" {
  minimum_password_length        = 14
  require_symbols                = true
  require_numbers                = true
  allow_users_to_change_password = true
  max_password_age               = 90
  password_reuse_prevention      = 5
}

resource "aws_iam_user" "dev" {
  name                 = "dev"
  permissions_boundary = data.aws_iam_policy.readonly.arn
  force_destroy        = true
  tags                 = { team = "platform" }
}

resource "aws_iam_user_login_profile" "dev" {
  user                    = aws_iam_user.dev.name
  password_length         = 20
  password_reset_required = true
  depends_on              = [aws_iam_account_password_policy.this]
}

resource "aws_iam_user_policy" "dev" {
  name = "read-data"
  user = aws_iam_user.dev.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::data/*" }]
  })
}

resource "aws_iam_group" "g" {
  name = "readers"
}

resource "aws_iam_group_policy" "g" {
  name  = "list"
  group = aws_iam_group.g.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:ListAllMyBuckets", Resource = "*" }]
  })
}

resource "aws_iam_group_policy_attachment" "g" {
  group      = aws_iam_group.g.name
  policy_arn = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
}

resource "aws_iam_role" "app" {
  name                 = "app"
  path                 = "/apps/"
  max_session_duration = 7200
  permissions_boundary = data.aws_iam_policy.readonly.arn
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
  tags = { app = "web" }
}

resource "aws_iam_instance_profile" "app" {
  name = "app"
  path = "/apps/"
  role = aws_iam_role.app.name
  tags = { app = "web" }
}

resource "aws_iam_policy" "shared" {
  name   = "shared"
  path   = "/shared/"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }]
  })
}

resource "aws_iam_policy_attachment" "shared" {
  name       = "shared"
  policy_arn = aws_iam_policy.shared.arn
  users      = [aws_iam_user.dev.name]
  groups     = [aws_iam_group.g.name]
  roles      = [aws_iam_role.app.name]
}

resource "aws_iam_openid_connect_provider" "github" {
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
  tags            = { ci = "github" }
}

resource "aws_iam_service_linked_role" "asg" {
  aws_service_name = "autoscaling.amazonaws.com"
  custom_suffix    = "web"
  description      = "web fleet"
}

resource "aws_iam_saml_provider" "corp" {
  name                   = "corp"
  saml_metadata_document = <<-XML
    <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/metadata" validUntil="2035-01-01T00:00:00Z">
      <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
        <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>MIIBszCCAVmgAwIBAgIUDoppelTestCertificateForSAMLMetadataOnly0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
        <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
        <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso/redirect"/>
        <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso/post"/>
      </md:IDPSSODescriptor>
    </md:EntityDescriptor>
  XML
}

data "aws_iam_role" "app" {
  name = aws_iam_role.app.name
}

output "account" {
  value = data.aws_caller_identity.me.account_id
}

output "role_arn" {
  value = data.aws_iam_role.app.arn
}
`

// TestTerraformMoreResources applies moreConfig, expects no changes on a
// second plan, and destroys it cleanly.
func TestTerraformMoreResources(t *testing.T) {
	w := newWorld(t)
	tf := newTF(t, w, moreConfig)
	tf.must("init", "-no-color")
	tf.must("apply", "-no-color", "-auto-approve")
	tf.noChanges()
	if got := strings.TrimSpace(tf.must("output", "-raw", "role_arn")); got != "arn:aws:iam::"+account+":role/apps/app" {
		t.Errorf("role_arn = %q", got)
	}
	ctx := t.Context()
	e, err := w.iam.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String("arn:aws:iam::" + account + ":policy/shared/shared")})
	if err != nil || len(e.PolicyUsers)+len(e.PolicyGroups)+len(e.PolicyRoles) != 3 {
		t.Fatalf("entities for the shared policy = %+v, %v", e, err)
	}
	tf.must("destroy", "-no-color", "-auto-approve")
	summary, err := w.iam.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Users", "Groups", "Roles", "Policies", "InstanceProfiles", "Providers"} { // Providers: OIDC and SAML
		if summary.SummaryMap[k] != 0 {
			t.Errorf("%s left after destroy: %d", k, summary.SummaryMap[k])
		}
	}
	aliases, err := w.iam.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	if err != nil || len(aliases.AccountAliases) != 0 {
		t.Errorf("aliases after destroy = %+v, %v", aliases, err)
	}
}
