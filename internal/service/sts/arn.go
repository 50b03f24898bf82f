package sts

import "strings"

// arn is an ARN split into its six parts.
type arn struct {
	partition, service, region, account, resource string
}

// parseARN splits arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE. Partition,
// service and resource must not be empty; the resource may contain colons.
func parseARN(s string) (arn, bool) {
	var a arn
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return a, false
	}
	for _, part := range []*string{&a.partition, &a.service, &a.region, &a.account} {
		if *part, rest, ok = strings.Cut(rest, ":"); !ok {
			return arn{}, false
		}
	}
	a.resource = rest
	if a.partition == "" || a.service == "" || a.resource == "" {
		return arn{}, false
	}
	return a, true
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
