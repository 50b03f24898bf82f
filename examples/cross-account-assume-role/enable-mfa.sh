#!/bin/sh
# The MFA variant, as account A's root user (AWS_PROFILE=account-a): a
# virtual MFA device for alice, enabled with two consecutive codes, as the
# console asks for them. `doppel mfa code` plays the phone; it shows a new
# code every 30 seconds.
set -eu
SERIAL=arn:aws:iam::111111111111:mfa/alice

aws iam create-virtual-mfa-device --virtual-mfa-device-name alice \
    --outfile alice-mfa-qr.png --bootstrap-method QRCodePNG
CODE1=$(doppel mfa code "$SERIAL")
sleep 30
CODE2=$(doppel mfa code "$SERIAL")
aws iam enable-mfa-device --user-name alice --serial-number "$SERIAL" \
    --authentication-code1 "$CODE1" --authentication-code2 "$CODE2"
