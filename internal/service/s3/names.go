package s3

import (
	"net/netip"
	"strings"
)

// validBucketName applies the naming rules for general purpose buckets
// (S3 User Guide, "General purpose bucket naming rules"): 3 to 63 characters
// of lowercase letters, digits, dots and hyphens; a letter or digit at both
// ends; no two adjacent dots; not an IPv4 address; none of the reserved
// prefixes and suffixes.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return false
	}
	if strings.Contains(name, "..") {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// maxKeyLength is the longest object key S3 accepts, in UTF-8 bytes.
const maxKeyLength = 1024

// regions S3 accepts as a LocationConstraint (the BucketLocationConstraint
// enum of the S3 API, plus the legacy "EU" alias of eu-west-1).
var regions = map[string]bool{
	"af-south-1": true, "ap-east-1": true, "ap-northeast-1": true, "ap-northeast-2": true,
	"ap-northeast-3": true, "ap-south-1": true, "ap-south-2": true, "ap-southeast-1": true,
	"ap-southeast-2": true, "ap-southeast-3": true, "ap-southeast-4": true, "ap-southeast-5": true,
	"ca-central-1": true, "ca-west-1": true, "cn-north-1": true, "cn-northwest-1": true,
	"EU": true, "eu-central-1": true, "eu-central-2": true, "eu-north-1": true, "eu-south-1": true,
	"eu-south-2": true, "eu-west-1": true, "eu-west-2": true, "eu-west-3": true,
	"il-central-1": true, "me-central-1": true, "me-south-1": true, "mx-central-1": true,
	"sa-east-1": true, "us-east-2": true, "us-gov-east-1": true, "us-gov-west-1": true,
	"us-west-1": true, "us-west-2": true,
}

// bucketRegion decides where CreateBucket puts a bucket, given the region
// the request was signed for and the LocationConstraint of its body (S3 API
// Reference, CreateBucket): outside us-east-1 the constraint must name the
// endpoint's region; the us-east-1 endpoint creates in us-east-1 when the
// constraint is absent, refuses "us-east-1" spelled out, and creates in any
// other valid region named.
func bucketRegion(endpoint, constraint string) (string, error) {
	if endpoint == "" {
		endpoint = "us-east-1"
	}
	if endpoint == "us-east-1" {
		switch {
		case constraint == "":
			return "us-east-1", nil
		case !regions[constraint]:
			return "", errInvalidLocationConstraint(constraint)
		case constraint == "EU":
			return "eu-west-1", nil
		}
		return constraint, nil
	}
	if constraint == "EU" && endpoint == "eu-west-1" {
		return endpoint, nil
	}
	if constraint != endpoint {
		if constraint != "" && !regions[constraint] && constraint != "us-east-1" {
			return "", errInvalidLocationConstraint(constraint)
		}
		return "", errIllegalLocationConstraint(constraint)
	}
	return endpoint, nil
}
