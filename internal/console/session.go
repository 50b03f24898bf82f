package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/service/iam"
)

const (
	cookieName = "doppel_console"
	// sessionTTL: the AWS console signs an IAM user out after 12 hours
	// (IAM User Guide, "Permissions required to access IAM resources":
	// console sessions last 12 hours).
	sessionTTL = 12 * time.Hour
	// preSessionTTL bounds a session that never signed in (sign-in form,
	// MFA step).
	preSessionTTL = 15 * time.Minute
	// maxSessions bounds memory against a flood of sign-in page loads.
	maxSessions = 10000
)

// session is one browser's console session, kept in memory only: a restart
// signs everyone out, as it should for a local tool.
type session struct {
	// mu serializes the requests of one session: pages change its state
	// (wizard, role, flash).
	mu      sync.Mutex
	id      string
	csrf    string
	created time.Time

	// base is who signed in; nil before sign-in completes.
	base *identity.Principal
	// role is the session after Switch role, nil when acting as base.
	role        *identity.Principal
	roleDisplay string // "ROLE @ ACCOUNT", shown in the header
	// roleHistory lists the roles switched to, newest first, as the AWS
	// console's "Role history".
	roleHistory []switchTarget
	accountName string // the signed-in account's name

	// pending is a user who gave a good password and must still give an MFA
	// code, or choose a new password.
	pending *pendingUser

	wizard   *wizardState
	mfaSetup *mfaSetup
	flash    *notice
}

type switchTarget struct {
	Account string
	Role    string
}

type pendingUser struct {
	account, accountName string
	user                 iam.ConsoleUser
	stage                string              // stageMFA or stageReset
	principal            *identity.Principal // once the MFA step (if any) is passed
}

const (
	stageMFA   = "mfa"
	stageReset = "reset"
)

// acting is the principal console calls are made as.
func (s *session) acting() *identity.Principal {
	if s.role != nil {
		return s.role
	}
	return s.base
}

type sessions struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*session
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: map[string]*session{}}
}

func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// get returns the request's live session, or nil.
func (ss *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[c.Value]
	if s == nil {
		return nil
	}
	if ss.expired(s) {
		delete(ss.m, s.id)
		return nil
	}
	return s
}

func (ss *sessions) expired(s *session) bool {
	ttl := sessionTTL
	if s.base == nil {
		ttl = preSessionTTL
	}
	return ss.now().Sub(s.created) > ttl
}

// create starts a new session (signed in as base, or nil before sign-in)
// and sets its cookie. A session ID is never
// reused across sign-in: sign-in creates a fresh one (no session fixation).
func (ss *sessions) create(w http.ResponseWriter, r *http.Request, base *identity.Principal, accountName string) *session {
	s := &session{id: randomToken(), csrf: randomToken(), created: ss.now(), base: base, accountName: accountName}
	ss.mu.Lock()
	if len(ss.m) >= maxSessions {
		for id, old := range ss.m {
			if ss.expired(old) || old.base == nil {
				delete(ss.m, id)
			}
		}
	}
	ss.m[s.id] = s
	ss.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: s.id, Path: Prefix + "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	return s
}

func (ss *sessions) delete(w http.ResponseWriter, r *http.Request, s *session) {
	ss.mu.Lock()
	delete(ss.m, s.id)
	ss.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: Prefix + "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
}

// checkCSRF refuses a POST whose form lacks the session's token. Multipart
// forms (uploads) are parsed here too, so the token is read from them.
func (h *Handler) checkCSRF(w http.ResponseWriter, r *http.Request, s *session) bool {
	var token string
	if ct := r.Header.Get("Content-Type"); len(ct) >= 19 && ct[:19] == "multipart/form-data" {
		// Uploads: up to PutObject's 5 GiB; beyond 32 MiB the parts go to
		// temporary files, which net/http removes after the request.
		r.Body = http.MaxBytesReader(w, r.Body, 5<<30)
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			http.Error(w, "The form could not be read.", http.StatusBadRequest)
			return false
		}
		token = r.FormValue("csrf")
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "The form could not be read.", http.StatusBadRequest)
			return false
		}
		token = r.PostFormValue("csrf")
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) != 1 {
		http.Error(w, "The form's security token is missing or stale; reload the page and try again.", http.StatusForbidden)
		return false
	}
	return true
}
