# The seed procedure's configuration: Terraform runs as an IAM user of
# account A and manages account B through a role there that trusts A.
#
# Nothing in it is doppel-specific: credentials come from the environment
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and AWS_SESSION_TOKEN for the
# MFA variant), and AWS_ENDPOINT_URL points the provider at doppel.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "role_arn" {
  description = "The ARN of the role in account B to assume."
  type        = string
  default     = "arn:aws:iam::222222222222:role/role_in_account_b"
}

variable "external_id" {
  description = "The external ID the role's trust policy requires (null: send none)."
  type        = string
  default     = "my_external_id"
}

variable "bucket" {
  description = "The test bucket to create in account B."
  type        = string
  default     = "my-test-bucket-for-assume-role-verification"
}

provider "aws" {
  ## Credentials for the IAM user in account A: from the environment, as
  ## the seed recommends, rather than access_key/secret_key/token here.
  region = "us-east-1"

  assume_role {
    ## The ARN of the role in account B to assume.
    role_arn = var.role_arn
    ## (Optional) The external ID defined during role creation.
    external_id = var.external_id
  }
}

resource "aws_s3_bucket" "test_bucket" {
  bucket = var.bucket
}

data "aws_caller_identity" "current" {}

output "bucket_arn" {
  value = aws_s3_bucket.test_bucket.arn
}

output "account_id" {
  description = "The account Terraform works in: B's, through the assumed role."
  value       = data.aws_caller_identity.current.account_id
}
