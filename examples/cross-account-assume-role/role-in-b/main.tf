# Step 1 with Terraform, as account B's administrator (here B's root user,
# from the environment or AWS_PROFILE=account-b): the role that account A's
# user will assume. The trust policy is the one the console writes for
# "Another AWS account" with "Require external ID" and, optionally,
# "Require MFA".

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "trusted_account_id" {
  description = "Account A, whose principals may assume the role."
  type        = string
  default     = "111111111111"
}

variable "role_name" {
  type    = string
  default = "role_in_account_b"
}

variable "external_id" {
  type    = string
  default = "my_external_id"
}

variable "require_mfa" {
  description = "Whether the caller must have signed in with MFA."
  type        = bool
  default     = false
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.trusted_account_id}:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
    dynamic "condition" {
      for_each = var.require_mfa ? [true] : []
      content {
        test     = "Bool"
        variable = "aws:MultiFactorAuthPresent"
        values   = ["true"]
      }
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.role_name
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

# The permissions the role gives in B: what Terraform will manage there.
resource "aws_iam_role_policy_attachment" "s3" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
}

output "role_arn" {
  value = aws_iam_role.this.arn
}
