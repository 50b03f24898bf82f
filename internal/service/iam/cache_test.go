package iam

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

const trustOther = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"sts:AssumeRole"}]}`

// The role cache behind LookupRole and ListRoles follows every IAM change
// from the next call on: each case warms the cache, changes IAM, and reads
// again.
func TestRoleCacheSeesChanges(t *testing.T) {
	type view struct {
		trust    string
		tags     []iamapi.Tag
		maxSess  int32
		lastUsed bool
		names    []string // ListRoles
	}
	read := func(t *testing.T, h *harness) (view, bool) {
		t.Helper()
		var v view
		for _, r := range must(h.svc.ListRoles(h.ctx, &iamapi.ListRolesInput{})).Roles {
			v.names = append(v.names, r.RoleName)
		}
		r := must(h.svc.LookupRole(h.ctx, acct, "r"))
		if r == nil {
			if _, found, err := h.svc.LookupAssumableRole(h.ctx, acct, "r"); found || err != nil {
				t.Fatalf("LookupAssumableRole = %v, %v; LookupRole found nothing", found, err)
			}
			return v, false
		}
		doc, err := url.QueryUnescape(api.ToString(r.AssumeRolePolicyDocument))
		if err != nil {
			t.Fatal(err)
		}
		v.trust, v.tags, v.maxSess = doc, r.Tags, api.ToInt32(r.MaxSessionDuration)
		v.lastUsed = r.RoleLastUsed != nil && r.RoleLastUsed.LastUsedDate != nil
		// STS's view of the role comes from the same cache and must agree.
		a, found, err := h.svc.LookupAssumableRole(h.ctx, acct, "r")
		if err != nil || !found {
			t.Fatalf("LookupAssumableRole = %v, %v; LookupRole found it", found, err)
		}
		tags := map[string]string{}
		for _, tg := range r.Tags {
			tags[tg.Key] = tg.Value
		}
		if a.TrustPolicy != doc || a.ARN != r.Arn || a.ID != r.RoleId || a.MaxSessionDuration != v.maxSess || !maps.Equal(a.Tags, tags) {
			t.Fatalf("LookupAssumableRole = %+v, LookupRole = %+v", a, r)
		}
		return v, true
	}
	cases := []struct {
		name   string
		change func(h *harness)
		check  func(t *testing.T, v view, found bool)
	}{
		{"UpdateAssumeRolePolicy", func(h *harness) {
			must(h.svc.UpdateAssumeRolePolicy(h.ctx, &iamapi.UpdateAssumeRolePolicyInput{RoleName: "r", PolicyDocument: trustOther}))
		}, func(t *testing.T, v view, found bool) {
			if !found || v.trust != trustOther {
				t.Errorf("trust policy = %s, want the new one", v.trust)
			}
		}},
		{"TagRole", func(h *harness) {
			must(h.svc.TagRole(h.ctx, &iamapi.TagRoleInput{RoleName: "r", Tags: []iamapi.Tag{{Key: "team", Value: "b"}}}))
		}, func(t *testing.T, v view, found bool) {
			if !found || len(v.tags) != 1 || v.tags[0].Value != "b" {
				t.Errorf("tags = %+v, want team=b", v.tags)
			}
		}},
		{"UpdateRole", func(h *harness) {
			must(h.svc.UpdateRole(h.ctx, &iamapi.UpdateRoleInput{RoleName: "r", MaxSessionDuration: api.Int32(7200)}))
		}, func(t *testing.T, v view, found bool) {
			if !found || v.maxSess != 7200 {
				t.Errorf("MaxSessionDuration = %d, want 7200", v.maxSess)
			}
		}},
		{"RecordRoleUse", func(h *harness) {
			if err := h.svc.RecordRoleUse(h.ctx, acct, "r", "us-east-1"); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, v view, found bool) {
			if !found || !v.lastUsed {
				t.Error("RoleLastUsed not seen")
			}
		}},
		{"CreateRole", func(h *harness) {
			must(h.svc.CreateRole(h.ctx, &iamapi.CreateRoleInput{RoleName: "a-new", AssumeRolePolicyDocument: trustAccount}))
		}, func(t *testing.T, v view, found bool) {
			if !slices.Equal(v.names, []string{"a-new", "other", "r"}) {
				t.Errorf("ListRoles = %v", v.names)
			}
		}},
		{"DeleteRole", func(h *harness) {
			must(h.svc.DeleteRole(h.ctx, &iamapi.DeleteRoleInput{RoleName: "r"}))
		}, func(t *testing.T, v view, found bool) {
			if found {
				t.Error("LookupRole still finds the deleted role")
			}
			if !slices.Equal(v.names, []string{"other"}) {
				t.Errorf("ListRoles = %v", v.names)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			must(h.svc.CreateRole(h.ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount,
				Tags: []iamapi.Tag{{Key: "team", Value: "a"}}}))
			must(h.svc.CreateRole(h.ctx, &iamapi.CreateRoleInput{RoleName: "other", AssumeRolePolicyDocument: trustAccount}))
			before, found := read(t, h)
			if !found || before.trust != trustAccount || !slices.Equal(before.names, []string{"other", "r"}) {
				t.Fatalf("before the change: %+v found=%v", before, found)
			}
			c.change(h)
			after, found := read(t, h)
			c.check(t, after, found)
		})
	}
}

// A role created after a miss was cached is found: absence is cached at a
// generation like any record.
func TestRoleCacheForgetsAbsence(t *testing.T) {
	h := newHarness(t)
	if r := must(h.svc.LookupRole(h.ctx, acct, "later")); r != nil {
		t.Fatalf("LookupRole before CreateRole = %+v", r)
	}
	must(h.svc.CreateRole(h.ctx, &iamapi.CreateRoleInput{RoleName: "later", AssumeRolePolicyDocument: trustAccount}))
	if r := must(h.svc.LookupRole(h.ctx, acct, "later")); r == nil || r.RoleName != "later" {
		t.Fatalf("LookupRole after CreateRole = %+v", r)
	}
}

// appendRecordKey is recordKey without its allocation; they must agree.
func TestAppendRecordKey(t *testing.T) {
	for _, tc := range []struct{ name, role string }{
		{"lower", "deploy"},
		{"upper and punctuation", "Deploy+Role=A,B.C@D_E-F"},
		{"non-ASCII after ASCII", "RoleÄ"},
		{"non-ASCII first", "ÉRole"},
		{"empty", ""},
		{"longer than the stack buffer", strings.Repeat("Ab", 100)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf [128]byte
			if got, want := string(appendRecordKey(buf[:0], acct, kindRole, tc.role)), recordKey(acct, kindRole, tc.role); got != want {
				t.Errorf("appendRecordKey = %q, recordKey = %q", got, want)
			}
		})
	}
}

// Readers racing writers never keep a stale role: once the last write has
// returned, every read sees it (run with -race for the cache's locking).
func TestRoleCacheUnderConcurrentWrites(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount}))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, found, err := s.LookupAssumableRole(ctx, acct, "r"); err != nil || !found {
					t.Errorf("LookupAssumableRole = %v, %v", found, err)
					return
				}
				if _, err := s.ListRoles(ctx, &iamapi.ListRolesInput{}); err != nil {
					t.Errorf("ListRoles: %v", err)
					return
				}
			}
		}()
	}
	for i := range 50 {
		doc := trustAccount
		if i%2 == 0 {
			doc = trustOther
		}
		must(s.UpdateAssumeRolePolicy(ctx, &iamapi.UpdateAssumeRolePolicyInput{RoleName: "r", PolicyDocument: doc}))
	}
	close(stop)
	wg.Wait()
	// The last update (i = 49) set trustAccount.
	if a, _, _ := s.LookupAssumableRole(ctx, acct, "r"); a.TrustPolicy != trustAccount {
		t.Errorf("trust policy after the writes = %s", a.TrustPolicy)
	}
	l := must(s.ListRoles(ctx, &iamapi.ListRolesInput{}))
	if len(l.Roles) != 1 {
		t.Fatalf("ListRoles = %d roles", len(l.Roles))
	}
	if doc, _ := url.QueryUnescape(api.ToString(l.Roles[0].AssumeRolePolicyDocument)); doc != trustAccount {
		t.Errorf("ListRoles trust policy after the writes = %s", doc)
	}
}
