# Account B trusts CI runs, with no access keys anywhere: GitHub Actions
# jobs of one repository's branch, and HCP Terraform runs of one workspace in
# the apply phase. Apply it as account B's administrator; the same file works
# on AWS unchanged.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "github_repository" {
  description = "OWNER/REPO whose jobs may deploy"
  default     = "octo-org/app"
}

variable "github_branch" {
  default = "main"
}

variable "tfc_organization" {
  default = "acme"
}

variable "tfc_workspace" {
  default = "prod"
}

# No thumbprint_list: AWS no longer needs one for these issuers (and fills
# one in), nor does doppel.
resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

resource "aws_iam_openid_connect_provider" "tfc" {
  url            = "https://app.terraform.io"
  client_id_list = ["aws.workload.identity"]
}

resource "aws_iam_role" "github_deploy" {
  name = "github-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        # Always pin the subject: without it every repository on GitHub
        # could assume the role.
        StringLike = { "token.actions.githubusercontent.com:sub" = "repo:${var.github_repository}:ref:refs/heads/${var.github_branch}" }
      }
    }]
  })
}

resource "aws_iam_role" "tfc_apply" {
  name = "tfc-apply"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.tfc.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "app.terraform.io:aud" = "aws.workload.identity" }
        StringLike   = { "app.terraform.io:sub" = "organization:${var.tfc_organization}:project:*:workspace:${var.tfc_workspace}:run_phase:apply" }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "github_s3" {
  role       = aws_iam_role.github_deploy.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
}

resource "aws_iam_role_policy_attachment" "tfc_s3" {
  role       = aws_iam_role.tfc_apply.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
}

output "github_role_arn" {
  value = aws_iam_role.github_deploy.arn
}

output "tfc_role_arn" {
  value = aws_iam_role.tfc_apply.arn
}
