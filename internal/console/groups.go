package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

func groupURL(name string) string { return Prefix + "/iam/groups/" + url.PathEscape(name) }

func (h *Handler) groupsList(w http.ResponseWriter, r *http.Request, s *session) {
	v := view{Title: "User groups", Section: "groups"}
	var groups []iamapi.Group
	in := &iamapi.ListGroupsInput{MaxItems: api.Int32(1000)}
	for {
		out, err := call(h, r, s, "iam", "ListGroups", h.cfg.IAM.ListGroups, in)
		if err != nil {
			v.Denied = errNotice(err)
			h.render(w, s, "groups", v)
			return
		}
		groups = append(groups, out.Groups...)
		if !api.ToBool(out.IsTruncated) || out.Marker == nil {
			break
		}
		in.Marker = out.Marker
	}
	v.Data = groups
	h.render(w, s, "groups", v)
}

func (h *Handler) groupCreate(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("group_name"))
	if _, err := call(h, r, s, "iam", "CreateGroup", h.cfg.IAM.CreateGroup, &iamapi.CreateGroupInput{GroupName: name}); err != nil {
		h.failed(w, r, s, Prefix+"/iam/groups", err)
		return
	}
	h.done(w, r, s, groupURL(name), &notice{Kind: "success", Title: "User group " + name + " created."})
}

type groupPageData struct {
	Group    iamapi.Group
	Users    []iamapi.User
	Attached []iamapi.AttachedPolicy
	Denied   map[string]*notice
	policyPicker
}

func (h *Handler) groupPage(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	v := view{Title: name, Section: "groups"}
	out, err := call(h, r, s, "iam", "GetGroup", h.cfg.IAM.GetGroup, &iamapi.GetGroupInput{GroupName: name, MaxItems: api.Int32(1000)})
	if err != nil {
		v.Denied = errNotice(err)
		h.render(w, s, "group", v)
		return
	}
	d := &groupPageData{Group: *out.Group, Users: out.Users, Denied: map[string]*notice{}}
	if a, err := call(h, r, s, "iam", "ListAttachedGroupPolicies", h.cfg.IAM.ListAttachedGroupPolicies,
		&iamapi.ListAttachedGroupPoliciesInput{GroupName: name, MaxItems: api.Int32(1000)}); err != nil {
		d.Denied["attached"] = errNotice(err)
	} else {
		d.Attached = a.AttachedPolicies
	}
	d.policyPicker = h.pickPolicies(r, s, d.Denied)
	v.Data = d
	h.render(w, s, "group", v)
}

func (h *Handler) groupAttach(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	h.attachPolicies(w, r, s, groupURL(name), func(arn string) error {
		_, err := call(h, r, s, "iam", "AttachGroupPolicy", h.cfg.IAM.AttachGroupPolicy,
			&iamapi.AttachGroupPolicyInput{GroupName: name, PolicyArn: arn})
		return err
	})
}

func (h *Handler) groupDetach(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	h.detachPolicy(w, r, s, groupURL(name), func(arn string) error {
		_, err := call(h, r, s, "iam", "DetachGroupPolicy", h.cfg.IAM.DetachGroupPolicy,
			&iamapi.DetachGroupPolicyInput{GroupName: name, PolicyArn: arn})
		return err
	})
}
