# Every argument of the AWS provider's assume_role block, from variables, so
# one configuration covers each case of e2e/assume_role_test.go. Several
# entries in assume_roles chain the roles: each is assumed with the
# credentials of the one before (the provider's role chaining).

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "assume_roles" {
  type = list(object({
    role_arn            = string
    external_id         = optional(string)
    session_name        = optional(string)
    duration            = optional(string)
    policy              = optional(string)
    policy_arns         = optional(set(string))
    source_identity     = optional(string)
    tags                = optional(map(string))
    transitive_tag_keys = optional(set(string))
  }))
}

variable "bucket" {
  description = "A bucket to create with the last role's session (null: none)."
  type        = string
  default     = null
}

provider "aws" {
  region = "us-east-1"

  dynamic "assume_role" {
    for_each = var.assume_roles
    content {
      role_arn            = assume_role.value.role_arn
      external_id         = assume_role.value.external_id
      session_name        = assume_role.value.session_name
      duration            = assume_role.value.duration
      policy              = assume_role.value.policy
      policy_arns         = assume_role.value.policy_arns
      source_identity     = assume_role.value.source_identity
      tags                = assume_role.value.tags
      transitive_tag_keys = assume_role.value.transitive_tag_keys
    }
  }
}

resource "aws_s3_bucket" "this" {
  count  = var.bucket == null ? 0 : 1
  bucket = var.bucket
}

data "aws_caller_identity" "current" {}

output "caller_arn" {
  value = data.aws_caller_identity.current.arn
}
