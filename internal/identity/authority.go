package identity

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

// Authority answers, for a request's access key ID and session token, who
// is calling and with which secret the request must be signed; it also issues
// the temporary credentials of STS sessions.
type Authority struct {
	store  store.Store
	sealer *Sealer
	log    *slog.Logger

	mu    sync.RWMutex
	gen   uint64              // the store generation the cache reflects
	cache map[string]keyEntry // AKIA key ID -> what it resolves to

	// sessions caches opened tokens: a token never changes what it says,
	// and opening one (AES-GCM and JSON) costs far more than a map lookup.
	sessMu   sync.RWMutex
	sessions map[string]*Session

	usage usageRecorder

	// principals tells who holds a user or role name now; live caches its
	// answers at generation liveGen.
	principals Principals
	liveMu     sync.RWMutex
	liveGen    uint64
	live       map[liveKey]bool
}

// Principals tells the Authority which IAM user or role holds a name now, so
// that credentials stay with the identity they were issued to. A user or role
// deleted and created again under the same name has a new unique ID, and the
// old one's sessions and keys must not act as the new one: AWS resolves
// principals by unique ID (IAM User Guide, "IAM identifiers", unique IDs).
// IAM implements it.
type Principals interface {
	// UniqueID returns the unique ID (AIDA..., AROA...) of the user (kind
	// "user") or role ("role") called name in account, or "" when there is
	// none.
	UniqueID(ctx context.Context, account, kind, name string) (string, error)
	// Generation moves whenever a user or role may have been created or
	// deleted.
	Generation() uint64
}

type liveKey struct{ account, kind, name, id string }

// keyEntry is a cached lookup; p is nil for a key that is unknown or inactive.
type keyEntry struct {
	p      *Principal
	secret string
}

// maxCachedKeys bounds the cache against floods of made-up key IDs.
const maxCachedKeys = 10000

// Options tunes NewAuthority. The zero value is ready to use.
type Options struct {
	// UsageFlushDelay is how long key use is batched before it is written
	// (default 5 s). Each key's use is recorded at most once a minute.
	UsageFlushDelay time.Duration
	Logger          *slog.Logger // default slog.Default()
	// Principals checks that the user or role behind a credential is still
	// the one it was issued to. nil trusts every credential's names (for
	// tests of this package, which have no IAM).
	Principals Principals
}

// NewAuthority returns an Authority over st, loading (or creating) the
// session sealing key kept there.
func NewAuthority(ctx context.Context, st store.Store, opts Options) (*Authority, error) {
	sealer, err := LoadSealer(ctx, st)
	if err != nil {
		return nil, err
	}
	a := &Authority{store: st, sealer: sealer, log: opts.Logger, cache: map[string]keyEntry{}, sessions: map[string]*Session{},
		principals: opts.Principals, live: map[liveKey]bool{}}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.usage.init(a, opts.UsageFlushDelay)
	return a, nil
}

// IssueSession creates temporary credentials for s: a new ASIA access key ID,
// a secret, and the session token that carries them and s. s itself is not
// changed.
func (a *Authority) IssueSession(_ context.Context, s *Session) (accessKeyID, secret, token string, err error) {
	c := *s
	c.AccessKeyID, c.Secret = NewTemporaryAccessKeyID(), NewSecretAccessKey()
	token, err = a.sealer.Seal(&c)
	if err != nil {
		return "", "", "", err
	}
	return c.AccessKeyID, c.Secret, token, nil
}

// OpenSession returns the session sealed in token, or ErrInvalidToken. It
// does not check expiry; Resolve does.
func (a *Authority) OpenSession(token string) (*Session, error) { return a.sealer.Open(token) }

// Resolve finds who signed with accessKeyID (and sessionToken, for temporary
// credentials) and the secret the signature must be checked against.
//
//   - AKIA keys: the root or IAM user owning the key; unknown and inactive
//     keys are ErrUnknownAccessKey. A session token alongside a long-term key
//     is ErrInvalidToken, as on AWS.
//   - ASIA keys: the session sealed in the token. A missing, forged or edited
//     token, or one sealed for another key ID, is ErrInvalidToken; a session
//     past its expiration is ErrExpiredToken.
//
// Either is refused, as an unknown key or an invalid token, when the IAM user
// or role it was issued to is gone, even if another now has its name.
func (a *Authority) Resolve(ctx context.Context, accessKeyID, sessionToken string, now time.Time) (*Principal, string, error) {
	switch {
	case strings.HasPrefix(accessKeyID, PrefixTemporaryKey):
		if sessionToken == "" {
			return nil, "", ErrInvalidToken
		}
		s, err := a.openCached(sessionToken)
		if err != nil {
			return nil, "", err
		}
		if s.AccessKeyID != accessKeyID {
			return nil, "", ErrInvalidToken
		}
		if !now.Before(s.Expiration) {
			return nil, "", ErrExpiredToken
		}
		p := SessionPrincipal(s)
		if err := a.Current(ctx, p); err != nil {
			return nil, "", err
		}
		return p, s.Secret, nil
	case strings.HasPrefix(accessKeyID, PrefixAccessKey):
		if sessionToken != "" {
			return nil, "", ErrInvalidToken
		}
		e, err := a.lookupKey(ctx, accessKeyID)
		if err != nil {
			return nil, "", err
		}
		if e.p == nil {
			return nil, "", ErrUnknownAccessKey
		}
		// IAM refuses to delete a user who still has keys; this holds even
		// if a key outlived its user some other way.
		if err := a.Current(ctx, e.p); err != nil {
			return nil, "", err
		}
		p := *e.p // callers may change their copy
		return &p, e.secret, nil
	}
	return nil, "", ErrUnknownAccessKey
}

// openCached opens token, remembering the result. Each caller gets its own
// copy of the Session struct; its maps and slices are shared and read-only.
func (a *Authority) openCached(token string) (*Session, error) {
	a.sessMu.RLock()
	s, ok := a.sessions[token]
	a.sessMu.RUnlock()
	if !ok {
		var err error
		if s, err = a.sealer.Open(token); err != nil {
			return nil, err
		}
		a.sessMu.Lock()
		if len(a.sessions) >= maxCachedSessions {
			clear(a.sessions)
		}
		a.sessions[token] = s
		a.sessMu.Unlock()
	}
	c := *s
	return &c, nil
}

// Current returns nil when p's IAM user or role (the role of a role session,
// the user of a key or of a GetSessionToken session, the user who federated)
// is still the one with the unique ID p carries. Otherwise it returns
// ErrInvalidToken for temporary credentials and ErrUnknownAccessKey for a
// long-term key. Resolve calls it for every request; holders of principals
// that outlive a request (the console's sign-ins) call it on each use.
func (a *Authority) Current(ctx context.Context, p *Principal) error {
	kind, name, id := owner(p)
	if kind == "" {
		return nil
	}
	ok, err := a.current(ctx, p.Account, kind, name, id)
	switch {
	case err != nil:
		return err
	case ok:
		return nil
	case p.Session != nil:
		return ErrInvalidToken
	}
	return ErrUnknownAccessKey
}

// owner names the IAM user or role whose unique ID p must still match. kind
// is "" for roots and their sessions, which have no IAM identity to outlive.
func owner(p *Principal) (kind, name, id string) {
	s := p.Session
	if s == nil {
		if p.Kind == User {
			return "user", p.Name, p.UserID
		}
		return "", "", ""
	}
	switch s.Kind {
	case AssumedRole:
		return "role", lastSegment(s.RoleARN), s.RoleID
	case User:
		return "user", lastSegment(s.SourceUserARN), s.SourceUserID
	case FederatedUser:
		if s.SourceUserARN != RootARN(s.Account) {
			return "user", lastSegment(s.SourceUserARN), s.SourceUserID
		}
	}
	return "", "", ""
}

func lastSegment(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

// current reports whether the user or role name of account is still the one
// with unique ID id, through a cache dropped whenever IAM's state moves.
func (a *Authority) current(ctx context.Context, account, kind, name, id string) (bool, error) {
	if a.principals == nil {
		return true, nil
	}
	if id == "" || name == "" {
		return false, nil
	}
	k := liveKey{account, kind, name, id}
	gen := a.principals.Generation()
	a.liveMu.RLock()
	ok, cached := a.live[k]
	fresh := a.liveGen == gen
	a.liveMu.RUnlock()
	if cached && fresh {
		return ok, nil
	}
	// As in lookupKey: gen was read first, so a cached answer is never newer
	// than the generation it is filed under.
	got, err := a.principals.UniqueID(ctx, account, kind, name)
	if err != nil {
		return false, err
	}
	ok = got == id
	a.liveMu.Lock()
	switch {
	case gen > a.liveGen:
		clear(a.live)
		a.liveGen = gen
	case len(a.live) >= maxCachedKeys:
		clear(a.live)
	}
	if gen == a.liveGen {
		a.live[k] = ok
	}
	a.liveMu.Unlock()
	return ok, nil
}

// maxCachedSessions bounds the session cache; it is simply emptied when full.
const maxCachedSessions = 4096

// lookupKey reads a long-term key through a cache that is dropped whenever
// the access-key table's generation moves, so IAM's changes (a deleted or deactivated
// key) count from the next request on.
func (a *Authority) lookupKey(ctx context.Context, id string) (keyEntry, error) {
	gen := a.store.TableGeneration(accessKeysTable)
	a.mu.RLock()
	e, ok := a.cache[id]
	fresh := a.gen == gen
	a.mu.RUnlock()
	if ok && fresh {
		return e, nil
	}
	// gen was read before the View, so an entry tagged with it is never newer
	// than the state it claims; a commit in between only drops it early.
	err := a.store.View(ctx, func(tx store.Tx) error {
		k, err := GetAccessKey(tx, id)
		if errors.Is(err, store.ErrNotFound) {
			e = keyEntry{}
			return nil
		}
		if err != nil {
			return err
		}
		e = entryFor(k)
		return nil
	})
	if err != nil {
		return keyEntry{}, err
	}
	a.mu.Lock()
	if gen > a.gen || len(a.cache) >= maxCachedKeys {
		clear(a.cache)
		a.gen = gen
	}
	if gen == a.gen {
		a.cache[id] = e
	}
	a.mu.Unlock()
	return e, nil
}

func entryFor(k AccessKey) keyEntry {
	if k.Status != KeyActive {
		return keyEntry{}
	}
	p := &Principal{Kind: k.Kind, Account: k.Account, ARN: k.UserARN, UserID: k.UserID, AccessKeyID: k.AccessKeyID}
	if k.Kind == User {
		p.Name = k.UserName
	}
	return keyEntry{p: p, secret: k.Secret}
}

// RecordUse notes that a long-term key signed a request that verified, for
// GetAccessKeyLastUsed. It never writes on the caller's path: uses are
// batched and written by a timer, each key at most once a minute (AWS, too,
// reports the last use only approximately). Temporary keys are ignored.
func (a *Authority) RecordUse(accessKeyID, service, region string, at time.Time) {
	if strings.HasPrefix(accessKeyID, PrefixAccessKey) {
		a.usage.record(accessKeyID, keyUse{at: at.UTC(), service: service, region: region})
	}
}

// FlushUsage writes the key uses recorded so far.
func (a *Authority) FlushUsage(ctx context.Context) error { return a.usage.flush(ctx) }

// Close writes the pending key uses. The store stays open: its owner closes it.
func (a *Authority) Close(ctx context.Context) error {
	a.usage.stop()
	return a.usage.flush(ctx)
}
