package sts

import "strings"

// arn is an ARN split into its six parts.
type arn struct {
	partition, service, region, account, resource string
}

// parseARN splits arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE. Partition,
// service and resource must not be empty; the resource may contain colons.
func parseARN(s string) (arn, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return arn{}, false
	}
	return arn{partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts[5]}, true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// roleName splits a role ARN's resource "role/PATH/NAME" into its path
// ("/" or "/PATH/") and name. ok is false when the ARN cannot name a role
// (another service, no account, another resource type): such a role does
// not exist.
func roleName(a arn) (path, name string, ok bool) {
	if a.partition != "aws" || a.service != "iam" || a.region != "" || !isAccountID(a.account) {
		return "", "", false
	}
	rest, found := strings.CutPrefix(a.resource, "role/")
	if !found || rest == "" || strings.HasSuffix(rest, "/") {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	return "/" + rest[:i+1], rest[i+1:], true
}
