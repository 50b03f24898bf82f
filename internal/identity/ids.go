package identity

import (
	"crypto/rand"
	"strings"
)

// Prefixes of the identifiers AWS gives its entities (IAM User Guide, "IAM
// identifiers", unique ID prefixes).
const (
	PrefixAccessKey       = "AKIA" // long-term access key
	PrefixTemporaryKey    = "ASIA" // temporary (STS) access key
	PrefixUser            = "AIDA"
	PrefixRole            = "AROA"
	PrefixPolicy          = "ANPA"
	PrefixGroup           = "AGPA"
	PrefixInstanceProfile = "AIPA"
)

// base32 is the alphabet of AWS key and unique IDs: upper-case letters and
// the digits 2-7. 32 divides 256, so a random byte masked to 5 bits picks
// each character with equal chance.
const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// secretAlphabet is the alphabet of AWS secret access keys (base64's).
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// randomString returns n characters of alphabet (32 or 64 long) from crypto/rand.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+): it crashes the program instead
	mask := byte(len(alphabet) - 1)
	for i := range b {
		b[i] = alphabet[b[i]&mask]
	}
	return string(b)
}

// NewAccessKeyID returns a new long-term access key ID: AKIA and 16
// characters, 20 in all, as AWS's are.
func NewAccessKeyID() string { return PrefixAccessKey + randomString(base32, 16) }

// NewTemporaryAccessKeyID returns a new ASIA access key ID for STS credentials.
func NewTemporaryAccessKeyID() string { return PrefixTemporaryKey + randomString(base32, 16) }

// NewSecretAccessKey returns a new 40-character secret access key.
func NewSecretAccessKey() string { return randomString(secretAlphabet, 40) }

// NewUniqueID returns prefix (PrefixUser, PrefixRole, ...) and 17 random
// characters: the 21-character unique IDs IAM gives users, roles, groups,
// policies and instance profiles.
func NewUniqueID(prefix string) string { return prefix + randomString(base32, 17) }

// ValidAccountID reports whether id is an AWS account ID: exactly 12 digits.
func ValidAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// ValidAccessKeyID reports whether id has the shape of an access key ID
// with the given prefix: the prefix and 16 upper-case letters or digits, 20
// characters as AWS's are. doppel generates only [A-Z2-7], but accepts any
// digit in keys users choose (IAM's API allows [\w]+ of 16 to 128).
func ValidAccessKeyID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) != 16 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// NewAccountID returns a random 12-digit account ID that does not start
// with 0, for accounts Organizations creates; the caller checks it is free.
func NewAccountID() string {
	b := make([]byte, 12)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1' + b[1]%9
	}
	return string(b)
}
