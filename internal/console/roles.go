package console

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

type roleRow struct {
	Name, ARN, Trusted, Description string
	Created                         any
	LastUsed                        *iamapi.RoleLastUsed
}

// listRoles pages through ListRoles as the session's principal.
func (h *Handler) listRoles(r *http.Request, s *session) ([]iamapi.Role, error) {
	var out []iamapi.Role
	in := &iamapi.ListRolesInput{MaxItems: api.Int32(1000)}
	for {
		page, err := call(h, r, s, "iam", "ListRoles", h.cfg.IAM.ListRoles, in)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Roles...)
		if !api.ToBool(page.IsTruncated) || page.Marker == nil {
			return out, nil
		}
		in.Marker = page.Marker
	}
}

func (h *Handler) rolesList(w http.ResponseWriter, r *http.Request, s *session) {
	v := view{Title: "Roles", Section: "roles"}
	roles, err := h.listRoles(r, s)
	if err != nil {
		v.Denied = errNotice(err)
		h.render(w, s, "roles", v)
		return
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	var rows []roleRow
	for _, role := range roles {
		if q != "" && !strings.Contains(strings.ToLower(role.RoleName), q) {
			continue
		}
		rows = append(rows, roleRow{Name: role.RoleName, ARN: role.Arn, Created: role.CreateDate,
			Trusted: trustSummary(decodeDoc(role.AssumeRolePolicyDocument)), Description: api.ToString(role.Description)})
	}
	v.Data = struct {
		Roles []roleRow
		Query string
	}{rows, q}
	h.render(w, s, "roles", v)
}

type rolePageData struct {
	Role         iamapi.Role
	Trust        string
	Edges        []trustEdge
	Attached     []iamapi.AttachedPolicy
	Inline       []string
	Denied       map[string]*notice // per section: a refused List call
	policyPicker                    // for "Add permissions"
}

func (h *Handler) rolePage(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	v := view{Title: name, Section: "roles"}
	out, err := call(h, r, s, "iam", "GetRole", h.cfg.IAM.GetRole, &iamapi.GetRoleInput{RoleName: name})
	if err != nil {
		v.Denied = errNotice(err)
		h.render(w, s, "role", v)
		return
	}
	d := rolePageData{Role: *out.Role, Denied: map[string]*notice{}}
	d.Trust = prettyJSON(decodeDoc(out.Role.AssumeRolePolicyDocument))
	d.Edges = trustEdges(d.Trust)
	if att, err := call(h, r, s, "iam", "ListAttachedRolePolicies", h.cfg.IAM.ListAttachedRolePolicies,
		&iamapi.ListAttachedRolePoliciesInput{RoleName: name, MaxItems: api.Int32(1000)}); err != nil {
		d.Denied["attached"] = errNotice(err)
	} else {
		d.Attached = att.AttachedPolicies
	}
	if inl, err := call(h, r, s, "iam", "ListRolePolicies", h.cfg.IAM.ListRolePolicies,
		&iamapi.ListRolePoliciesInput{RoleName: name, MaxItems: api.Int32(1000)}); err != nil {
		d.Denied["inline"] = errNotice(err)
	} else {
		d.Inline = inl.PolicyNames
	}
	d.policyPicker = h.pickPolicies(r, s, d.Denied)
	v.Data = d
	h.render(w, s, "role", v)
}

func roleURL(name string) string { return Prefix + "/iam/roles/" + url.PathEscape(name) }

func (h *Handler) roleAttach(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	if len(r.PostForm["policy"]) == 0 {
		h.done(w, r, s, roleURL(name)+"?attach=1", &notice{Kind: "error", Title: "No policy selected", Text: "Select one or more policies to attach."})
		return
	}
	h.attachPolicies(w, r, s, roleURL(name), func(arn string) error {
		_, err := call(h, r, s, "iam", "AttachRolePolicy", h.cfg.IAM.AttachRolePolicy,
			&iamapi.AttachRolePolicyInput{RoleName: name, PolicyArn: arn})
		return err
	})
}

func (h *Handler) roleDetach(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	h.detachPolicy(w, r, s, roleURL(name), func(arn string) error {
		_, err := call(h, r, s, "iam", "DetachRolePolicy", h.cfg.IAM.DetachRolePolicy,
			&iamapi.DetachRolePolicyInput{RoleName: name, PolicyArn: arn})
		return err
	})
}

func (h *Handler) roleTrustUpdate(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	doc := r.PostFormValue("document")
	if _, err := call(h, r, s, "iam", "UpdateAssumeRolePolicy", h.cfg.IAM.UpdateAssumeRolePolicy,
		&iamapi.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: doc}); err != nil {
		h.failed(w, r, s, roleURL(name)+"#trust", err)
		return
	}
	h.done(w, r, s, roleURL(name)+"#trust", &notice{Kind: "success", Title: "Trust policy updated"})
}

// roleDelete deletes a role as the console does: it first detaches the
// role's managed policies and deletes its inline policies, each as its own
// authorized call (IAM User Guide, "Delete roles or instance profiles": the
// console removes them for you; the API refuses with DeleteConflict).
func (h *Handler) roleDelete(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	fail := func(err error) { h.failed(w, r, s, roleURL(name), err) }
	att, err := call(h, r, s, "iam", "ListAttachedRolePolicies", h.cfg.IAM.ListAttachedRolePolicies,
		&iamapi.ListAttachedRolePoliciesInput{RoleName: name, MaxItems: api.Int32(1000)})
	if err != nil {
		fail(err)
		return
	}
	for _, p := range att.AttachedPolicies {
		if _, err := call(h, r, s, "iam", "DetachRolePolicy", h.cfg.IAM.DetachRolePolicy,
			&iamapi.DetachRolePolicyInput{RoleName: name, PolicyArn: api.ToString(p.PolicyArn)}); err != nil {
			fail(err)
			return
		}
	}
	inl, err := call(h, r, s, "iam", "ListRolePolicies", h.cfg.IAM.ListRolePolicies,
		&iamapi.ListRolePoliciesInput{RoleName: name, MaxItems: api.Int32(1000)})
	if err != nil {
		fail(err)
		return
	}
	for _, p := range inl.PolicyNames {
		if _, err := call(h, r, s, "iam", "DeleteRolePolicy", h.cfg.IAM.DeleteRolePolicy,
			&iamapi.DeleteRolePolicyInput{RoleName: name, PolicyName: p}); err != nil {
			fail(err)
			return
		}
	}
	if _, err := call(h, r, s, "iam", "DeleteRole", h.cfg.IAM.DeleteRole, &iamapi.DeleteRoleInput{RoleName: name}); err != nil {
		fail(err)
		return
	}
	h.done(w, r, s, Prefix+"/iam/roles", &notice{Kind: "success", Title: "Role " + name + " deleted"})
}

// policyOption is one row of a "search and pick" policies table.
type policyOption struct {
	Name, ARN, Type, Description string
	Selected                     bool
}

// policyOptions lists the managed policies (AWS managed and the account's)
// whose name contains query, selected ones first, as the console's
// permissions step shows them.
func (h *Handler) policyOptions(r *http.Request, s *session, query string, selected []string) ([]policyOption, error) {
	sel := map[string]bool{}
	for _, a := range selected {
		sel[a] = true
	}
	var out []policyOption
	in := &iamapi.ListPoliciesInput{MaxItems: api.Int32(1000)}
	q := strings.ToLower(strings.TrimSpace(query))
	for {
		page, err := call(h, r, s, "iam", "ListPolicies", h.cfg.IAM.ListPolicies, in)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Policies {
			name, arn := api.ToString(p.PolicyName), api.ToString(p.Arn)
			if !sel[arn] && q != "" && !strings.Contains(strings.ToLower(name), q) {
				continue
			}
			typ := "Customer managed"
			if strings.HasPrefix(arn, "arn:aws:iam::aws:") {
				typ = "AWS managed"
				if strings.Contains(arn, ":policy/job-function/") {
					typ = "AWS managed - job function"
				}
			}
			out = append(out, policyOption{Name: name, ARN: arn, Type: typ, Description: api.ToString(p.Description), Selected: sel[arn]})
		}
		if !api.ToBool(page.IsTruncated) || page.Marker == nil {
			break
		}
		in.Marker = page.Marker
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Selected != out[j].Selected {
			return out[i].Selected
		}
		// Customer managed first, as the console lists them.
		ci, cj := out[i].Type == "Customer managed", out[j].Type == "Customer managed"
		if ci != cj {
			return ci
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out, nil
}
