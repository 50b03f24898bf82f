package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/policy"
)

func policyURL(arn string) string { return Prefix + "/iam/policy?arn=" + url.QueryEscape(arn) }

func (h *Handler) policiesList(w http.ResponseWriter, r *http.Request, s *session) {
	v := view{Title: "Policies", Section: "policies"}
	q := r.URL.Query().Get("q")
	opts, err := h.policyOptions(r, s, q, nil)
	if err != nil {
		v.Denied = errNotice(err)
		h.render(w, s, "policies", v)
		return
	}
	p := policyPicker{Query: q}
	p.Policies, p.Hidden = limitOptions(opts, maxPolicyRows)
	v.Data = p
	h.render(w, s, "policies", v)
}

type policyPageData struct {
	Policy   iamapi.Policy
	Document string
	Editable bool // customer managed
	Findings []policy.Finding
	Draft    string // a refused edit, shown again
}

// policyNewData is the Create policy page's form, filled again with its
// findings when it is refused.
type policyNewData struct {
	Name, Description, Document string
	Findings                    []policy.Finding
}

const newPolicyTemplate = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "s3:ListAllMyBuckets",
            "Resource": "*"
        }
    ]
}`

func (h *Handler) policyNewPage(w http.ResponseWriter, r *http.Request, s *session) {
	h.render(w, s, "policy_new", view{Title: "Create policy", Section: "policies",
		Data: policyNewData{Document: newPolicyTemplate}})
}

// blocking reports whether findings include an error: the console's policy
// editor will not save such a document.
func blocking(fs []policy.Finding) bool {
	for _, f := range fs {
		if f.Severity == policy.SeverityError {
			return true
		}
	}
	return false
}

func (h *Handler) policyCreate(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("policy_name"))
	desc := r.PostFormValue("description")
	doc := r.PostFormValue("document")
	findings := policy.Validate(doc, policy.Identity)
	again := func(n *notice) {
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, s, "policy_new", view{Title: "Create policy", Section: "policies", Flash: n,
			Data: policyNewData{name, desc, doc, findings}})
	}
	if blocking(findings) || r.PostFormValue("action") == "validate" {
		again(nil)
		return
	}
	in := &iamapi.CreatePolicyInput{PolicyName: name, PolicyDocument: doc}
	if desc != "" {
		in.Description = api.String(desc)
	}
	out, err := call(h, r, s, "iam", "CreatePolicy", h.cfg.IAM.CreatePolicy, in)
	if err != nil {
		again(errNotice(err))
		return
	}
	h.done(w, r, s, policyURL(api.ToString(out.Policy.Arn)), &notice{Kind: "success", Title: "Policy " + name + " created."})
}

func (h *Handler) policyData(r *http.Request, s *session, arn string) (*policyPageData, error) {
	out, err := call(h, r, s, "iam", "GetPolicy", h.cfg.IAM.GetPolicy, &iamapi.GetPolicyInput{PolicyArn: arn})
	if err != nil {
		return nil, err
	}
	ver, err := call(h, r, s, "iam", "GetPolicyVersion", h.cfg.IAM.GetPolicyVersion,
		&iamapi.GetPolicyVersionInput{PolicyArn: arn, VersionId: api.ToString(out.Policy.DefaultVersionId)})
	if err != nil {
		return nil, err
	}
	d := &policyPageData{Policy: *out.Policy, Editable: !strings.HasPrefix(arn, "arn:aws:iam::aws:")}
	d.Document = prettyJSON(decodeDoc(ver.PolicyVersion.Document))
	d.Findings = policy.Validate(d.Document, policy.Identity)
	return d, nil
}

func (h *Handler) policyPage(w http.ResponseWriter, r *http.Request, s *session) {
	arn := r.URL.Query().Get("arn")
	v := view{Title: "Policy", Section: "policies"}
	d, err := h.policyData(r, s, arn)
	if err != nil {
		v.Denied = errNotice(err)
	} else {
		v.Title, v.Data = api.ToString(d.Policy.PolicyName), d
	}
	h.render(w, s, "policy", v)
}

// policyEdit saves an edited document as a new default version, as the
// console's "Save changes" does; a document with errors is shown again with
// its findings.
func (h *Handler) policyEdit(w http.ResponseWriter, r *http.Request, s *session) {
	arn := r.URL.Query().Get("arn")
	doc := r.PostFormValue("document")
	findings := policy.Validate(doc, policy.Identity)
	if blocking(findings) || r.PostFormValue("action") == "validate" {
		d, err := h.policyData(r, s, arn)
		if err != nil {
			h.failed(w, r, s, policyURL(arn), err)
			return
		}
		d.Draft, d.Findings = doc, findings
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, s, "policy", view{Title: api.ToString(d.Policy.PolicyName), Section: "policies", Data: d})
		return
	}
	if _, err := call(h, r, s, "iam", "CreatePolicyVersion", h.cfg.IAM.CreatePolicyVersion,
		&iamapi.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: doc, SetAsDefault: api.Bool(true)}); err != nil {
		h.failed(w, r, s, policyURL(arn), err)
		return
	}
	h.done(w, r, s, policyURL(arn), &notice{Kind: "success", Title: "Policy saved as a new default version."})
}

// policyPicker is the "Add permissions" search-and-pick table of a user,
// group or role page, filled when the page is opened with ?attach.
type policyPicker struct {
	Policies []policyOption
	Hidden   int // policies matching the search but not shown
	Query    string
}

// pickPolicies fills the page's policy picker when it is asked for; a
// refused ListPolicies goes to denied["policies"].
func (h *Handler) pickPolicies(r *http.Request, s *session, denied map[string]*notice) policyPicker {
	var p policyPicker
	if !r.URL.Query().Has("attach") {
		return p
	}
	p.Query = r.URL.Query().Get("q")
	opts, err := h.policyOptions(r, s, p.Query, nil)
	if err != nil {
		denied["policies"] = errNotice(err)
	}
	p.Policies, p.Hidden = limitOptions(opts, maxPolicyRows)
	return p
}

// attachPolicies attaches each policy the form selected, one authorized
// call each, stops at the first refusal, and returns to back.
func (h *Handler) attachPolicies(w http.ResponseWriter, r *http.Request, s *session, back string, attach func(arn string) error) {
	arns := r.PostForm["policy"]
	for _, arn := range arns {
		if err := attach(arn); err != nil {
			h.failed(w, r, s, back, err)
			return
		}
	}
	h.done(w, r, s, back, &notice{Kind: "success", Title: "Policies attached", Text: strings.Join(arns, ", ")})
}

// detachPolicy detaches the policy the form names and returns to back.
func (h *Handler) detachPolicy(w http.ResponseWriter, r *http.Request, s *session, back string, detach func(arn string) error) {
	arn := r.PostFormValue("policy")
	if err := detach(arn); err != nil {
		h.failed(w, r, s, back, err)
		return
	}
	h.done(w, r, s, back, &notice{Kind: "success", Title: "Policy detached", Text: arn})
}
