package console

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// mfaSetup is a virtual MFA device created for a user and shown (QR code,
// secret) until two consecutive codes enable it, as the console's "Assign
// MFA device" does.
type mfaSetup struct {
	User   string
	Serial string
	QR     []byte
	Seed   string
}

func userURL(name string) string { return Prefix + "/iam/users/" + url.PathEscape(name) }

type userRow struct {
	Name, ARN         string
	Created, LastUsed any
}

func (h *Handler) usersList(w http.ResponseWriter, r *http.Request, s *session) {
	v := view{Title: "Users", Section: "users"}
	var rows []userRow
	in := &iamapi.ListUsersInput{MaxItems: api.Int32(1000)}
	for {
		out, err := call(h, r, s, "iam", "ListUsers", h.cfg.IAM.ListUsers, in)
		if err != nil {
			v.Denied = errNotice(err)
			h.render(w, s, "users", v)
			return
		}
		for _, u := range out.Users {
			rows = append(rows, userRow{Name: u.UserName, ARN: u.Arn, Created: u.CreateDate, LastUsed: u.PasswordLastUsed})
		}
		if !api.ToBool(out.IsTruncated) || out.Marker == nil {
			break
		}
		in.Marker = out.Marker
	}
	v.Data = rows
	h.render(w, s, "users", v)
}

func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("user_name"))
	if _, err := call(h, r, s, "iam", "CreateUser", h.cfg.IAM.CreateUser, &iamapi.CreateUserInput{UserName: name}); err != nil {
		h.failed(w, r, s, Prefix+"/iam/users", err)
		return
	}
	if pw := r.PostFormValue("password"); pw != "" {
		reset := r.PostFormValue("reset_required") == "on"
		if _, err := call(h, r, s, "iam", "CreateLoginProfile", h.cfg.IAM.CreateLoginProfile,
			&iamapi.CreateLoginProfileInput{UserName: name, Password: pw, PasswordResetRequired: api.Bool(reset)}); err != nil {
			h.failed(w, r, s, userURL(name), err)
			return
		}
		// "Users automatically get the IAMUserChangePassword policy to allow
		// them to change their own password" (the console's Create user
		// page, when a password reset is required).
		if reset {
			if _, err := call(h, r, s, "iam", "AttachUserPolicy", h.cfg.IAM.AttachUserPolicy,
				&iamapi.AttachUserPolicyInput{UserName: name, PolicyArn: "arn:aws:iam::aws:policy/IAMUserChangePassword"}); err != nil {
				h.failed(w, r, s, userURL(name), err)
				return
			}
		}
	}
	h.done(w, r, s, userURL(name), &notice{Kind: "success", Title: "User " + name + " created."})
}

type userPageData struct {
	User      iamapi.User
	Console   bool // has a login profile
	Keys      []iamapi.AccessKeyMetadata
	MFA       []iamapi.MFADevice
	Attached  []iamapi.AttachedPolicy
	Groups    []iamapi.Group
	AllGroups []iamapi.Group
	Denied    map[string]*notice
	Setup     *mfaSetup
	QR        template.URL
	policyPicker
}

func (h *Handler) userPage(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	v := view{Title: name, Section: "users"}
	out, err := call(h, r, s, "iam", "GetUser", h.cfg.IAM.GetUser, &iamapi.GetUserInput{UserName: api.String(name)})
	if err != nil {
		v.Denied = errNotice(err)
		h.render(w, s, "user", v)
		return
	}
	d := &userPageData{User: *out.User, Denied: map[string]*notice{}}
	if _, err := call(h, r, s, "iam", "GetLoginProfile", h.cfg.IAM.GetLoginProfile, &iamapi.GetLoginProfileInput{UserName: name}); err == nil {
		d.Console = true
	}
	if k, err := call(h, r, s, "iam", "ListAccessKeys", h.cfg.IAM.ListAccessKeys, &iamapi.ListAccessKeysInput{UserName: api.String(name)}); err != nil {
		d.Denied["keys"] = errNotice(err)
	} else {
		d.Keys = k.AccessKeyMetadata
	}
	if m, err := call(h, r, s, "iam", "ListMFADevices", h.cfg.IAM.ListMFADevices, &iamapi.ListMFADevicesInput{UserName: api.String(name)}); err != nil {
		d.Denied["mfa"] = errNotice(err)
	} else {
		d.MFA = m.MFADevices
	}
	if a, err := call(h, r, s, "iam", "ListAttachedUserPolicies", h.cfg.IAM.ListAttachedUserPolicies,
		&iamapi.ListAttachedUserPoliciesInput{UserName: name, MaxItems: api.Int32(1000)}); err != nil {
		d.Denied["attached"] = errNotice(err)
	} else {
		d.Attached = a.AttachedPolicies
	}
	if g, err := call(h, r, s, "iam", "ListGroupsForUser", h.cfg.IAM.ListGroupsForUser,
		&iamapi.ListGroupsForUserInput{UserName: name, MaxItems: api.Int32(1000)}); err != nil {
		d.Denied["groups"] = errNotice(err)
	} else {
		d.Groups = g.Groups
	}
	if g, err := call(h, r, s, "iam", "ListGroups", h.cfg.IAM.ListGroups, &iamapi.ListGroupsInput{MaxItems: api.Int32(1000)}); err == nil {
		d.AllGroups = g.Groups
	}
	if st := s.mfaSetup; st != nil && st.User == name {
		d.Setup = st
		// A data: URL keeps the QR code on this page only; html/template
		// accepts it because it is typed as a URL we built.
		d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(st.QR))
	}
	d.policyPicker = h.pickPolicies(r, s, d.Denied)
	v.Data = d
	h.render(w, s, "user", v)
}

func (h *Handler) userCreateKey(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	out, err := call(h, r, s, "iam", "CreateAccessKey", h.cfg.IAM.CreateAccessKey, &iamapi.CreateAccessKeyInput{UserName: api.String(name)})
	if err != nil {
		h.failed(w, r, s, userURL(name)+"#keys", err)
		return
	}
	k := out.AccessKey
	// The secret is shown this once, as on AWS: "This is the only time that
	// the secret access key can be viewed or downloaded."
	h.done(w, r, s, userURL(name)+"#keys", &notice{Kind: "success", Title: "Access key created",
		Text:   "Access key " + k.AccessKeyId + ". This is the only time that the secret access key can be viewed. You cannot recover it later.",
		Secret: k.SecretAccessKey})
}

func (h *Handler) userDeleteKey(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	id := r.PostFormValue("access_key_id")
	if _, err := call(h, r, s, "iam", "DeleteAccessKey", h.cfg.IAM.DeleteAccessKey,
		&iamapi.DeleteAccessKeyInput{UserName: api.String(name), AccessKeyId: id}); err != nil {
		h.failed(w, r, s, userURL(name)+"#keys", err)
		return
	}
	h.done(w, r, s, userURL(name)+"#keys", &notice{Kind: "success", Title: "Access key " + id + " deleted."})
}

// userPassword creates or changes the user's console password.
func (h *Handler) userPassword(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	pw := r.PostFormValue("password")
	_, err := call(h, r, s, "iam", "GetLoginProfile", h.cfg.IAM.GetLoginProfile, &iamapi.GetLoginProfileInput{UserName: name})
	if err == nil {
		_, err = call(h, r, s, "iam", "UpdateLoginProfile", h.cfg.IAM.UpdateLoginProfile, &iamapi.UpdateLoginProfileInput{UserName: name, Password: api.String(pw)})
	} else {
		_, err = call(h, r, s, "iam", "CreateLoginProfile", h.cfg.IAM.CreateLoginProfile, &iamapi.CreateLoginProfileInput{UserName: name, Password: pw})
	}
	if err != nil {
		h.failed(w, r, s, userURL(name)+"#console", err)
		return
	}
	h.done(w, r, s, userURL(name)+"#console", &notice{Kind: "success", Title: "Console password set."})
}

func (h *Handler) userMFACreate(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	device := strings.TrimSpace(r.PostFormValue("device_name"))
	if device == "" {
		device = name
	}
	out, err := call(h, r, s, "iam", "CreateVirtualMFADevice", h.cfg.IAM.CreateVirtualMFADevice,
		&iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: device})
	if err != nil {
		h.failed(w, r, s, userURL(name)+"#mfa", err)
		return
	}
	d := out.VirtualMFADevice
	s.mfaSetup = &mfaSetup{User: name, Serial: d.SerialNumber, QR: d.QRCodePNG, Seed: string(d.Base32StringSeed)}
	http.Redirect(w, r, userURL(name)+"#mfa", http.StatusSeeOther)
}

func (h *Handler) userMFAEnable(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	serial := r.PostFormValue("serial")
	if _, err := call(h, r, s, "iam", "EnableMFADevice", h.cfg.IAM.EnableMFADevice, &iamapi.EnableMFADeviceInput{
		UserName: name, SerialNumber: serial,
		AuthenticationCode1: strings.TrimSpace(r.PostFormValue("code1")), AuthenticationCode2: strings.TrimSpace(r.PostFormValue("code2")),
	}); err != nil {
		h.failed(w, r, s, userURL(name)+"#mfa", err)
		return
	}
	s.mfaSetup = nil
	h.done(w, r, s, userURL(name)+"#mfa", &notice{Kind: "success", Title: "MFA device assigned", Text: serial})
}

func (h *Handler) userAttach(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	h.attachPolicies(w, r, s, userURL(name), func(arn string) error {
		_, err := call(h, r, s, "iam", "AttachUserPolicy", h.cfg.IAM.AttachUserPolicy,
			&iamapi.AttachUserPolicyInput{UserName: name, PolicyArn: arn})
		return err
	})
}

func (h *Handler) userDetach(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	h.detachPolicy(w, r, s, userURL(name), func(arn string) error {
		_, err := call(h, r, s, "iam", "DetachUserPolicy", h.cfg.IAM.DetachUserPolicy,
			&iamapi.DetachUserPolicyInput{UserName: name, PolicyArn: arn})
		return err
	})
}

func (h *Handler) userAddToGroup(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	group := r.PostFormValue("group")
	if _, err := call(h, r, s, "iam", "AddUserToGroup", h.cfg.IAM.AddUserToGroup,
		&iamapi.AddUserToGroupInput{UserName: name, GroupName: group}); err != nil {
		h.failed(w, r, s, userURL(name), err)
		return
	}
	h.done(w, r, s, userURL(name), &notice{Kind: "success", Title: "Added to group " + group})
}
