package console_test

import (
	"net/url"
	"testing"

	"github.com/doppel-aws/doppel/doppeltest"
)

// BenchmarkPages measures whole console requests through the server: the
// role page (GetRole and two List calls) and the wizard's permissions step
// (every managed policy, AWS's included, listed and filtered).
func BenchmarkPages(b *testing.B) {
	srv := doppeltest.NewServer(b)
	acct := srv.Account("account-b")
	c := newClient(b, srv)
	c.signinRoot(acct)
	c.get("/iam/roles/create?new=1")
	c.post("/iam/roles/create", url.Values{"trusted_entity": {"account"}})
	c.post("/iam/roles/create/permissions", url.Values{"action": {"next"}, "policy": {"arn:aws:iam::aws:policy/AmazonS3FullAccess"}})
	if code, body := c.post("/iam/roles/create/review", url.Values{"action": {"create"}, "role_name": {"bench"}}); code != 200 {
		b.Fatalf("create: %d\n%s", code, body)
	}
	for _, page := range []string{"/iam/roles/bench", "/iam/roles", "/iam/roles/create/permissions", "/trust-map"} {
		b.Run(page, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if code, _ := c.get(page); code != 200 {
					b.Fatalf("%s: %d", page, code)
				}
			}
		})
	}
}
