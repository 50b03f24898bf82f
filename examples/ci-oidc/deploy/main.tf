# What a CI run applies. The provider block names no credentials: they come
# from AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, as a GitHub Actions job
# or an HCP Terraform agent sets them.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region            = "us-east-1"
  s3_use_path_style = true
}

variable "bucket" {
  default = "ci-oidc-deploy"
}

resource "aws_s3_bucket" "this" {
  bucket = var.bucket
}
