package sts

import (
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// FuzzAssumeRole feeds AssumeRole arbitrary input: it must answer with an
// AWS error or credentials, never panic, and never fail internally.
func FuzzAssumeRole(f *testing.F) {
	f.Add(roleARN, "terraform", "my_external_id", smallPolicy, "Project", "seed", "project", "alice", int32(3600))
	f.Add("arn:a:a::aaaaaaaaaa:", "s", "", `{"Statement":[`, "Dept", "a", "dept", "aws:x", int32(899))
	f.Add(pathARN, "x:y", "x", "", "a*b", "", "zz", "", int32(43201))
	h := newHarness(f)
	f.Fuzz(func(t *testing.T, arn, name, externalID, pol, tagKey, tagValue, transitive, sourceIdentity string, duration int32) {
		in := &stsapi.AssumeRoleInput{RoleArn: arn, RoleSessionName: name, DurationSeconds: api.Int32(duration)}
		if externalID != "" {
			in.ExternalId = &externalID
		}
		if pol != "" {
			in.Policy = &pol
		}
		if tagKey != "" {
			in.Tags = []stsapi.Tag{{Key: tagKey, Value: tagValue}}
		}
		if transitive != "" {
			in.TransitiveTagKeys = []string{transitive}
		}
		if sourceIdentity != "" {
			in.SourceIdentity = &sourceIdentity
		}
		h.issuer.sessions = h.issuer.sessions[:0]
		h.authz.checks = h.authz.checks[:0]
		out, err := h.svc.AssumeRole(as(userPrincipal()), in)
		if err != nil {
			if e := awserr.From(err); e.Status >= 500 && arn != "arn:aws:iam::"+acctB+":role/broken" {
				t.Fatalf("internal failure for %+v: %v", in, err)
			}
			return
		}
		if out.Credentials == nil || out.AssumedRoleUser == nil {
			t.Fatalf("success without credentials: %+v", out)
		}
	})
}
