#!/bin/sh
# The AWS step of a GitHub Actions job, run against doppel. On GitHub,
# aws-actions/configure-aws-credentials asks the runner for an ID token
# (audience sts.amazonaws.com) and exchanges it; here doppel's GitHub issuer
# mints the token, and the AWS CLI's default credential chain exchanges it
# with AssumeRoleWithWebIdentity, from nothing but a role ARN and a token
# file.
set -eu
: "${ROLE_ARN:?set ROLE_ARN to the github_role_arn output of trust/}"
# DOPPEL_DATA: the data directory of the running doppel (its root keys sign
# the request for a token).
REPO=${REPO:-octo-org/app}
BRANCH=${BRANCH:-main}

doppel oidc token --data "${DOPPEL_DATA:-.doppel}" --issuer github --sub "repo:$REPO:ref:refs/heads/$BRANCH" > github-token

export AWS_ROLE_ARN="$ROLE_ARN" AWS_WEB_IDENTITY_TOKEN_FILE="$PWD/github-token" AWS_ROLE_SESSION_NAME=github-job
aws sts get-caller-identity
aws s3api create-bucket --bucket "${BUCKET:-ci-oidc-github}"
