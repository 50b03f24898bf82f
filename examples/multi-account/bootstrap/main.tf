# Run once, as each account's root user (the profiles doppel writes into its
# data directory): what the multi-account configuration needs before its
# first init. In the identity account the user "terraform" that may assume
# roles named terraform*; in each workload account the role "terraform"
# (AdministratorAccess) that trusts the identity account; in the shared
# account the state bucket and the role "terraform-state" that may use it.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {
  alias   = "identity"
  profile = "identity"
  region  = "us-east-1"
}

provider "aws" {
  alias   = "workload_b"
  profile = "workload-b"
  region  = "us-east-1"
}

provider "aws" {
  alias   = "workload_c"
  profile = "workload-c"
  region  = "us-east-1"
}

provider "aws" {
  alias   = "shared"
  profile = "shared"
  region  = "us-east-1"
}

variable "state_bucket" {
  type    = string
  default = "tfstate-shared"
}

data "aws_caller_identity" "identity" {
  provider = aws.identity
}

# The identity account.

resource "aws_iam_user" "terraform" {
  provider = aws.identity
  name     = "terraform"
}

resource "aws_iam_user_policy" "assume_terraform_roles" {
  provider = aws.identity
  name     = "assume-terraform-roles"
  user     = aws_iam_user.terraform.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "sts:AssumeRole"
      Resource = "arn:aws:iam::*:role/terraform*"
    }]
  })
}

resource "aws_iam_access_key" "terraform" {
  provider = aws.identity
  user     = aws_iam_user.terraform.name
}

# Who may assume the roles below: principals of the identity account whose
# own policies allow it (here, the user terraform).
locals {
  trust_identity = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.identity.account_id}:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# The workload accounts.

resource "aws_iam_role" "workload_b" {
  provider           = aws.workload_b
  name               = "terraform"
  assume_role_policy = local.trust_identity
}

resource "aws_iam_role_policy_attachment" "workload_b" {
  provider   = aws.workload_b
  role       = aws_iam_role.workload_b.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role" "workload_c" {
  provider           = aws.workload_c
  name               = "terraform"
  assume_role_policy = local.trust_identity
}

resource "aws_iam_role_policy_attachment" "workload_c" {
  provider   = aws.workload_c
  role       = aws_iam_role.workload_c.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

# The shared account: the state bucket, versioned as the S3 backend's
# documentation recommends, and a role that may only read and write state.

resource "aws_s3_bucket" "state" {
  provider = aws.shared
  bucket   = var.state_bucket
}

resource "aws_s3_bucket_versioning" "state" {
  provider = aws.shared
  bucket   = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_iam_role" "state" {
  provider           = aws.shared
  name               = "terraform-state"
  assume_role_policy = local.trust_identity
}

# The permissions the S3 backend documents for use_lockfile: list the
# bucket; get and put the state; get, put and delete the lock file.
resource "aws_iam_role_policy" "state" {
  provider = aws.shared
  name     = "terraform-state"
  role     = aws_iam_role.state.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "s3:ListBucket", Resource = aws_s3_bucket.state.arn },
      { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource = "${aws_s3_bucket.state.arn}/*" },
    ]
  })
}

output "access_key_id" {
  value = aws_iam_access_key.terraform.id
}

output "secret_access_key" {
  value     = aws_iam_access_key.terraform.secret
  sensitive = true
}
