package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"io"
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
	// maxSessions bounds each pool of sessions (anonymous, and those that
	// hold a sign-in) against a flood of sign-in page loads.
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
	failures             int                 // wrong MFA codes given
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

// sessions holds the console's sessions in two pools. Anonymous ones (the
// sign-in form, before any good password) cost nothing to make, so a flood of
// page loads may evict them, and only them; sessions that hold something (a
// sign-in waiting for its MFA code or new password, or a signed-in person)
// are never evicted to make room for an anonymous one.
type sessions struct {
	now  func() time.Time
	mu   sync.Mutex
	m    map[string]*session // every live session
	anon map[string]*session // the anonymous ones among m
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: map[string]*session{}, anon: map[string]*session{}}
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
		ss.remove(s.id)
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

func (ss *sessions) remove(id string) {
	delete(ss.m, id)
	delete(ss.anon, id)
}

// create starts a new session (signed in as base, or nil before sign-in)
// and sets its cookie. A session ID is never
// reused across sign-in: sign-in creates a fresh one (no session fixation).
func (ss *sessions) create(w http.ResponseWriter, r *http.Request, base *identity.Principal, accountName string) *session {
	s := &session{id: randomToken(), csrf: randomToken(), created: ss.now(), base: base, accountName: accountName}
	ss.mu.Lock()
	if base == nil {
		if len(ss.anon) >= maxSessions {
			ss.evict(true)
		}
		ss.anon[s.id] = s
	} else if len(ss.m)-len(ss.anon) >= maxSessions {
		ss.evict(false)
	}
	ss.m[s.id] = s
	ss.mu.Unlock()
	setCookie(w, r, s.id, 0)
	return s
}

// evict makes room in the anonymous pool, or among the sessions that hold
// something. An anonymous one goes at random (map order): a flood cannot
// choose whose form expires, and finding the expired would cost a sweep per
// page load. The others are swept for expired ones, and only when that many
// good passwords have filled their pool does one go at random.
func (ss *sessions) evict(anon bool) {
	if anon {
		for id := range ss.anon {
			ss.remove(id)
			return
		}
		return
	}
	for id, old := range ss.m {
		if ss.expired(old) {
			ss.remove(id)
		}
	}
	if len(ss.m)-len(ss.anon) < maxSessions {
		return
	}
	for id := range ss.m {
		if _, ok := ss.anon[id]; !ok {
			ss.remove(id)
			return
		}
	}
}

// hold marks s as holding a sign-in in progress (a good password was
// given): it leaves the anonymous pool, which floods may evict. A flood may
// have evicted it while its password was checked: it comes back, as the
// sign-in it now holds is worth a place. The caller holds s.mu.
func (ss *sessions) hold(s *session) {
	ss.mu.Lock()
	if _, anon := ss.anon[s.id]; anon || ss.m[s.id] == nil {
		// It joins the pool of sessions that hold something: keep that
		// pool bounded too, or repeated good passwords would grow it.
		delete(ss.anon, s.id)
		delete(ss.m, s.id)
		if len(ss.m)-len(ss.anon) >= maxSessions {
			ss.evict(false)
		}
	}
	ss.m[s.id] = s
	ss.mu.Unlock()
}

func (ss *sessions) delete(w http.ResponseWriter, r *http.Request, s *session) {
	ss.mu.Lock()
	ss.remove(s.id)
	ss.mu.Unlock()
	setCookie(w, r, "", -1)
}

// setCookie sets (or, with maxAge -1, clears) the session cookie. It is
// HttpOnly (no script reads it), scoped to the console's path, and
// SameSite=Strict: no request that another site starts carries it, not even
// a top-level link (see crossSiteArrival). Secure follows the connection,
// so the cookie gets it as soon as doppel serves HTTPS.
func setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: value, Path: Prefix + "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
}

// crossSiteArrival answers a GET that another site started (a link in a
// README, a bookmark page) and that therefore came without the Strict
// session cookie: a page that reloads itself, now from this origin, so a
// signed-in person stays signed in instead of getting a new anonymous
// session whose cookie would replace theirs. It reports whether it answered.
func crossSiteArrival(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
	default:
		return false
	}
	if _, err := r.Cookie(cookieName); err == nil {
		return false
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, `<!doctype html><meta http-equiv="refresh" content="0"><title>doppel console</title><p>Opening the console…</p>`)
	return true
}

// crossOrigin refuses state-changing requests that a browser says come from
// another origin (Sec-Fetch-Site, else Origin against Host). Requests with
// neither header come from no browser, and need the CSRF token all the same.
// An object opened from S3 has an opaque origin ("null"), so it is refused
// here even if its sandbox were lifted.
var crossOrigin = http.NewCrossOriginProtection()

func checkOrigin(w http.ResponseWriter, r *http.Request) bool {
	if err := crossOrigin.Check(r); err != nil {
		http.Error(w, "This request came from another site; the console accepts forms from its own pages only.", http.StatusForbidden)
		return false
	}
	return true
}

// checkCSRF refuses a POST from another origin, or whose form lacks the
// session's token. Multipart
// forms (uploads) are parsed here too, so the token is read from them.
func (h *Handler) checkCSRF(w http.ResponseWriter, r *http.Request, s *session) bool {
	if !checkOrigin(w, r) {
		return false
	}
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
