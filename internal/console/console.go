// Package console is doppel's web console: server-rendered pages under
// /_doppel/console/ where a person signs in as an account's root user or as
// an IAM user and works with IAM, STS (switch role) and S3.
//
// The console holds no authority of its own. Every page calls the same
// service methods the API gateway calls, with a request.Info naming the
// signed-in principal, so the policy engine decides exactly as it does for
// an API call: a user without iam:ListRoles sees an access-denied notice
// instead of the roles list.
package console

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/activity"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/attempts"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/service/iam"
	"github.com/doppel-aws/doppel/internal/store"
)

// Prefix is where the console is served.
const Prefix = "/_doppel/console"

// IAM is what the console needs of the IAM service: the API, plus the
// sign-in checks that happen before anyone is signed in.
type IAM interface {
	iamapi.Handler
	LookupConsoleUser(ctx context.Context, account, name string) (iam.ConsoleUser, bool, error)
	CheckPassword(ctx context.Context, account, user, password string) (bool, error)
	CheckMFACode(ctx context.Context, account, user string, serials []string, code string) (string, error)
}

// Resolver finds the principal and secret of an access key, as
// identity.Authority.Resolve does.
type Resolver func(ctx context.Context, accessKeyID, sessionToken string, now time.Time) (*identity.Principal, string, error)

// Config is what a Handler needs.
type Config struct {
	IAM      IAM
	STS      stsapi.Handler
	S3       s3api.Handler
	Resolve  Resolver
	Store    store.Store   // accounts (IDs and names) only
	Activity *activity.Log // nil: no Activity page entries
	// Authorizer decides the console's own reads that are no service
	// operation (the Activity page's cloudtrail:LookupEvents). Without it
	// only root users see the Activity page.
	Authorizer authz.Authorizer
	Now        func() time.Time
	Logger     *slog.Logger
	// Region is the region console calls are made in (default us-east-1).
	Region string

	// Current tells whether a signed-in principal's IAM user or role is still
	// the one it signed in as (identity.Authority.Current); nil trusts it.
	Current func(ctx context.Context, p *identity.Principal) error
}

// Handler serves the console.
type Handler struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
	// pages are parsed on first use: parsing them all takes most of the
	// server's start-up time, and most runs never open the console.
	pagesOnce sync.Once
	pages     map[string]*template.Template
	sessions  *sessions
	throttle  *attempts.Counter // failed sign-in attempts
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New returns the console handler for cfg.
func New(cfg Config) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), sessions: newSessions(cfg.Now), throttle: attempts.New(cfg.Now)}
	h.routes()
	return h
}

func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t := template.New("").Funcs(funcs)
		pages[strings.TrimSuffix(base, ".html")] = template.Must(t.ParseFS(templateFS, "templates/layout.html", n))
	}
	return pages
}

func (h *Handler) routes() {
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", staticHandler(static)))
	h.mux.HandleFunc("GET "+Prefix+"/signin", h.signinPage)
	h.mux.HandleFunc("POST "+Prefix+"/signin", h.signin)
	h.mux.HandleFunc("POST "+Prefix+"/signin/mfa", h.signinMFA)
	h.mux.HandleFunc("POST "+Prefix+"/signin/reset", h.signinReset)

	// Everything below needs a signed-in session.
	h.handle("GET /{$}", h.home)
	h.handle("POST /signout", h.signout)
	h.handle("POST /switch-role", h.switchRole)
	h.handle("POST /switch-back", h.switchBack)

	h.handle("GET /iam/roles", h.rolesList)
	h.handle("GET /iam/roles/create", h.wizardTrust)
	h.handle("POST /iam/roles/create", h.wizardTrustPost)
	h.handle("GET /iam/roles/create/permissions", h.wizardPermissions)
	h.handle("POST /iam/roles/create/permissions", h.wizardPermissionsPost)
	h.handle("GET /iam/roles/create/review", h.wizardReview)
	h.handle("POST /iam/roles/create/review", h.wizardCreate)
	h.handle("GET /iam/roles/{name}", h.rolePage)
	h.handle("POST /iam/roles/{name}/attach", h.roleAttach)
	h.handle("POST /iam/roles/{name}/detach", h.roleDetach)
	h.handle("POST /iam/roles/{name}/trust", h.roleTrustUpdate)
	h.handle("POST /iam/roles/{name}/delete", h.roleDelete)

	h.handle("GET /iam/users", h.usersList)
	h.handle("POST /iam/users", h.userCreate)
	h.handle("GET /iam/users/{name}", h.userPage)
	h.handle("POST /iam/users/{name}/keys", h.userCreateKey)
	h.handle("POST /iam/users/{name}/keys/delete", h.userDeleteKey)
	h.handle("POST /iam/users/{name}/password", h.userPassword)
	h.handle("POST /iam/users/{name}/mfa", h.userMFACreate)
	h.handle("POST /iam/users/{name}/mfa/enable", h.userMFAEnable)
	h.handle("POST /iam/users/{name}/attach", h.userAttach)
	h.handle("POST /iam/users/{name}/detach", h.userDetach)
	h.handle("POST /iam/users/{name}/groups", h.userAddToGroup)

	h.handle("GET /iam/groups", h.groupsList)
	h.handle("POST /iam/groups", h.groupCreate)
	h.handle("GET /iam/groups/{name}", h.groupPage)
	h.handle("POST /iam/groups/{name}/attach", h.groupAttach)
	h.handle("POST /iam/groups/{name}/detach", h.groupDetach)

	h.handle("GET /iam/policies", h.policiesList)
	h.handle("GET /iam/policies/create", h.policyNewPage)
	h.handle("POST /iam/policies/create", h.policyCreate)
	h.handle("GET /iam/policy", h.policyPage)
	h.handle("POST /iam/policy", h.policyEdit)

	h.handle("GET /s3", h.bucketsList)
	h.handle("POST /s3", h.bucketCreate)
	h.handle("GET /s3/{bucket}", h.bucketPage)
	h.handle("POST /s3/{bucket}/upload", h.objectUpload)
	h.handle("GET /s3/{bucket}/download", h.objectDownload)
	h.handle("POST /s3/{bucket}/delete", h.objectDelete)
	h.handle("POST /s3/{bucket}/policy", h.bucketPolicyPut)
	h.handle("POST /s3/{bucket}/public-access-block", h.bucketPABPut)

	h.handle("GET /activity", h.activityPage)
	h.handle("GET /trust-map", h.trustMapPage)
}

// handle registers a page that needs a signed-in session; POSTs must carry
// the session's CSRF token.
func (h *Handler) handle(pattern string, fn func(w http.ResponseWriter, r *http.Request, s *session)) {
	method, path, _ := strings.Cut(pattern, " ")
	h.mux.HandleFunc(method+" "+Prefix+path, func(w http.ResponseWriter, r *http.Request) {
		s := h.sessions.get(r)
		if s == nil || s.base == nil {
			if s == nil && crossSiteArrival(w, r) {
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
				return
			}
			http.Error(w, "Your console session has ended; sign in again.", http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.role != nil && s.role.Session != nil && !h.cfg.Now().Before(s.role.Session.Expiration) {
			// The switched-to role's session ended: back to the signed-in
			// identity, as the AWS console does.
			s.role = nil
			s.flash = &notice{Kind: "info", Title: "Role session expired", Text: "You are acting as " + s.base.ARN + " again."}
		}
		if r.Method == http.MethodPost && !h.checkCSRF(w, r, s) {
			return
		}
		fn(w, r, s)
	})
}

// ServeHTTP answers console requests. Every page is private to a session and
// never framed by another site.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Content-Security-Policy", consoleCSP(r))
	if r.URL.Path == Prefix {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// consoleCSP is the console's Content-Security-Policy. Everything the pages
// use is served from here; the QR code is a data: image. Scripts and styles
// come from the console's static path only, not from 'self': this origin also
// serves S3 objects, whose owners choose their Content-Type, so 'self' would
// let any bucket's object run as a console script were a page ever to carry
// injected markup.
func consoleCSP(r *http.Request) string {
	static := "'self'"
	if validHost(r.Host) {
		scheme := "http://"
		if r.TLS != nil {
			scheme = "https://"
		}
		static = scheme + r.Host + Prefix + "/static/"
	}
	return "default-src 'self'; img-src 'self' data:; style-src " + static + "; script-src " + static +
		"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
}

// validHost reports whether host (from the request) can go into the CSP as
// is: a name or address and port, nothing that would end a directive.
func validHost(host string) bool {
	if host == "" {
		return false
	}
	for _, c := range host {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune(".-:[]", c):
		default:
			return false
		}
	}
	return true
}

// staticHandler serves the embedded assets, cacheable (they change only with
// the binary).
func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// ctx returns the context a service call runs in: the signed-in (or
// switched-to) principal, as the gateway would have authenticated it.
func (h *Handler) ctx(r *http.Request, s *session, service, operation string) (context.Context, *request.Info) {
	info := &request.Info{
		ID:        newRequestID(),
		Service:   service,
		Operation: operation,
		Region:    h.cfg.Region,
		Time:      h.cfg.Now(),
		Principal: s.acting(),
		Secure:    r.TLS != nil,
		UserAgent: "doppel-console " + r.UserAgent(),
		Host:      r.Host,
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		info.SourceIP = ap.Addr().Unmap()
	}
	return request.With(r.Context(), info), info
}

// call runs one service operation as the session's principal and records
// it on the Activity page, as the gateway records API calls.
func call[I, O any](h *Handler, r *http.Request, s *session, service, operation string, fn func(context.Context, I) (O, error), in I) (O, error) {
	ctx, info := h.ctx(r, s, service, operation)
	var out O
	err := checkInput(in)
	if err == nil && h.cfg.Current != nil {
		// A sign-in lives longer than a request: its user or role may have
		// been deleted, and another created under its name, since.
		if cerr := h.cfg.Current(ctx, info.Principal); errors.Is(cerr, identity.ErrInvalidToken) || errors.Is(cerr, identity.ErrUnknownAccessKey) {
			err = awserr.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		} else if cerr != nil {
			err = awserr.Internal(cerr)
		}
	}
	if err == nil {
		out, err = fn(ctx, in)
	}
	if h.cfg.Activity != nil {
		p := info.Principal
		e := activity.Entry{
			Time: info.Time, RequestID: info.ID, Account: p.Account, Principal: p.ARN,
			Service: service, Operation: operation, Status: http.StatusOK,
		}
		if info.SourceIP.IsValid() {
			e.SourceIP = info.SourceIP.String()
		}
		if err != nil {
			ae := awserr.From(err)
			e.Status, e.ErrorCode, e.Message = ae.Status, ae.Code, ae.Message
		}
		h.cfg.Activity.Record(e)
	}
	if err != nil {
		var ae *awserr.Error
		if !errors.As(err, &ae) || ae.Status >= 500 {
			h.log.Error("console call failed", "request_id", info.ID, "operation", operation, "error", err)
		}
	}
	return out, err
}

var errNoAuthorizer = awserr.AccessDenied("This doppel console has no authorizer configured; only root users may read the account's activity.")

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
