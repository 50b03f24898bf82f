#!/bin/sh
# Step 2 with the AWS CLI, as account A's root user (AWS_PROFILE=account-a):
# the user alice, allowed to assume the role in B (assume-role-policy.json),
# and her access key, printed as JSON.
set -eu
cd "$(dirname "$0")"

aws iam create-user --user-name alice
aws iam put-user-policy --user-name alice --policy-name assume-role-in-b \
    --policy-document file://assume-role-policy.json
aws iam create-access-key --user-name alice
