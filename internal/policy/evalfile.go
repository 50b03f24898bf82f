package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// EvalCase is one authorization request of an evaluation file (the input of
// `doppel policy eval`): the request and every policy that applies.
type EvalCase struct {
	Request Request
	Set     Set
}

// EvalResult is one line of `doppel policy eval` output.
type EvalResult struct {
	Decision string       `json:"decision"`
	Message  string       `json:"message"`
	Trace    []TraceEntry `json:"trace"`
}

type fileRequest struct {
	PrincipalARN     string                     `json:"principal_arn"`
	PrincipalAccount string                     `json:"principal_account"`
	PrincipalKind    string                     `json:"principal_kind"`
	RoleARN          string                     `json:"role_arn"`
	FederatedFrom    string                     `json:"federated_from"`
	Action           string                     `json:"action"`
	Resource         string                     `json:"resource"`
	ResourceAccount  string                     `json:"resource_account"`
	Context          map[string]json.RawMessage `json:"context"`
}

type fileCase struct {
	Request             *fileRequest      `json:"request"`
	IdentityPolicies    []json.RawMessage `json:"identity_policies"`
	ResourcePolicy      json.RawMessage   `json:"resource_policy"`
	ResourcePolicyKind  string            `json:"resource_policy_kind"`
	PermissionsBoundary json.RawMessage   `json:"permissions_boundary"`
	SessionPolicies     []json.RawMessage `json:"session_policies"`
	SCPs                []json.RawMessage `json:"scps"`
	RCPs                []json.RawMessage `json:"rcps"`
}

// DecodeEvalFile reads one evaluation request or a JSON array of them:
//
//	{"request": {"principal_arn", "principal_account", "principal_kind",
//	             "role_arn", "federated_from", "action", "resource",
//	             "resource_account", "context": {"key": "v" | ["v", ...]}},
//	 "identity_policies": [doc...], "resource_policy": doc|null,
//	 "resource_policy_kind": "resource"|"trust",
//	 "permissions_boundary": doc|null, "session_policies": [doc...]|null,
//	 "scps": [doc per level]|null, "rcps": [doc per level]|null}
//
// A doc is a policy object or a string holding one. resource_policy is parsed
// with resource_policy_kind; without it, as a role trust policy when the
// action is one whose resource policy is a trust policy (sts:AssumeRole and
// its SAML and web identity forms, sts:TagSession, sts:SetSourceIdentity),
// else as a resource policy. An empty Statement list is accepted here.
func DecodeEvalFile(data []byte) ([]EvalCase, error) {
	data = bytes.TrimSpace(data)
	var raws []json.RawMessage
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, fmt.Errorf("evaluation file: %v", err)
		}
	} else {
		raws = []json.RawMessage{data}
	}
	out := make([]EvalCase, 0, len(raws))
	for i, raw := range raws {
		c, err := decodeCase(raw)
		if err != nil {
			if len(raws) > 1 {
				return nil, fmt.Errorf("request %d: %w", i, err)
			}
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func decodeCase(raw json.RawMessage) (EvalCase, error) {
	var fc fileCase
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return EvalCase{}, fmt.Errorf("evaluation file: %v", err)
	}
	if fc.Request == nil {
		return EvalCase{}, fmt.Errorf("evaluation file: missing \"request\"")
	}
	r := fc.Request
	if r.Action == "" {
		return EvalCase{}, fmt.Errorf("evaluation file: request.action is required")
	}
	c := EvalCase{Request: Request{
		PrincipalARN: r.PrincipalARN, PrincipalAccount: r.PrincipalAccount,
		RoleARN: r.RoleARN, FederatedFrom: r.FederatedFrom,
		Action: r.Action, Resource: r.Resource, ResourceAccount: r.ResourceAccount,
	}}
	if c.Request.Resource == "" {
		c.Request.Resource = "*"
	}
	if r.PrincipalKind != "" {
		k, ok := parsePrincipalKind(r.PrincipalKind)
		if !ok {
			return EvalCase{}, fmt.Errorf("evaluation file: unknown principal_kind %q", r.PrincipalKind)
		}
		c.Request.PrincipalKind = k
	}
	if len(r.Context) > 0 {
		c.Request.Context = make(Context, len(r.Context))
		for k, v := range r.Context {
			vals, err := contextValues(v)
			if err != nil {
				return EvalCase{}, fmt.Errorf("evaluation file: context %q: %v", k, err)
			}
			if vals != nil {
				c.Request.Context[k] = vals
			}
		}
	}

	var err error
	one := func(name string, raw json.RawMessage, kind Kind) *Policy {
		if err != nil || isNull(raw) {
			return nil
		}
		var p *Policy
		p, err = decodePolicy(name, raw, kind)
		return p
	}
	many := func(name string, raws []json.RawMessage, kind Kind) []*Policy {
		var ps []*Policy
		for i, raw := range raws {
			if p := one(fmt.Sprintf("%s[%d]", name, i), raw, kind); p != nil {
				ps = append(ps, p)
			}
		}
		return ps
	}
	c.Set.Identity = many("identity_policies", fc.IdentityPolicies, Identity)
	resKind := Resource
	switch strings.ToLower(r.Action) {
	case "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity", "sts:tagsession", "sts:setsourceidentity":
		resKind = Trust
	}
	if fc.ResourcePolicyKind != "" {
		k, ok := ParseKind(fc.ResourcePolicyKind)
		if !ok || k != Resource && k != Trust {
			return c, fmt.Errorf("resource_policy_kind %q: want \"resource\" or \"trust\"", fc.ResourcePolicyKind)
		}
		resKind = k
	}
	c.Set.Resource = one("resource_policy", fc.ResourcePolicy, resKind)
	c.Set.Boundary = one("permissions_boundary", fc.PermissionsBoundary, Boundary)
	c.Set.Session = many("session_policies", fc.SessionPolicies, Session)
	c.Set.SCPs = many("scps", fc.SCPs, SCP)
	c.Set.RCPs = many("rcps", fc.RCPs, RCP)
	return c, err
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func decodePolicy(name string, raw json.RawMessage, kind Kind) (*Policy, error) {
	doc := compact(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		doc = s
	}
	p, err := parse(doc, kind, true, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p.Name = name
	return p, nil
}

func contextValues(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	if arr, ok := v.([]any); ok {
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := scalar(e)
			if !ok {
				return nil, fmt.Errorf("values must be strings, numbers or booleans")
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := scalar(v)
	if !ok {
		return nil, fmt.Errorf("values must be strings, numbers or booleans")
	}
	return []string{s}, nil
}

func scalar(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

func parsePrincipalKind(s string) (PrincipalKind, bool) {
	for i, n := range principalKindNames {
		if i > 0 && strings.EqualFold(n, s) {
			return PrincipalKind(i), true
		}
	}
	return 0, false
}

// Run evaluates the case; explain asks for the full trace.
func (c *EvalCase) Run(explain bool) EvalResult {
	var d Decision
	if explain {
		d = Explain(&c.Request, &c.Set)
	} else {
		d = Evaluate(&c.Request, &c.Set)
	}
	tr := d.Trace
	if tr == nil {
		tr = []TraceEntry{}
	}
	return EvalResult{Decision: d.Effect.String(), Message: d.Message, Trace: tr}
}

// ExplainText renders a decision with its full trace for people.
func ExplainText(req *Request, d Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s on %s by %s\n", d.Effect, req.Action, req.Resource, orAnonymous(req.PrincipalARN))
	if d.Message != "" {
		fmt.Fprintf(&b, "  %s\n", d.Message)
	}
	for _, t := range d.Trace {
		mark := "  "
		if t.Matched {
			mark = "* "
		}
		name := t.Policy
		if t.Level > 0 {
			name = fmt.Sprintf("%s (level %d)", name, t.Level)
		}
		fmt.Fprintf(&b, "  %s%s %s statement %d", mark, t.TypeName, name, t.Statement)
		if t.Sid != "" {
			fmt.Fprintf(&b, " (%s)", t.Sid)
		}
		fmt.Fprintf(&b, " %s: ", t.Effect)
		switch {
		case t.Deciding:
			b.WriteString("matched, deciding\n")
		case t.Matched:
			b.WriteString("matched\n")
		default:
			fmt.Fprintf(&b, "no match (%s)\n", t.Failed)
		}
	}
	return b.String()
}

func orAnonymous(s string) string {
	if s == "" {
		return "anonymous"
	}
	return s
}
