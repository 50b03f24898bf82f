package gateway

import (
	"net"
	"strings"
)

// virtualHostBucket returns the bucket named by a virtual-hosted-style S3 Host
// header: "bucket.localhost:4566", "bucket.s3.localhost", "bucket.s3.amazonaws.com",
// "bucket.s3.us-east-1.amazonaws.com", "bucket.s3-us-west-2.amazonaws.com".
// It returns "" for path-style hosts (an IP address, "localhost", "s3.…").
//
// Bucket names may contain dots, so the bucket is everything before the first
// label that starts the endpoint: "localhost", "s3", "s3-REGION", or a name
// given with --hostname.
func virtualHostBucket(host string, extraBases []string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return ""
	}
	for _, base := range extraBases {
		if b, ok := strings.CutSuffix(host, "."+strings.ToLower(base)); ok {
			return b
		}
	}
	labels := strings.Split(host, ".")
	for i, l := range labels {
		if l == "s3-control" || strings.HasPrefix(l, "s3-control-") {
			return "" // ACCOUNT.s3-control.REGION...: S3 Control, never a bucket
		}
		if l == "localhost" && i == len(labels)-1 || l == "s3" || strings.HasPrefix(l, "s3-") {
			return strings.Join(labels[:i], ".") // "" when the host starts with the endpoint
		}
	}
	return ""
}
