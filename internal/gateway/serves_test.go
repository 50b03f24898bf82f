package gateway

import "testing"

func TestServes(t *testing.T) {
	extra := []string{"doppel.test"}
	for _, tc := range []struct {
		host string
		want bool
	}{
		// doppel's own names
		{"localhost", true},
		{"localhost:4566", true},
		{"LOCALHOST.", true},
		{"bucket.localhost:4566", true},
		{"my.bucket.s3.localhost", true},
		{"127.0.0.1:4566", true},
		{"127.0.0.2", true},
		{"[::1]:4566", true},
		{"::1", true},
		{"111111111111.127.0.0.1:4566", true},
		{"111111111111.localhost:4566", true},
		{"doppel.test", true},
		{"bucket.doppel.test:4566", true},
		{"111111111111.doppel.test", true},
		// AWS endpoints of the services doppel implements
		{"sts.amazonaws.com:443", true},
		{"sts.us-east-1.amazonaws.com", true},
		{"sts.eu-west-3.amazonaws.com", true},
		{"sts-fips.us-east-2.amazonaws.com", true},
		{"sts.dualstack.us-east-1.amazonaws.com", true},
		{"iam.amazonaws.com", true},
		{"iam-fips.amazonaws.com", true},
		{"organizations.us-east-1.amazonaws.com", true},
		{"s3.amazonaws.com", true},
		{"s3.us-west-2.amazonaws.com", true},
		{"s3-us-west-2.amazonaws.com", true},
		{"s3-external-1.amazonaws.com", true},
		{"s3.dualstack.eu-central-1.amazonaws.com", true},
		{"s3-fips.us-gov-west-1.amazonaws.com", true},
		{"bucket.s3.amazonaws.com", true},
		{"bucket.s3.us-east-1.amazonaws.com:443", true},
		{"my.dotted.bucket.s3.us-east-1.amazonaws.com", true},
		{"s3.s3.us-east-1.amazonaws.com", true},
		{"bucket.s3.dualstack.ap-southeast-2.amazonaws.com", true},
		{"bucket.s3-eu-west-1.amazonaws.com", true},
		{"111111111111.s3-control.us-east-1.amazonaws.com:443", true},
		{"111111111111.s3-control.dualstack.us-east-1.amazonaws.com", true},
		{"111111111111.s3-control-fips.us-east-1.amazonaws.com", true},
		{"s3-control.us-east-1.amazonaws.com", true},
		// everything else is refused
		{"", false},
		{":443", false},
		{"example.com:443", false},
		{"10.0.0.1:4566", false},
		{"192.168.1.1", false},
		{"0.0.0.0", false},
		{"111111111111.10.0.0.1", false},
		{"bucket.127.0.0.1", false},
		{"amazonaws.com", false},
		{"evil.amazonaws.com", false},
		{"ec2.us-east-1.amazonaws.com", false},
		{"dynamodb.us-east-1.amazonaws.com", false},
		{"bucket.iam.amazonaws.com", false},
		{"x.sts.us-east-1.amazonaws.com", false},
		{"sts.us-east-1.amazonaws.com.evil.com", false},
		{"sts.amazonaws.com.", true},
		{"sts.nowhere.amazonaws.com", false},
		{"sts.us-east-1.extra.amazonaws.com", false},
		{"bucket.s3-website-us-east-1.amazonaws.com", false},
		{"12345.s3-control.us-east-1.amazonaws.com", false},
		{"a.b.s3-control.us-east-1.amazonaws.com", false},
		{"s3.us-east-1.amazonaws.com.cn", false},
		{"doppel.test.evil.com", false},
		{"notdoppel.test", false},
		{"localhost.evil.com", false},
		{"bad..localhost", false},
		{"bad host.localhost", false},
		{"sts.amazonaws.com/path", false},
	} {
		if got := serves(tc.host, extra); got != tc.want {
			t.Errorf("serves(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func FuzzServes(f *testing.F) {
	for _, s := range []string{"localhost:4566", "bucket.s3.us-east-1.amazonaws.com", "[::1]:1", "111111111111.127.0.0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		serves(host, []string{"doppel.test"})
	})
}
