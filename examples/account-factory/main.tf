# An account factory: the management account's administrator creates the
# organization, an OU, a member account in it and an SCP fencing the OU;
# a second provider then assumes the new account's
# OrganizationAccountAccessRole (which CreateAccount leaves behind) and
# creates a bucket there.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

# The management account, as an IAM user with AdministratorAccess (from the
# environment): a root user cannot assume roles.
provider "aws" {
  region = "us-east-1"
}

variable "account_email" {
  description = "The new account's email address; each account needs its own."
  type        = string
  default     = "workload@example.com"
}

resource "aws_organizations_organization" "org" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_organizational_unit" "workloads" {
  name      = "workloads"
  parent_id = aws_organizations_organization.org.roots[0].id
}

resource "aws_organizations_account" "workload" {
  name      = "workload"
  email     = var.account_email
  parent_id = aws_organizations_organizational_unit.workloads.id
  role_name = "OrganizationAccountAccessRole"
}

# Workload accounts may not leave the organization nor turn off S3's Block
# Public Access for their account.
resource "aws_organizations_policy" "guardrails" {
  name        = "workload-guardrails"
  description = "No leaving, no public buckets"
  # Policies belong to an organization: create it first.
  depends_on = [aws_organizations_organization.org]
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "Guardrails"
      Effect   = "Deny"
      Action   = ["organizations:LeaveOrganization", "s3:PutAccountPublicAccessBlock"]
      Resource = "*"
    }]
  })
}

resource "aws_organizations_policy_attachment" "workloads" {
  policy_id = aws_organizations_policy.guardrails.id
  target_id = aws_organizations_organizational_unit.workloads.id
}

# The new account, through the role Organizations made in it.
provider "aws" {
  alias  = "workload"
  region = "us-east-1"
  assume_role {
    role_arn     = "arn:aws:iam::${aws_organizations_account.workload.id}:role/OrganizationAccountAccessRole"
    session_name = "account-factory"
  }
}

resource "aws_s3_bucket" "data" {
  provider = aws.workload
  bucket   = "account-factory-data-${aws_organizations_account.workload.id}"
}

output "organization_id" {
  value = aws_organizations_organization.org.id
}

output "account_id" {
  value = aws_organizations_account.workload.id
}

output "bucket" {
  value = aws_s3_bucket.data.bucket
}
