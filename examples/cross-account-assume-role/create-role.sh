#!/bin/sh
# Step 1 with the AWS CLI, as account B's root user (AWS_PROFILE=account-b):
# the role that trusts account A (trust-policy.json), with S3 permissions.
set -eu
cd "$(dirname "$0")"

aws iam create-role --role-name role_in_account_b \
    --assume-role-policy-document file://trust-policy.json
aws iam attach-role-policy --role-name role_in_account_b \
    --policy-arn arn:aws:iam::aws:policy/AmazonS3FullAccess
