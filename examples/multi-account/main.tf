# One configuration, several accounts: a provider alias per account, each
# assuming that account's "terraform" role with the credentials of the user
# terraform in the identity account (from the environment). The state lives
# in the shared account's bucket, reached through its own role, with an S3
# lock file (use_lockfile) instead of a DynamoDB table.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }

  backend "s3" {
    bucket       = "tfstate-shared"
    key          = "multi-account/terraform.tfstate"
    region       = "us-east-1"
    use_lockfile = true
    assume_role = {
      role_arn     = "arn:aws:iam::444444444444:role/terraform-state"
      session_name = "terraform-state"
    }
  }
}

variable "accounts" {
  description = "The workload accounts' IDs."
  type        = map(string)
  default = {
    workload_b = "222222222222"
    workload_c = "333333333333"
  }
}

provider "aws" {
  alias  = "workload_b"
  region = "us-east-1"
  assume_role {
    role_arn     = "arn:aws:iam::${var.accounts.workload_b}:role/terraform"
    session_name = "multi-account"
  }
}

provider "aws" {
  alias  = "workload_c"
  region = "us-east-1"
  assume_role {
    role_arn     = "arn:aws:iam::${var.accounts.workload_c}:role/terraform"
    session_name = "multi-account"
  }
}

resource "aws_s3_bucket" "data" {
  provider = aws.workload_b
  bucket   = "multi-account-data-b"
}

resource "aws_s3_bucket" "logs" {
  provider = aws.workload_c
  bucket   = "multi-account-logs-c"
}

# A role in workload-c that workload-b's principals may assume: IAM across
# accounts, managed from one configuration.
resource "aws_iam_role" "reader" {
  provider = aws.workload_c
  name     = "reader-from-b"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.accounts.workload_b}:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

output "data_bucket" {
  value = aws_s3_bucket.data.arn
}

output "logs_bucket" {
  value = aws_s3_bucket.logs.arn
}

output "reader_role" {
  value = aws_iam_role.reader.arn
}
