package console

import (
	"net/http"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/policy"
)

// wizardState is what the Create role wizard has gathered so far. Its steps
// are the AWS console's: 1 Select trusted entity, 2 Add permissions,
// 3 Name, review, and create.
type wizardState struct {
	Trust       trustSpec
	Policies    []string // managed policy ARNs
	Query       string   // the permissions search
	Name        string
	Description string
	Tags        []iamapi.Tag
}

func (s *session) wiz() *wizardState {
	if s.wizard == nil {
		s.wizard = &wizardState{Trust: trustSpec{Type: "account"}}
	}
	return s.wizard
}

const wizardURL = Prefix + "/iam/roles/create"

// maxPolicyRows bounds the permissions table: hundreds of AWS managed
// policies make a page nobody reads; the search narrows it.
const maxPolicyRows = 100

type wizardData struct {
	Step int
	// Step 1's identity providers (ARNs).
	OIDCProviders, SAMLProviders []string
	W                            *wizardState
	Self                         string
	Error                        string
	Options                      []policyOption
	Hidden                       int // policies matching the search but not shown
	Document                     string
	Findings                     []policy.Finding
}

func (h *Handler) wizardTrust(w http.ResponseWriter, r *http.Request, s *session) {
	if r.URL.Query().Has("new") {
		s.wizard = nil
	}
	h.render(w, s, "wizard", view{Title: "Create role", Section: "roles",
		Data: h.trustStep(r, s, s.wiz(), "", nil)})
}

// trustStep is step 1's page data, with the account's identity providers
// for "Web identity" and "SAML 2.0 federation", listed as the signed-in
// principal (one who may not list them sees none).
func (h *Handler) trustStep(r *http.Request, s *session, wz *wizardState, errMsg string, findings []policy.Finding) wizardData {
	d := wizardData{Step: 1, W: wz, Self: s.acting().Account, Error: errMsg, Findings: findings}
	if out, err := call(h, r, s, "iam", "ListOpenIDConnectProviders", h.cfg.IAM.ListOpenIDConnectProviders, &iamapi.ListOpenIDConnectProvidersInput{}); err == nil {
		for _, p := range out.OpenIDConnectProviderList {
			d.OIDCProviders = append(d.OIDCProviders, api.ToString(p.Arn))
		}
	}
	if out, err := call(h, r, s, "iam", "ListSAMLProviders", h.cfg.IAM.ListSAMLProviders, &iamapi.ListSAMLProvidersInput{}); err == nil {
		for _, p := range out.SAMLProviderList {
			d.SAMLProviders = append(d.SAMLProviders, api.ToString(p.Arn))
		}
	}
	return d
}

func (h *Handler) wizardTrustPost(w http.ResponseWriter, r *http.Request, s *session) {
	wz := s.wiz()
	f := r.PostForm
	wz.Trust = trustSpec{
		Type:              f.Get("trusted_entity"),
		OtherAccount:      f.Get("account_choice") == "other",
		AccountID:         strings.TrimSpace(f.Get("account_id")),
		RequireExternalID: f.Get("require_external_id") == "on",
		ExternalID:        f.Get("external_id"),
		RequireMFA:        f.Get("require_mfa") == "on",
		Custom:            f.Get("custom_policy"),
		OIDCProvider:      f.Get("oidc_provider"),
		Audience:          strings.TrimSpace(f.Get("audience")),
		GitHubOrg:         strings.TrimSpace(f.Get("github_org")),
		GitHubRepo:        strings.TrimSpace(f.Get("github_repo")),
		GitHubBranch:      strings.TrimSpace(f.Get("github_branch")),
		SAMLProvider:      f.Get("saml_provider"),
	}
	if err := wz.Trust.validate(); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, s, "wizard", view{Title: "Create role", Section: "roles",
			Data: h.trustStep(r, s, wz, err.Error(), nil)})
		return
	}
	if wz.Trust.Type == "custom" {
		// The console's policy editor refuses a document with errors
		// before the next step.
		findings := policy.Validate(wz.Trust.Custom, policy.Trust)
		for _, fd := range findings {
			if fd.Severity == policy.SeverityError {
				w.WriteHeader(http.StatusBadRequest)
				h.render(w, s, "wizard", view{Title: "Create role", Section: "roles",
					Data: h.trustStep(r, s, wz, fd.Message, findings)})
				return
			}
		}
	}
	http.Redirect(w, r, wizardURL+"/permissions", http.StatusSeeOther)
}

func (h *Handler) wizardPermissions(w http.ResponseWriter, r *http.Request, s *session) {
	wz := s.wiz()
	d := wizardData{Step: 2, W: wz, Self: s.acting().Account}
	v := view{Title: "Create role", Section: "roles", Data: &d}
	opts, err := h.policyOptions(r, s, wz.Query, wz.Policies)
	if err != nil {
		v.Denied = errNotice(err)
	}
	d.Options, d.Hidden = limitOptions(opts, maxPolicyRows)
	h.render(w, s, "wizard", v)
}

// limitOptions keeps the selected rows and the first max others.
func limitOptions(opts []policyOption, max int) ([]policyOption, int) {
	var out []policyOption
	hidden, shown := 0, 0
	for _, o := range opts {
		if o.Selected {
			out = append(out, o)
			continue
		}
		if shown == max {
			hidden++
			continue
		}
		shown++
		out = append(out, o)
	}
	return out, hidden
}

func (h *Handler) wizardPermissionsPost(w http.ResponseWriter, r *http.Request, s *session) {
	wz := s.wiz()
	wz.Policies = dedupe(r.PostForm["policy"])
	switch r.PostFormValue("action") {
	case "search":
		wz.Query = r.PostFormValue("q")
		http.Redirect(w, r, wizardURL+"/permissions", http.StatusSeeOther)
	case "back":
		http.Redirect(w, r, wizardURL, http.StatusSeeOther)
	default:
		http.Redirect(w, r, wizardURL+"/review", http.StatusSeeOther)
	}
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (h *Handler) reviewData(s *session, errMsg string) wizardData {
	wz := s.wiz()
	doc, _ := wz.Trust.document(s.acting().Account)
	return wizardData{Step: 3, W: wz, Self: s.acting().Account, Document: doc, Error: errMsg}
}

func (h *Handler) wizardReview(w http.ResponseWriter, r *http.Request, s *session) {
	h.render(w, s, "wizard", view{Title: "Create role", Section: "roles", Data: h.reviewData(s, "")})
}

// wizardCreate is step 3's "Create role": CreateRole with the trust policy
// shown, then AttachRolePolicy for each chosen policy, as the console does.
func (h *Handler) wizardCreate(w http.ResponseWriter, r *http.Request, s *session) {
	wz := s.wiz()
	f := r.PostForm
	wz.Name = strings.TrimSpace(f.Get("role_name"))
	wz.Description = f.Get("description")
	wz.Tags = nil
	keys, values := f["tag_key"], f["tag_value"]
	for i, k := range keys {
		if strings.TrimSpace(k) == "" {
			continue
		}
		val := ""
		if i < len(values) {
			val = values[i]
		}
		wz.Tags = append(wz.Tags, iamapi.Tag{Key: strings.TrimSpace(k), Value: val})
	}
	if f.Get("action") == "back" {
		http.Redirect(w, r, wizardURL+"/permissions", http.StatusSeeOther)
		return
	}
	fail := func(msg string) {
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, s, "wizard", view{Title: "Create role", Section: "roles", Data: h.reviewData(s, msg)})
	}
	doc, err := wz.Trust.document(s.acting().Account)
	if err != nil {
		fail(err.Error())
		return
	}
	in := &iamapi.CreateRoleInput{RoleName: wz.Name, AssumeRolePolicyDocument: doc, Tags: wz.Tags}
	if wz.Description != "" {
		in.Description = api.String(wz.Description)
	}
	out, err := call(h, r, s, "iam", "CreateRole", h.cfg.IAM.CreateRole, in)
	if err != nil {
		n := errNotice(err)
		fail(n.Title + ": " + n.Text)
		return
	}
	name := out.Role.RoleName
	for _, arn := range wz.Policies {
		if _, err := call(h, r, s, "iam", "AttachRolePolicy", h.cfg.IAM.AttachRolePolicy,
			&iamapi.AttachRolePolicyInput{RoleName: name, PolicyArn: arn}); err != nil {
			// The role exists; say what failed on its page.
			s.wizard = nil
			h.failed(w, r, s, roleURL(name), err)
			return
		}
	}
	s.wizard = nil
	h.done(w, r, s, roleURL(name), &notice{Kind: "success", Title: "Role " + name + " created."})
}
