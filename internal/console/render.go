package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
)

// notice is a message box: an error, an access denial, a success.
type notice struct {
	Kind  string // "error", "denied", "success", "info"
	Title string
	Text  string
	// Secret is shown once in a monospace box with a copy button (a new
	// access key's secret).
	Secret string
}

// view is what every page's template gets.
type view struct {
	Title   string
	Section string // the navigation entry to highlight
	Prefix  string
	CSRF    string
	Me      *identityView // nil on the sign-in page
	Flash   *notice
	Denied  *notice // the page's own call was refused
	Data    any
}

type identityView struct {
	Account     string
	AccountName string
	ARN         string
	Kind        string
	Name        string
	Role        string // "" unless switched
	RoleAccount string
	MFA         bool
	History     []switchTarget
}

var funcs = template.FuncMap{
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "-"
			}
			return v.UTC().Format("2006-01-02 15:04:05 UTC")
		case *time.Time:
			if v == nil || v.IsZero() {
				return "-"
			}
			return v.UTC().Format("2006-01-02 15:04:05 UTC")
		}
		return "-"
	},
	"deref2": func(p *bool) bool { return p != nil && *p },
	"add":    func(a, b int) int { return a + b },
	"trunc": func(s string, n int) string {
		if len(s) <= n {
			return s
		}
		return s[:n-3] + "..."
	},
	"pretty":  prettyJSON,
	"pathesc": url.PathEscape,
	"lower":   strings.ToLower,
	"size": func(n *int64) string {
		if n == nil {
			return "-"
		}
		return humanSize(*n)
	},
}

func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	case n < 1<<30:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
}

// prettyJSON indents a JSON document as the AWS console shows policies; a
// document that is not JSON is shown as it is.
func prettyJSON(doc string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(doc), "", "    "); err != nil {
		return doc
	}
	return buf.String()
}

// decodeDoc undoes the URL encoding IAM applies to policy documents in its
// responses (IAM API reference: "The policy document returned in this
// structure is URL-encoded compliant with RFC 3986").
func decodeDoc(p *string) string {
	if p == nil {
		return ""
	}
	s, err := url.QueryUnescape(*p)
	if err != nil {
		return *p
	}
	return s
}

func (h *Handler) me(s *session) *identityView {
	b := s.base
	v := &identityView{Account: b.Account, AccountName: s.accountName, ARN: b.ARN, Kind: b.Kind.String(), Name: b.Name,
		MFA: b.Session != nil && b.Session.MFAAuthenticated, History: s.roleHistory}
	if b.Kind == identity.Root {
		v.Name = "root"
	}
	if s.role != nil {
		v.Role, v.RoleAccount = s.role.Name, s.role.Account
	}
	return v
}

// render writes page name with data. A flash message set by the previous
// POST is shown once.
func (h *Handler) render(w http.ResponseWriter, s *session, name string, v view) {
	h.pagesOnce.Do(func() { h.pages = parsePages() })
	t := h.pages[name]
	if t == nil {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	v.Prefix = Prefix
	if s != nil {
		v.CSRF = s.csrf
		if s.base != nil {
			v.Me = h.me(s)
		}
		if v.Flash == nil {
			v.Flash, s.flash = s.flash, nil
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("console template", "page", name, "error", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if v.Denied != nil && v.Denied.Kind == "denied" {
		w.WriteHeader(http.StatusForbidden)
	}
	w.Write(buf.Bytes())
}

// errNotice turns a service error into the notice shown: AccessDenied gets
// the access-denied box with the policy engine's explanation, as the AWS
// console shows it ("You don't have permission to ...").
func errNotice(err error) *notice {
	var ae *awserr.Error
	if !errors.As(err, &ae) {
		return &notice{Kind: "error", Title: "Error", Text: err.Error()}
	}
	if ae.Status >= 500 {
		return &notice{Kind: "error", Title: ae.Code, Text: ae.Message}
	}
	if ae.Code == "AccessDenied" || ae.Code == "AccessDeniedException" || ae.Code == "AllAccessDisabled" {
		return &notice{Kind: "denied", Title: "Access denied", Text: ae.Message}
	}
	return &notice{Kind: "error", Title: ae.Code, Text: ae.Message}
}

// done sets a flash message and redirects (POST, then redirect, then GET).
func (h *Handler) done(w http.ResponseWriter, r *http.Request, s *session, to string, n *notice) {
	s.flash = n
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// failed redirects back with the error of a POST.
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, s *session, to string, err error) {
	h.done(w, r, s, to, errNotice(err))
}
