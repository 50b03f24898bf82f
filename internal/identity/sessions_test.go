package identity

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

func testSealer(t testing.TB) *Sealer {
	s, err := NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fullSession() *Session {
	return &Session{
		AccessKeyID: NewTemporaryAccessKeyID(), Secret: NewSecretAccessKey(),
		Expiration: t0.Add(time.Hour), IssuedAt: t0,
		Kind: AssumedRole, Account: "222222222222",
		RoleARN: "arn:aws:iam::222222222222:role/ci/deployer", RoleID: "AROAEXAMPLE234567ABCD", SessionName: "terraform",
		SourceUserARN: "arn:aws:iam::111111111111:user/alice", SourceUserID: "AIDAEXAMPLE234567ABCD",
		MFAAuthenticated: true, MFAAuthTime: t0.Add(-time.Minute),
		SourceIdentity: "alice", Tags: map[string]string{"team": "infra", "Project": "x"},
		TransitiveTagKeys: []string{"team"}, Chained: true,
		Policies: []string{`{"Version":"2012-10-17","Statement":[]}`}, PolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
	}
}

func TestSealRoundTrip(t *testing.T) {
	x := testSealer(t)
	tests := []struct {
		name string
		sess *Session
	}{
		{"every field", fullSession()},
		{"minimal root session", &Session{AccessKeyID: NewTemporaryAccessKeyID(), Secret: NewSecretAccessKey(), Kind: Root, Account: "111111111111", Expiration: t0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token, err := x.Seal(tc.sess)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := base64.StdEncoding.DecodeString(token); err != nil {
				t.Errorf("token is not standard base64: %v", err)
			}
			if strings.Contains(token, tc.sess.Secret) || strings.Contains(token, "terraform") {
				t.Error("token shows its contents")
			}
			got, err := x.Open(token)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.sess) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tc.sess)
			}
		})
	}
}

func TestSealRefuses(t *testing.T) {
	x := testSealer(t)
	tests := []struct {
		name string
		mod  func(*Session)
	}{
		{"AKIA key", func(s *Session) { s.AccessKeyID = NewAccessKeyID() }},
		{"no secret", func(s *Session) { s.Secret = "" }},
		{"anonymous", func(s *Session) { s.Kind = Anonymous }},
		{"bad account", func(s *Session) { s.Account = "x" }},
	}
	for _, tc := range tests {
		s := fullSession()
		tc.mod(s)
		if _, err := x.Seal(s); err == nil {
			t.Errorf("%s: sealed", tc.name)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	x := testSealer(t)
	token, err := x.Seal(fullSession())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(token)
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32))
	foreign, _ := other.Seal(fullSession())
	edit := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return base64.StdEncoding.EncodeToString(b)
	}
	tests := []struct {
		name, token string
	}{
		{"empty", ""},
		{"not base64", "!!!!"},
		{"an AWS-looking token", "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD"},
		{"version byte edited", edit(0)},
		{"nonce edited", edit(3)},
		{"ciphertext edited", edit(len(raw) / 2)},
		{"tag edited", edit(len(raw) - 1)},
		{"truncated", base64.StdEncoding.EncodeToString(raw[:len(raw)-1])},
		{"header only", base64.StdEncoding.EncodeToString(raw[:13])},
		{"extended", base64.StdEncoding.EncodeToString(append(bytes.Clone(raw), 0))},
		{"sealed under another key", foreign},
		{"too long", strings.Repeat("A", maxTokenLen+4)},
	}
	for _, tc := range tests {
		if s, err := x.Open(tc.token); !errors.Is(err, ErrInvalidToken) || s != nil {
			t.Errorf("%s: got %v, %v; want ErrInvalidToken", tc.name, s, err)
		}
	}
}

func TestOpenAcceptsBase64Variants(t *testing.T) {
	x := testSealer(t)
	// Seal until the token has both '+' or '/' and padding, so each variant differs.
	var token string
	for {
		token, _ = x.Seal(fullSession())
		if strings.ContainsAny(token, "+/") && strings.HasSuffix(token, "=") {
			break
		}
	}
	raw, _ := base64.StdEncoding.DecodeString(token)
	tests := []struct{ name, token string }{
		{"standard", token},
		{"standard unpadded", base64.RawStdEncoding.EncodeToString(raw)},
		{"URL-safe", base64.URLEncoding.EncodeToString(raw)},
		{"URL-safe unpadded", base64.RawURLEncoding.EncodeToString(raw)},
	}
	for _, tc := range tests {
		if _, err := x.Open(tc.token); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestLoadSealerKeepsKey(t *testing.T) {
	st := store.NewMemory()
	ctx := context.Background()
	first, err := LoadSealer(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	token, _ := first.Seal(fullSession())
	second, err := LoadSealer(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Open(token); err != nil {
		t.Fatalf("a token from before the reload: %v", err)
	}
	// Another store (another installation) has its own key.
	third, _ := LoadSealer(ctx, store.NewMemory())
	if _, err := third.Open(token); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("another store's key opened the token: %v", err)
	}
}

func TestSessionPrincipal(t *testing.T) {
	tests := []struct {
		name                   string
		sess                   Session
		wantARN, wantID, wantN string
	}{
		{"assumed role with a path", Session{Kind: AssumedRole, Account: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/ci/deployer", RoleID: "AROAEXAMPLE", SessionName: "tf"},
			"arn:aws:sts::222222222222:assumed-role/deployer/tf", "AROAEXAMPLE:tf", "deployer"},
		{"federated user", Session{Kind: FederatedUser, Account: "111111111111", SessionName: "bob", SourceUserARN: "arn:aws:iam::111111111111:user/alice"},
			"arn:aws:sts::111111111111:federated-user/bob", "111111111111:bob", "bob"},
		{"user's session token", Session{Kind: User, Account: "111111111111", SourceUserARN: "arn:aws:iam::111111111111:user/dev/alice", SourceUserID: "AIDAEXAMPLE"},
			"arn:aws:iam::111111111111:user/dev/alice", "AIDAEXAMPLE", "alice"},
		{"root's session token", Session{Kind: Root, Account: "111111111111"},
			"arn:aws:iam::111111111111:root", "111111111111", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.sess.AccessKeyID = "ASIAEXAMPLE"
			p := SessionPrincipal(&tc.sess)
			if p.ARN != tc.wantARN || p.UserID != tc.wantID || p.Name != tc.wantN || p.Kind != tc.sess.Kind ||
				p.Account != tc.sess.Account || p.AccessKeyID != "ASIAEXAMPLE" || p.Session != &tc.sess {
				t.Errorf("got %+v", p)
			}
		})
	}
}

func FuzzOpenSession(f *testing.F) {
	x := testSealer(f)
	token, _ := x.Seal(fullSession())
	raw, _ := base64.StdEncoding.DecodeString(token)
	f.Add(token)
	f.Add("")
	f.Add("AQ==")
	f.Add(base64.StdEncoding.EncodeToString(raw[:20]))
	f.Add(base64.RawURLEncoding.EncodeToString(raw))
	f.Fuzz(func(t *testing.T, s string) {
		sess, err := x.Open(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) || sess != nil {
				t.Fatalf("Open(%q) = %v, %v", s, sess, err)
			}
			return
		}
		if sess.AccessKeyID == "" || sess.Secret == "" {
			t.Fatalf("Open(%q) gave an empty session", s)
		}
	})
}
