package identity

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

// Sentinel errors of credential resolution. The gateway maps them to
// SigV4's: InvalidClientTokenId / InvalidAccessKeyId, ExpiredToken.
var (
	ErrUnknownAccessKey = errors.New("identity: unknown or inactive access key")
	ErrInvalidToken     = errors.New("identity: invalid session token")
	ErrExpiredToken     = errors.New("identity: expired session token")
)

const (
	secretsTable   = "identity-secrets"
	sealingKeyName = "session-sealing-key"

	tokenVersion = 1
	// maxTokenLen bounds the work spent on a token before rejecting it; a
	// session with the largest session policy and 50 tags seals to under 8 KB.
	maxTokenLen = 16 << 10
)

// tokenAAD binds the ciphertext to its purpose and format version.
var tokenAAD = []byte("doppel session token v1")

// Sealer turns sessions into opaque session tokens and back. A token is the
// session, JSON-encoded and sealed with AES-256-GCM under a server key, so
// clients can neither read nor change it, and doppel stores nothing per
// session.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer using a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("identity: session sealing key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// LoadSealer returns the Sealer under the store's sealing key, generating
// and storing the key on first use so tokens outlive a restart.
func LoadSealer(ctx context.Context, st store.Store) (*Sealer, error) {
	var key []byte
	err := st.Update(ctx, func(tx store.Tx) error {
		v, err := tx.Get(secretsTable, sealingKeyName)
		if err == nil {
			key = append([]byte(nil), v...)
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		key = make([]byte, 32)
		rand.Read(key)
		return tx.Put(secretsTable, sealingKeyName, key)
	})
	if err != nil {
		return nil, fmt.Errorf("identity: loading the session sealing key: %w", err)
	}
	return NewSealer(key)
}

// sealedSession is what a token holds: the Session under short names, times
// as Unix nanoseconds, empty fields left out.
type sealedSession struct {
	AccessKeyID       string            `json:"k"`
	Secret            string            `json:"s"`
	Expiration        int64             `json:"x"`
	IssuedAt          int64             `json:"i"`
	Kind              Kind              `json:"t"`
	Account           string            `json:"a"`
	RoleARN           string            `json:"ra,omitempty"`
	RoleID            string            `json:"ri,omitempty"`
	SessionName       string            `json:"sn,omitempty"`
	SourceUserARN     string            `json:"ua,omitempty"`
	SourceUserID      string            `json:"ui,omitempty"`
	MFAAuthenticated  bool              `json:"m,omitempty"`
	MFAAuthTime       int64             `json:"mt,omitempty"`
	SourceIdentity    string            `json:"si,omitempty"`
	Tags              map[string]string `json:"tg,omitempty"`
	TransitiveTagKeys []string          `json:"tt,omitempty"`
	Chained           bool              `json:"c,omitempty"`
	Policies          []string          `json:"p,omitempty"`
	PolicyARNs        []string          `json:"pa,omitempty"`
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Seal returns the token for s. s.AccessKeyID must be a temporary (ASIA) key.
func (x *Sealer) Seal(s *Session) (string, error) {
	if !ValidAccessKeyID(s.AccessKeyID, PrefixTemporaryKey) || s.Secret == "" {
		return "", fmt.Errorf("identity: sealing a session needs an ASIA access key ID and a secret")
	}
	if s.Kind != Root && s.Kind != User && s.Kind != AssumedRole && s.Kind != FederatedUser || !ValidAccountID(s.Account) {
		return "", fmt.Errorf("identity: sealing a session of kind %v in account %q", s.Kind, s.Account)
	}
	plain, err := json.Marshal(sealedSession{
		AccessKeyID: s.AccessKeyID, Secret: s.Secret,
		Expiration: unixNano(s.Expiration), IssuedAt: unixNano(s.IssuedAt),
		Kind: s.Kind, Account: s.Account,
		RoleARN: s.RoleARN, RoleID: s.RoleID, SessionName: s.SessionName,
		SourceUserARN: s.SourceUserARN, SourceUserID: s.SourceUserID,
		MFAAuthenticated: s.MFAAuthenticated, MFAAuthTime: unixNano(s.MFAAuthTime),
		SourceIdentity: s.SourceIdentity, Tags: s.Tags, TransitiveTagKeys: s.TransitiveTagKeys,
		Chained: s.Chained, Policies: s.Policies, PolicyARNs: s.PolicyARNs,
	})
	if err != nil {
		return "", err
	}
	ns := x.aead.NonceSize()
	buf := make([]byte, 1+ns, 1+ns+len(plain)+x.aead.Overhead())
	buf[0] = tokenVersion
	rand.Read(buf[1:])
	buf = x.aead.Seal(buf, buf[1:1+ns], plain, tokenAAD)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// decodeToken accepts standard and URL-safe base64, padded or not: clients
// pass tokens through environment variables, files and URLs.
func decodeToken(token string) ([]byte, error) {
	enc := base64.StdEncoding
	if strings.ContainsAny(token, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(token, "=") {
		enc = enc.WithPadding(base64.NoPadding)
	}
	return enc.Strict().DecodeString(token)
}

// Open returns the session sealed in token, or ErrInvalidToken for anything
// doppel did not seal with this key (garbage, edited, truncated, foreign).
// It does not check expiry.
func (x *Sealer) Open(token string) (*Session, error) {
	if token == "" || len(token) > maxTokenLen {
		return nil, ErrInvalidToken
	}
	raw, err := decodeToken(token)
	ns := x.aead.NonceSize()
	if err != nil || len(raw) < 1+ns+x.aead.Overhead() || raw[0] != tokenVersion {
		return nil, ErrInvalidToken
	}
	plain, err := x.aead.Open(nil, raw[1:1+ns], raw[1+ns:], tokenAAD)
	if err != nil {
		return nil, ErrInvalidToken
	}
	var w sealedSession
	if err := json.Unmarshal(plain, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return &Session{
		AccessKeyID: w.AccessKeyID, Secret: w.Secret,
		Expiration: fromUnixNano(w.Expiration), IssuedAt: fromUnixNano(w.IssuedAt),
		Kind: w.Kind, Account: w.Account,
		RoleARN: w.RoleARN, RoleID: w.RoleID, SessionName: w.SessionName,
		SourceUserARN: w.SourceUserARN, SourceUserID: w.SourceUserID,
		MFAAuthenticated: w.MFAAuthenticated, MFAAuthTime: fromUnixNano(w.MFAAuthTime),
		SourceIdentity: w.SourceIdentity, Tags: w.Tags, TransitiveTagKeys: w.TransitiveTagKeys,
		Chained: w.Chained, Policies: w.Policies, PolicyARNs: w.PolicyARNs,
	}, nil
}

// SessionPrincipal is the principal a session's credentials stand for.
//   - AssumedRole: arn:aws:sts::ACCT:assumed-role/ROLE/SESSION (the role's
//     name without its path), user ID ROLEID:SESSION.
//   - FederatedUser: arn:aws:sts::ACCT:federated-user/NAME, user ID ACCT:NAME.
//   - User and Root (GetSessionToken): the long-term identity's own ARN and ID.
//
// (IAM User Guide, "IAM identifiers" and the GetCallerIdentity examples.)
func SessionPrincipal(s *Session) *Principal {
	p := &Principal{Kind: s.Kind, Account: s.Account, AccessKeyID: s.AccessKeyID, Session: s}
	switch s.Kind {
	case AssumedRole:
		p.Name = s.RoleARN[strings.LastIndexByte(s.RoleARN, '/')+1:]
		p.ARN = "arn:aws:sts::" + s.Account + ":assumed-role/" + p.Name + "/" + s.SessionName
		p.UserID = s.RoleID + ":" + s.SessionName
	case FederatedUser:
		p.Name = s.SessionName
		p.ARN = "arn:aws:sts::" + s.Account + ":federated-user/" + s.SessionName
		p.UserID = s.Account + ":" + s.SessionName
	case Root:
		p.ARN, p.UserID = RootARN(s.Account), s.Account
	case User:
		p.ARN, p.UserID = s.SourceUserARN, s.SourceUserID
		p.Name = s.SourceUserARN[strings.LastIndexByte(s.SourceUserARN, '/')+1:]
	}
	return p
}
