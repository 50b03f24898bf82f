package iam

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/doppel-aws/doppel/internal/store"
)

// Storage layout: one table; every key starts with the account ID, then the
// kind of record, then the entity's name in lower case, because IAM names are
// unique without regard to case (IAM User Guide, "IAM identifiers").
// Records are JSON. Access keys are internal/identity's records.
const table = "iam"

const (
	kindUser     = "user"
	kindGroup    = "group"
	kindRole     = "role"
	kindPolicy   = "policy"
	kindAWSUsage = "aws-policy-usage" // per-account counts of AWS managed policies
	kindMFA      = "mfa"
	kindProfile  = "instance-profile"
	kindOIDC     = "oidc-provider"
	kindAccount  = "account"
)

func recordKey(account, kind, name string) string {
	return account + "/" + kind + "/" + strings.ToLower(name)
}

// appendRecordKey appends recordKey(account, kind, name) to dst, lowering
// ASCII in place and leaving any other name to strings.ToLower.
func appendRecordKey(dst []byte, account, kind, name string) []byte {
	dst = append(append(append(append(dst, account...), '/'), kind...), '/')
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf {
			return append(dst[:len(dst)-i], strings.ToLower(name)...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func kindPrefix(account, kind string) string { return account + "/" + kind + "/" }

type tag struct {
	Key   string
	Value string
}

type userRec struct {
	Name     string
	Path     string
	ID       string
	Created  time.Time
	Boundary string // permissions boundary policy ARN
	Tags     []tag
	Groups   []string          // group names, in the order joined
	Attached []string          // managed policy ARNs, in the order attached
	Inline   map[string]string // policy name -> document
	MFA      []string          // serial numbers of enabled devices
	Login    *loginProfile
	// PasswordLastUsed is set by the console sign-in.
	PasswordLastUsed *time.Time
}

type loginProfile struct {
	Password      string
	Created       time.Time
	Changed       time.Time // when the password was last set
	ResetRequired bool
}

type groupRec struct {
	Name     string
	Path     string
	ID       string
	Created  time.Time
	Members  []string // user names
	Attached []string
	Inline   map[string]string
}

type roleRec struct {
	Name               string
	Path               string
	ID                 string
	Created            time.Time
	Description        *string
	AssumeRolePolicy   string
	MaxSessionDuration int32
	Boundary           string
	Tags               []tag
	Attached           []string
	Inline             map[string]string
	Profiles           []string // instance profile names
	LastUsed           *time.Time
	LastUsedRegion     string
	// TrustIDs binds the users and roles the trust policy names to their
	// unique IDs: ARN -> AIDA.../AROA... (trustids.go).
	TrustIDs map[string]string `json:",omitempty"`
}

type policyVersion struct {
	ID      string
	Doc     string
	Created time.Time
}

type policyRec struct {
	Name         string
	Path         string
	ID           string
	Description  *string
	Created      time.Time
	Updated      time.Time
	Default      string // version ID
	Versions     []policyVersion
	NextVersion  int
	Attachments  int
	BoundaryUses int
	Tags         []tag
}

// awsUsage counts, per account, attachments of one AWS managed policy.
type awsUsage struct {
	ARN          string
	Attachments  int
	BoundaryUses int
}

type mfaRec struct {
	Name     string
	Path     string
	Serial   string
	Seed     string
	Created  time.Time
	User     string // "" while unassigned
	Enabled  *time.Time
	LastStep int64
	Tags     []tag
}

type profileRec struct {
	Name    string
	Path    string
	ID      string
	Created time.Time
	Roles   []string
	Tags    []tag
}

type oidcRec struct {
	URL         string // without scheme, as it appears in the ARN
	ClientIDs   []string
	Thumbprints []string
	Created     time.Time
	Tags        []tag
}

type accountRec struct {
	Alias          string
	PasswordPolicy *passwordPolicy
	Report         *credentialReport
	// TokenVersion is the STS global endpoint's token version, 1 (the
	// default: valid only in default-enabled regions) or 2.
	TokenVersion int32 `json:",omitempty"`
}

// credentialReport is the account's last generated credential report.
type credentialReport struct {
	Generated time.Time
	CSV       []byte
}

type passwordPolicy struct {
	MinimumPasswordLength      int32
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	AllowUsersToChangePassword bool
	MaxPasswordAge             *int32
	PasswordReusePrevention    *int32
	HardExpiry                 *bool
}

// get reads the record at key; found is false when it is missing.
func get[T any](tx store.Tx, key string) (T, bool, error) {
	v, err := store.GetJSON[T](tx, table, key)
	if errors.Is(err, store.ErrNotFound) {
		return v, false, nil
	}
	return v, err == nil, err
}

func put(tx store.Tx, key string, v any) error { return store.PutJSON(tx, table, key, v) }

// scan returns every record of one kind in an account, in key order.
func scan[T any](tx store.Tx, account, kind string) ([]T, error) {
	var out []T
	err := store.ScanJSON(tx, table, kindPrefix(account, kind), "", func(_ string, v T) (bool, error) {
		out = append(out, v)
		return true, nil
	})
	return out, err
}

func remove(list []string, s string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
