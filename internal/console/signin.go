package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/activity"
	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/service/iam"
	"github.com/doppel-aws/doppel/internal/store"
)

// msgBadSignIn is the AWS sign-in page's answer to any wrong account, user
// name, password or key: it never says which part was wrong.
const msgBadSignIn = "Your authentication information is incorrect. Please try again."

type signinData struct {
	Mode      string // "root" or "iam"
	Account   string
	User      string
	MFAStep   bool // the password was right; now the MFA code
	ResetStep bool // the password must be changed before the session starts
	Error     string
}

// signinPage shows the sign-in form. It starts a pre-sign-in session so the
// form carries a CSRF token (login CSRF is a CSRF too).
func (h *Handler) signinPage(w http.ResponseWriter, r *http.Request) {
	s := h.sessions.get(r)
	if s != nil && s.base != nil {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	if s == nil {
		if crossSiteArrival(w, r) {
			return
		}
		s = h.sessions.create(w, r, nil, "")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := signinData{Mode: r.URL.Query().Get("mode"), Account: r.URL.Query().Get("account")}
	if d.Mode != "root" {
		d.Mode = "iam"
	}
	if p := s.pending; p != nil {
		d.Account, d.User = p.account, p.user.Name
		d.MFAStep, d.ResetStep = p.stage == stageMFA, p.stage == stageReset
	}
	h.render(w, s, "signin", view{Title: "Sign in", Data: d})
}

func (h *Handler) signinSession(w http.ResponseWriter, r *http.Request) *session {
	s := h.sessions.get(r)
	if s == nil {
		http.Error(w, "Your sign-in form has expired; reload the page.", http.StatusForbidden)
		return nil
	}
	s.mu.Lock()
	if !h.checkCSRF(w, r, s) {
		s.mu.Unlock()
		return nil
	}
	return s
}

// pendingSignin returns the locked sign-in session and its sign-in waiting
// at stage; otherwise it answers (an expired form, a bad CSRF token, or back
// to the sign-in page when nothing waits at stage) and returns nil.
func (h *Handler) pendingSignin(w http.ResponseWriter, r *http.Request, stage string) (*session, *pendingUser) {
	s := h.signinSession(w, r)
	if s == nil {
		return nil, nil
	}
	if pend := s.pending; pend != nil && pend.stage == stage {
		return s, pend
	}
	s.mu.Unlock()
	http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
	return nil, nil
}

func (h *Handler) signinFailed(w http.ResponseWriter, s *session, d signinData, msg string) {
	d.Error = msg
	w.WriteHeader(http.StatusUnauthorized)
	h.render(w, s, "signin", view{Title: "Sign in", Data: d})
}

// throttled refuses, without looking at the secret, an attempt whose
// identity (idKey) or client is blocked after too many failures; it reports
// whether it did.
func (h *Handler) throttled(w http.ResponseWriter, r *http.Request, s *session, d signinData, idKey string) bool {
	wait := h.throttle.Blocked(idKey, clientKey(r))
	if wait == 0 {
		return false
	}
	d.Error = throttledMessage(wait)
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
	w.WriteHeader(http.StatusTooManyRequests)
	h.render(w, s, "signin", view{Title: "Sign in", Data: d})
	return true
}

// attemptFailed counts a wrong secret against the identity and the client.
func (h *Handler) attemptFailed(r *http.Request, idKey string) {
	h.throttle.Fail(idKey, identityFailures)
	h.throttle.Fail(clientKey(r), clientFailures)
}

// lookupAccount finds an account by 12-digit ID or by name.
func (h *Handler) lookupAccount(ctx context.Context, idOrName string) (identity.Account, bool, error) {
	var a identity.Account
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if identity.ValidAccountID(idOrName) {
			a, err = identity.GetAccount(tx, idOrName)
		} else {
			a, err = identity.GetAccountByName(tx, idOrName)
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return a, false, nil
	}
	return a, err == nil, err
}

func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	s := h.signinSession(w, r)
	if s == nil {
		return
	}
	defer s.mu.Unlock()
	d := signinData{Mode: r.PostFormValue("mode"), Account: strings.TrimSpace(r.PostFormValue("account")), User: strings.TrimSpace(r.PostFormValue("user"))}
	if d.Mode != "root" {
		d.Mode = "iam"
	}
	s.pending = nil
	acct, ok, err := h.lookupAccount(r.Context(), d.Account)
	if err != nil {
		h.signinFailed(w, s, d, "Sign-in failed: "+err.Error())
		return
	}
	idKey := userKey(acct.ID, d.User)
	if !ok {
		idKey = userKey(d.Account, d.User)
	}
	if d.Mode == "root" {
		idKey = rootKey(acct.ID)
		if !ok {
			idKey = rootKey(d.Account)
		}
	}
	if h.throttled(w, r, s, d, idKey) {
		return
	}
	if !ok {
		h.attemptFailed(r, idKey)
		h.signinFailed(w, s, d, msgBadSignIn)
		return
	}
	if d.Mode == "root" {
		h.signinRoot(w, r, s, d, acct, idKey)
		return
	}
	u, found, err := h.cfg.IAM.LookupConsoleUser(r.Context(), acct.ID, d.User)
	if err != nil {
		h.signinFailed(w, s, d, "Sign-in failed: "+err.Error())
		return
	}
	if !found || !u.HasPassword {
		h.recordLogin(r, acct.ID, hiddenUser, false)
		h.attemptFailed(r, idKey)
		h.signinFailed(w, s, d, msgBadSignIn)
		return
	}
	good, err := h.cfg.IAM.CheckPassword(r.Context(), acct.ID, u.Name, r.PostFormValue("password"))
	if err != nil {
		h.signinFailed(w, s, d, "Sign-in failed: "+err.Error())
		return
	}
	if !good {
		h.recordLogin(r, acct.ID, u.ARN, false)
		h.attemptFailed(r, idKey)
		h.signinFailed(w, s, d, msgBadSignIn)
		return
	}
	pend := &pendingUser{account: acct.ID, accountName: acct.Name, user: u}
	if len(u.MFASerials) > 0 {
		// A user with an MFA device gives a code after the password, on a
		// page of its own, as on AWS.
		pend.stage = stageMFA
		s.pending = pend
		h.sessions.hold(s)
		http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
		return
	}
	pend.principal = &identity.Principal{Kind: identity.User, Account: acct.ID, ARN: u.ARN, UserID: u.UserID, Name: u.Name}
	h.passwordReset(w, r, s, pend)
}

// passwordReset finishes a sign-in, or first asks for a new password when
// the login profile requires one (PasswordResetRequired).
func (h *Handler) passwordReset(w http.ResponseWriter, r *http.Request, s *session, pend *pendingUser) {
	if pend.user.ResetRequired {
		pend.stage = stageReset
		s.pending = pend
		h.sessions.hold(s)
		http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
		return
	}
	h.startSession(w, r, s, pend.principal, pend.accountName)
}

// signinReset changes the password of a user whose login profile requires
// it, with ChangePassword called as that user: the policy engine decides, so
// the user needs iam:ChangePassword (AWS's console attaches
// IAMUserChangePassword when it sets "User must create a new password at
// next sign-in").
func (h *Handler) signinReset(w http.ResponseWriter, r *http.Request) {
	s, pend := h.pendingSignin(w, r, stageReset)
	if s == nil {
		return
	}
	defer s.mu.Unlock()
	d := signinData{Mode: "iam", Account: pend.account, User: pend.user.Name, ResetStep: true}
	if r.PostFormValue("new_password") != r.PostFormValue("confirm_password") {
		d.Error = "The new passwords do not match."
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, s, "signin", view{Title: "Sign in", Data: d})
		return
	}
	as := &session{base: pend.principal}
	if _, err := call(h, r, as, "iam", "ChangePassword", h.cfg.IAM.ChangePassword, &iamapi.ChangePasswordInput{
		OldPassword: r.PostFormValue("old_password"), NewPassword: r.PostFormValue("new_password"),
	}); err != nil {
		n := errNotice(err)
		d.Error = n.Title + ": " + n.Text
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, s, "signin", view{Title: "Sign in", Data: d})
		return
	}
	h.startSession(w, r, s, pend.principal, pend.accountName)
}

// signinRoot signs in an account's root user with one of its access key
// pairs (doppel has no root e-mail addresses and passwords).
func (h *Handler) signinRoot(w http.ResponseWriter, r *http.Request, s *session, d signinData, acct identity.Account, idKey string) {
	akid := strings.TrimSpace(r.PostFormValue("access_key_id"))
	secret := r.PostFormValue("secret_access_key")
	p, want, err := h.cfg.Resolve(r.Context(), akid, "", h.cfg.Now())
	if err != nil || p.Kind != identity.Root || p.Account != acct.ID ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
		h.recordLogin(r, acct.ID, identity.RootARN(acct.ID), false)
		h.attemptFailed(r, idKey)
		h.signinFailed(w, s, d, msgBadSignIn)
		return
	}
	h.startSession(w, r, s, p, acct.Name)
}

func (h *Handler) signinMFA(w http.ResponseWriter, r *http.Request) {
	s, pend := h.pendingSignin(w, r, stageMFA)
	if s == nil {
		return
	}
	defer s.mu.Unlock()
	d := signinData{Mode: "iam", Account: pend.account, User: pend.user.Name, MFAStep: true}
	idKey := userKey(pend.account, pend.user.Name)
	if h.throttled(w, r, s, d, idKey) {
		return
	}
	code := strings.TrimSpace(r.PostFormValue("mfa_code"))
	serial, err := h.cfg.IAM.CheckMFACode(r.Context(), pend.account, pend.user.Name, pend.user.MFASerials, code)
	if errors.Is(err, iam.ErrMFAThrottled) {
		// IAM refuses the device's codes after wrong ones given elsewhere
		// (STS's TokenCode): say so, and count nothing against this person.
		d.Error = "Too many wrong codes were given for your MFA device. Wait a few minutes before you try again."
		w.WriteHeader(http.StatusTooManyRequests)
		h.render(w, s, "signin", view{Title: "Sign in", Data: d})
		return
	}
	if serial == "" {
		h.recordLogin(r, pend.account, pend.user.ARN, false)
		h.attemptFailed(r, idKey)
		if pend.failures++; pend.failures >= maxMFAFailures {
			// Guessing codes on one pending sign-in ends it: back to the
			// password, and the identity's failures still count.
			s.pending = nil
			d.MFAStep = false
			h.signinFailed(w, s, d, "Too many wrong MFA codes. Sign in again.")
			return
		}
		h.signinFailed(w, s, d, msgBadSignIn)
		return
	}
	now := h.cfg.Now()
	u := pend.user
	// A console session signed in with MFA carries aws:MultiFactorAuthPresent
	// like temporary credentials obtained with MFA do, so MFA-protected
	// actions and Switch role to a role requiring MFA work (IAM User Guide,
	// "Configuring MFA-protected API access": console sign-in with MFA).
	pend.principal = &identity.Principal{Kind: identity.User, Account: pend.account, ARN: u.ARN, UserID: u.UserID, Name: u.Name,
		Session: &identity.Session{
			Kind: identity.User, Account: pend.account, SourceUserARN: u.ARN, SourceUserID: u.UserID,
			IssuedAt: now, Expiration: now.Add(sessionTTL), MFAAuthenticated: true, MFAAuthTime: now,
		}}
	h.passwordReset(w, r, s, pend)
}

// hiddenUser is how CloudTrail names the user of a failed sign-in with an
// unknown user name (CloudTrail User Guide, "AWS console sign-in events":
// HIDDEN_DUE_TO_SECURITY_REASONS), so typos of passwords in the user name
// field are not logged.
const hiddenUser = "HIDDEN_DUE_TO_SECURITY_REASONS"

// recordLogin puts a sign-in on the account's Activity page, as CloudTrail
// records the signin service's ConsoleLogin event: "Failure" with "Failed
// authentication" when refused.
func (h *Handler) recordLogin(r *http.Request, account, principal string, ok bool) {
	if h.cfg.Activity == nil {
		return
	}
	e := activity.Entry{Time: h.cfg.Now(), RequestID: newRequestID(), Account: account, Principal: principal,
		Service: "signin", Operation: "ConsoleLogin", Status: http.StatusOK}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		e.SourceIP = ap.Addr().Unmap().String()
	}
	if !ok {
		e.Status, e.ErrorCode, e.Message = http.StatusUnauthorized, "Failure", "Failed authentication"
	}
	h.cfg.Activity.Record(e)
}

// startSession replaces the pre-sign-in session with a new signed-in one.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, pre *session, p *identity.Principal, accountName string) {
	h.recordLogin(r, p.Account, p.ARN, true)
	// The identity's failures are forgotten; the client's are not, or one
	// good account would reset a client's guesses at another.
	if p.Kind == identity.Root {
		h.throttle.Forget(rootKey(p.Account))
	} else {
		h.throttle.Forget(userKey(p.Account, p.Name))
	}
	h.sessions.delete(w, r, pre)
	h.sessions.create(w, r, p, accountName)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

func (h *Handler) signout(w http.ResponseWriter, r *http.Request, s *session) {
	h.sessions.delete(w, r, s)
	http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
}

type homeData struct {
	Accounts []identity.Account
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, s *session) {
	var d homeData
	h.cfg.Store.View(r.Context(), func(tx store.Tx) error {
		d.Accounts, _ = identity.ListAccounts(tx)
		return nil
	})
	h.render(w, s, "home", view{Title: "Console home", Section: "home", Data: d})
}

// switchRole assumes a role as the signed-in identity, as the AWS console's
// Switch role does: the session is named after the signed-in user and lasts
// one hour (IAM User Guide, "Switch to an IAM role (console)": "the
// permissions ... last for one hour").
func (h *Handler) switchRole(w http.ResponseWriter, r *http.Request, s *session) {
	account := strings.TrimSpace(r.PostFormValue("account"))
	role := strings.TrimSpace(r.PostFormValue("role"))
	if acct, ok, _ := h.lookupAccount(r.Context(), account); ok {
		account = acct.ID
	}
	if !identity.ValidAccountID(account) || role == "" {
		h.done(w, r, s, Prefix+"/", &notice{Kind: "error", Title: "Invalid information in one or more fields",
			Text: "Enter the 12-digit account ID (or the account's name) and the role's name."})
		return
	}
	sessionName := s.base.Name
	if s.base.Kind == identity.Root || sessionName == "" {
		sessionName = "root"
	}
	// The console switches from the signed-in identity, never from a role
	// it switched to before: roles are not chained.
	asBase := &session{base: s.base}
	out, err := call(h, r, asBase, "sts", "AssumeRole", h.cfg.STS.AssumeRole, &stsapi.AssumeRoleInput{
		RoleArn: "arn:aws:iam::" + account + ":role/" + role, RoleSessionName: sessionName,
		DurationSeconds: api.Int32(3600),
	})
	if err != nil {
		h.failed(w, r, s, Prefix+"/", err)
		return
	}
	c := out.Credentials
	p, _, err := h.cfg.Resolve(r.Context(), c.AccessKeyId, c.SessionToken, h.cfg.Now())
	if err != nil {
		h.failed(w, r, s, Prefix+"/", awserr.Internal(err))
		return
	}
	s.role = p
	s.roleHistory = append([]switchTarget{{Account: account, Role: role}}, removeTarget(s.roleHistory, account, role)...)
	if len(s.roleHistory) > 5 {
		s.roleHistory = s.roleHistory[:5]
	}
	h.done(w, r, s, Prefix+"/", &notice{Kind: "success", Title: "Switched role", Text: "You are now acting as " + p.ARN + "."})
}

func removeTarget(list []switchTarget, account, role string) []switchTarget {
	var out []switchTarget
	for _, t := range list {
		if t.Account != account || t.Role != role {
			out = append(out, t)
		}
	}
	return out
}

func (h *Handler) switchBack(w http.ResponseWriter, r *http.Request, s *session) {
	s.role = nil
	h.done(w, r, s, Prefix+"/", &notice{Kind: "info", Title: "Switched back", Text: "You are acting as " + s.base.ARN + " again."})
}
