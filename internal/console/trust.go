package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
)

// trustSpec is step 1 of the Create role wizard: "Select trusted entity".
type trustSpec struct {
	// "account" (AWS account), "web" (Web identity), "saml" (SAML 2.0
	// federation) or "custom" (Custom trust policy)
	Type              string
	OtherAccount      bool   // "Another AWS account" rather than "This account"
	AccountID         string // for OtherAccount
	RequireExternalID bool
	ExternalID        string
	RequireMFA        bool
	Custom            string // the custom trust policy document

	// Web identity: the IAM OIDC provider's ARN and the audience; for
	// GitHub Actions, the organization and the optional repository and
	// branch, as AWS's console asks for them.
	OIDCProvider, Audience              string
	GitHubOrg, GitHubRepo, GitHubBranch string
	// SAML 2.0 federation: the IAM SAML provider's ARN.
	SAMLProvider string
}

// githubHost is GitHub Actions' issuer as an IAM OIDC provider names it.
const githubHost = "token.actions.githubusercontent.com"

// oidcHost is HOST/PATH of arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH.
func oidcHost(providerARN string) string {
	_, host, _ := strings.Cut(providerARN, ":oidc-provider/")
	return host
}

// githubNamePattern: GitHub organization, repository and branch names as
// the console accepts them (no spaces, no quotes, no wildcards but *).
var githubNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.*/-]+$`)

// externalIDPattern is AssumeRole's ExternalId constraint (STS API
// reference, AssumeRole: 2-1224 characters of [\w+=,.@:\/-]).
var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// validate checks step 1's answers as the console does before it lets the
// user go on.
func (t trustSpec) validate() error {
	switch t.Type {
	case "account":
		if t.OtherAccount && !identity.ValidAccountID(t.AccountID) {
			return fmt.Errorf("Account ID must be a 12-digit AWS account ID.")
		}
		if t.RequireExternalID && (len(t.ExternalID) < 2 || len(t.ExternalID) > 1224 || !externalIDPattern.MatchString(t.ExternalID)) {
			return fmt.Errorf("External ID must be 2 to 1224 characters: letters, digits and +=,.@:/-_")
		}
	case "custom":
		if strings.TrimSpace(t.Custom) == "" {
			return fmt.Errorf("Enter a custom trust policy.")
		}
	case "web":
		if !strings.HasPrefix(t.OIDCProvider, "arn:aws:iam::") || oidcHost(t.OIDCProvider) == "" {
			return fmt.Errorf("Select an identity provider.")
		}
		if t.Audience == "" || strings.ContainsAny(t.Audience, "\"\\") {
			return fmt.Errorf("Select an audience.")
		}
		if oidcHost(t.OIDCProvider) == githubHost {
			if !githubNamePattern.MatchString(t.GitHubOrg) || strings.Contains(t.GitHubOrg, "/") {
				return fmt.Errorf("GitHub organization is required: letters, digits and hyphens.")
			}
			for _, v := range []string{t.GitHubRepo, t.GitHubBranch} {
				if v != "" && !githubNamePattern.MatchString(v) {
					return fmt.Errorf("GitHub repository and branch may hold letters, digits and _.-/* only.")
				}
			}
		}
	case "saml":
		if !strings.HasPrefix(t.SAMLProvider, "arn:aws:iam::") || !strings.Contains(t.SAMLProvider, ":saml-provider/") {
			return fmt.Errorf("Select a SAML provider.")
		}
	default:
		return fmt.Errorf("Select a trusted entity type.")
	}
	return nil
}

// The trust policy the AWS console writes for "AWS account", with its
// members in the console's order and its tab indentation. With neither
// option checked the console leaves an empty Condition block.
type trustDoc struct {
	Version   string
	Statement []trustStatement
}

type trustStatement struct {
	Effect    string
	Principal struct {
		AWS string
	}
	Action    string
	Condition trustCondition
}

type trustCondition struct {
	StringEquals *struct {
		ExternalID string `json:"sts:ExternalId"`
	} `json:",omitempty"`
	Bool *struct {
		MFA string `json:"aws:MultiFactorAuthPresent"`
	} `json:",omitempty"`
}

// document returns the trust policy for the wizard's answers in account
// self (the account the role is created in).
func (t trustSpec) document(self string) (string, error) {
	switch t.Type {
	case "custom":
		return t.Custom, nil
	case "web", "saml":
		return t.federatedDocument()
	}
	account := self
	if t.OtherAccount {
		account = t.AccountID
	}
	st := trustStatement{Effect: "Allow", Action: "sts:AssumeRole"}
	st.Principal.AWS = identity.RootARN(account)
	if t.RequireExternalID {
		st.Condition.StringEquals = &struct {
			ExternalID string `json:"sts:ExternalId"`
		}{t.ExternalID}
	}
	if t.RequireMFA {
		st.Condition.Bool = &struct {
			MFA string `json:"aws:MultiFactorAuthPresent"`
		}{"true"}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "\t")
	if err := enc.Encode(trustDoc{Version: "2012-10-17", Statement: []trustStatement{st}}); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// federatedStatement is the statement AWS's console writes for "Web
// identity" and "SAML 2.0 federation", members in its order.
type federatedStatement struct {
	Effect    string
	Principal struct {
		Federated string
	}
	Action    string
	Condition map[string]map[string]string // StringEquals, then StringLike (sorted)
}

// federatedDocument: the provider as the Federated principal, its audience
// condition, and for GitHub Actions the subject built from the
// organization, repository and branch (repo:ORG/REPO:ref:refs/heads/BRANCH,
// * for what is left empty), as the AWS console builds it.
func (t trustSpec) federatedDocument() (string, error) {
	st := federatedStatement{Effect: "Allow", Condition: map[string]map[string]string{}}
	if t.Type == "saml" {
		st.Principal.Federated = t.SAMLProvider
		st.Action = "sts:AssumeRoleWithSAML"
		st.Condition["StringEquals"] = map[string]string{"SAML:aud": "https://signin.aws.amazon.com/saml"}
	} else {
		host := oidcHost(t.OIDCProvider)
		st.Principal.Federated = t.OIDCProvider
		st.Action = "sts:AssumeRoleWithWebIdentity"
		st.Condition["StringEquals"] = map[string]string{host + ":aud": t.Audience}
		if host == githubHost {
			repo := t.GitHubRepo
			if repo == "" {
				repo = "*"
			}
			sub := "repo:" + t.GitHubOrg + "/" + repo + ":*"
			if t.GitHubBranch != "" {
				sub = "repo:" + t.GitHubOrg + "/" + repo + ":ref:refs/heads/" + t.GitHubBranch
			}
			st.Condition["StringLike"] = map[string]string{host + ":sub": sub}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "\t")
	doc := struct {
		Version   string
		Statement []federatedStatement
	}{"2012-10-17", []federatedStatement{st}}
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// A trustEdge is one way into a role: a principal allowed by a trust
// policy statement, and the conditions attached.
type trustEdge struct {
	Kind       string // "AWS", "Service", "Federated", "*"
	Principal  string // an ARN, account ID, service name, or "*"
	Account    string // the principal's account, when it has one
	Conditions []string
	Deny       bool
}

// trustEdges reads who a trust policy lets assume the role, from the
// policy engine's parse of it: a document the engine cannot read (stored by
// an earlier build) lets no one in.
func trustEdges(doc string) []trustEdge {
	p := authz.Stored(policy.Trust, "trust policy", doc)
	var out []trustEdge
	for _, st := range p.Statements {
		if st.Principal == nil || !assumes(st) {
			continue
		}
		conds := conditionLabels(st.Conditions)
		for _, e := range principals(st.Principal) {
			e.Conditions, e.Deny = conds, st.Effect == policy.ExplicitDeny
			out = append(out, e)
		}
	}
	return out
}

// assumes: the statement is about taking the role (AssumeRole and its
// SAML and web identity forms).
func assumes(st *policy.Statement) bool {
	return st.Covers("sts:AssumeRole") || st.Covers("sts:AssumeRoleWithWebIdentity") || st.Covers("sts:AssumeRoleWithSAML")
}

func principals(pr *policy.Principals) []trustEdge {
	if pr.Star {
		return []trustEdge{{Kind: "*", Principal: "*"}}
	}
	var out []trustEdge
	for _, kind := range []string{"AWS", "Service", "Federated", "CanonicalUser"} {
		for _, p := range pr.Map[kind] {
			e := trustEdge{Kind: kind, Principal: p}
			if kind == "AWS" {
				e.Account = principalAccount(p)
			}
			out = append(out, e)
		}
	}
	return out
}

// principalAccount is the account of an AWS principal: an account ID or
// arn:aws:iam::ACCOUNT:... / arn:aws:sts::ACCOUNT:...
func principalAccount(p string) string {
	if identity.ValidAccountID(p) {
		return p
	}
	parts := strings.SplitN(p, ":", 6)
	if len(parts) == 6 && identity.ValidAccountID(parts[4]) {
		return parts[4]
	}
	return ""
}

// conditionLabels names a statement's conditions in words: the two the
// wizard writes get short names, others are shown as written.
func conditionLabels(conds []*policy.Condition) []string {
	var out []string
	for _, c := range conds {
		vals := strings.Join(c.Values, ", ")
		switch {
		case strings.EqualFold(c.Key, "sts:ExternalId"):
			out = append(out, "external ID "+vals)
		case strings.EqualFold(c.Key, "aws:MultiFactorAuthPresent") && strings.HasPrefix(c.Operator, "Bool") && vals == "true":
			out = append(out, "MFA required")
		default:
			out = append(out, c.Operator+" "+c.Key+" "+vals)
		}
	}
	sort.Strings(out)
	return out
}

// trustSummary is the "Trusted entities" column of the roles list.
func trustSummary(doc string) string {
	var parts []string
	for _, e := range trustEdges(doc) {
		if e.Deny {
			continue
		}
		switch {
		case e.Kind == "AWS" && identity.ValidAccountID(e.Principal):
			parts = append(parts, "Account: "+e.Principal)
		case e.Kind == "AWS" && strings.HasSuffix(e.Principal, ":root"):
			parts = append(parts, "Account: "+e.Account)
		case e.Kind == "AWS":
			parts = append(parts, e.Principal)
		case e.Kind == "Service":
			parts = append(parts, "AWS Service: "+strings.TrimSuffix(e.Principal, ".amazonaws.com"))
		case e.Kind == "Federated":
			parts = append(parts, "Identity Provider: "+e.Principal)
		default:
			parts = append(parts, "Anyone (*)")
		}
	}
	return strings.Join(parts, ", ")
}
