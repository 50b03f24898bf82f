package identity

import (
	"regexp"
	"testing"
)

func TestGeneratedIDs(t *testing.T) {
	tests := []struct {
		name string
		gen  func() string
		re   string
	}{
		{"access key ID", NewAccessKeyID, `^AKIA[A-Z2-7]{16}$`},
		{"temporary access key ID", NewTemporaryAccessKeyID, `^ASIA[A-Z2-7]{16}$`},
		{"secret", NewSecretAccessKey, `^[A-Za-z0-9+/]{40}$`},
		{"user ID", func() string { return NewUniqueID(PrefixUser) }, `^AIDA[A-Z2-7]{17}$`},
		{"role ID", func() string { return NewUniqueID(PrefixRole) }, `^AROA[A-Z2-7]{17}$`},
		{"policy ID", func() string { return NewUniqueID(PrefixPolicy) }, `^ANPA[A-Z2-7]{17}$`},
		{"group ID", func() string { return NewUniqueID(PrefixGroup) }, `^AGPA[A-Z2-7]{17}$`},
		{"instance profile ID", func() string { return NewUniqueID(PrefixInstanceProfile) }, `^AIPA[A-Z2-7]{17}$`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			re := regexp.MustCompile(tc.re)
			seen := map[string]bool{}
			for range 500 {
				id := tc.gen()
				if !re.MatchString(id) {
					t.Fatalf("%q does not match %s", id, tc.re)
				}
				if seen[id] {
					t.Fatalf("%q generated twice", id)
				}
				seen[id] = true
			}
		})
	}
}

func TestValidAccountID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"111111111111", true},
		{"000000000000", true},
		{"11111111111", false},
		{"1111111111111", false},
		{"11111111111a", false},
		{"", false},
		{"-11111111111", false},
		{"１１１１１１１１１１１１", false}, // full-width digits
	}
	for _, tc := range tests {
		if got := ValidAccountID(tc.id); got != tc.want {
			t.Errorf("ValidAccountID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestValidAccessKeyID(t *testing.T) {
	tests := []struct {
		name, id, prefix string
		want             bool
	}{
		{"long-term", "AKIAIOSFODNN7EXAMPLE", PrefixAccessKey, true},
		{"temporary", "ASIAIOSFODNN7EXAMPLE", PrefixTemporaryKey, true},
		{"wrong prefix", "ASIAIOSFODNN7EXAMPLE", PrefixAccessKey, false},
		{"too short", "AKIAIOSFODNN7EXAMPL", PrefixAccessKey, false},
		{"too long", "AKIAIOSFODNN7EXAMPLEX", PrefixAccessKey, false},
		{"any digit", "AKIA0189000000000000", PrefixAccessKey, true},
		{"punctuation", "AKIAIOSFODNN7EXAMPL-", PrefixAccessKey, false},
		{"lower case", "AKIAiosfodnn7example", PrefixAccessKey, false},
		{"empty", "", PrefixAccessKey, false},
	}
	for _, tc := range tests {
		if got := ValidAccessKeyID(tc.id, tc.prefix); got != tc.want {
			t.Errorf("%s: ValidAccessKeyID(%q, %q) = %v, want %v", tc.name, tc.id, tc.prefix, got, tc.want)
		}
	}
}

func TestKindText(t *testing.T) {
	for _, k := range []Kind{Anonymous, Root, User, AssumedRole, FederatedUser} {
		b, _ := k.MarshalText()
		var got Kind
		if err := got.UnmarshalText(b); err != nil || got != k {
			t.Errorf("%v: round trip gave %v, %v", k, got, err)
		}
	}
	var k Kind
	if err := k.UnmarshalText([]byte("Admin")); err == nil {
		t.Error("unknown kind accepted")
	}
}
