package gateway

import (
	"net"
	"net/netip"
	"strings"
)

// Serves says whether doppel answers for host (a Host header, a CONNECT
// target or the host of an absolute-form proxy request, with or without a
// port). The proxy asks it before answering anything: a host it refuses is
// never dialled, so doppel cannot be used as a relay.
func (g *Gateway) Serves(host string) bool { return serves(host, g.cfg.Hostnames) }

// serves recognises doppel's own names (loopback addresses, localhost and
// its subdomains, each --hostname and its subdomains, and an account ID in
// front of a loopback address, S3 Control's form) and the AWS endpoints of
// the services doppel implements ("Service endpoints" in the AWS General
// Reference, and S3's virtual-hosted, legacy dash-region, dual-stack and
// FIPS forms).
func serves(host string, extra []string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" || len(host) > 253 {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.IsLoopback()
	}
	if !hostChars(host) {
		return false
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, base := range extra {
		base = strings.ToLower(strings.TrimSuffix(base, "."))
		if base != "" && (host == base || strings.HasSuffix(host, "."+base)) {
			return true
		}
	}
	if acct, rest, ok := strings.Cut(host, "."); ok && accountID(acct) {
		if ip, err := netip.ParseAddr(rest); err == nil {
			return ip.IsLoopback()
		}
	}
	return awsEndpoint(host)
}

// hostChars accepts DNS names of non-empty labels of letters, digits,
// hyphens and underscores (host is lower case already).
func hostChars(host string) bool {
	for _, l := range strings.Split(host, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// awsEndpoint recognises SERVICE[.dualstack][.REGION].amazonaws.com for the
// services doppel serves, with a bucket in front of S3's and an account ID
// in front of S3 Control's.
func awsEndpoint(host string) bool {
	rest, ok := strings.CutSuffix(host, ".amazonaws.com")
	if !ok {
		return false
	}
	labels := strings.Split(rest, ".")
	// The service label is one of the last three: what follows it is at
	// most "dualstack" and a region. Scanning from the right lets a bucket
	// name contain "s3" itself.
	for i := len(labels) - 1; i >= 0 && i >= len(labels)-3; i-- {
		if !endpointTail(labels[i+1:]) {
			continue
		}
		prefix := labels[:i]
		switch svc := strings.TrimSuffix(labels[i], "-fips"); {
		case svc == "s3" || svc == "s3-external-1" || strings.HasPrefix(svc, "s3-") && region(svc[len("s3-"):]):
			return true // path-style, or virtual-hosted with a bucket in front
		case svc == "s3-control":
			return len(prefix) == 0 || len(prefix) == 1 && accountID(prefix[0])
		case svc == "iam" || svc == "sts" || svc == "organizations":
			return len(prefix) == 0
		}
	}
	return false
}

// endpointTail accepts what may follow a service label: nothing, a region,
// or "dualstack" and a region.
func endpointTail(l []string) bool {
	switch len(l) {
	case 0:
		return true
	case 1:
		return region(l[0])
	case 2:
		return l[0] == "dualstack" && region(l[1])
	}
	return false
}

// region accepts AWS region names: "us-east-1", "ap-southeast-2",
// "us-gov-west-1".
func region(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts[0]) != 2 {
		return false
	}
	for _, p := range parts[:len(parts)-1] {
		if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz") != "" {
			return false
		}
	}
	last := parts[len(parts)-1]
	return last != "" && strings.Trim(last, "0123456789") == ""
}

func accountID(s string) bool {
	return len(s) == 12 && strings.Trim(s, "0123456789") == ""
}
