# What the Terraform container applies against the doppel container: one
# tagged bucket in account-a. Nothing doppel-specific: the endpoint and the
# proxy come from the environment (compose.yaml).
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

resource "aws_s3_bucket" "demo" {
  bucket = "compose-demo"
  tags = {
    team = "platform"
  }
}

output "bucket_arn" {
  value = aws_s3_bucket.demo.arn
}
