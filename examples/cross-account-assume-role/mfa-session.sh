#!/bin/sh
# The MFA variant, as alice (her access key in AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY): a session from sts:GetSessionToken with a code of
# her device. Its temporary credentials carry MFA; the script prints them as
# export lines:  eval "$(examples/cross-account-assume-role/mfa-session.sh)"
set -eu
SERIAL=arn:aws:iam::111111111111:mfa/alice

CREDS=$(aws sts get-session-token --serial-number "$SERIAL" \
    --token-code "$(doppel mfa code "$SERIAL")" \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
set -- $CREDS
echo "export AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2 AWS_SESSION_TOKEN=$3"
