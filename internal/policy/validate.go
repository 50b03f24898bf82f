package policy

import (
	"math"
	"strings"
)

// Severity of a Finding, as IAM Access Analyzer's ValidatePolicy names them.
const (
	SeverityError           = "ERROR"
	SeveritySecurityWarning = "SECURITY_WARNING"
	SeverityWarning         = "WARNING"
	SeveritySuggestion      = "SUGGESTION"
)

// Finding is one result of Validate, in the manner of IAM Access Analyzer's
// policy validation
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html).
type Finding struct {
	Severity  string `json:"findingType"`
	Code      string `json:"issueCode"`
	Message   string `json:"findingDetails"`
	Statement int    `json:"statement"` // index, or -1 for the whole policy
}

// Validate checks a document as Parse does and adds findings for documents
// IAM accepts but that probably do not do what their author meant. Parse
// refuses exactly the documents with a Statement -1 ERROR finding; the other
// ERROR findings (DATA_TYPE_MISMATCH, INVALID_GLOBAL_CONDITION_KEY) are ones
// Access Analyzer reports although IAM stores the document.
func Validate(doc string, kind Kind) []Finding {
	p, err := parse(doc, kind, false, true)
	if err != nil {
		code := "MALFORMED_POLICY_DOCUMENT"
		if err.Code == "LimitExceeded" {
			code = "POLICY_SIZE_EXCEEDED"
		}
		return []Finding{{Severity: SeverityError, Code: code, Message: err.Message, Statement: -1}}
	}
	var out []Finding
	add := func(sev, code string, stmt int, msg string) {
		out = append(out, Finding{Severity: sev, Code: code, Message: msg, Statement: stmt})
	}
	switch p.Version {
	case "":
		add(SeverityWarning, "MISSING_VERSION", -1,
			"We recommend that you specify the Version element to help you with debugging permission issues.")
	case "2008-10-17":
		if strings.Contains(doc, "${") {
			add(SeverityWarning, "POLICY_VARIABLE_REQUIRES_VERSION", -1,
				"Policy variables are only supported with Version 2012-10-17; here ${...} is literal text.")
		}
	}
	for _, s := range p.Statements {
		if s.Effect == Allow && s.NotPrincipal != nil {
			add(SeveritySecurityWarning, "ALLOW_WITH_NOT_PRINCIPAL", s.Index,
				"Using Allow with NotPrincipal can be overly permissive. We recommend that you use Principal instead.")
		}
		if s.Effect == Allow && passRoleAny(s) {
			add(SeveritySecurityWarning, "PASS_ROLE_WITH_STAR_IN_RESOURCE", s.Index,
				"Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it allows iam:PassRole permissions on multiple resources.")
		}
		if s.Effect == Allow && (kind == Resource || kind == Trust) && s.Principal != nil && publicPrincipal(s.Principal) && len(s.Conditions) == 0 {
			add(SeveritySecurityWarning, "PUBLIC_ACCESS", s.Index,
				"This statement allows access to anyone (Principal \"*\") without conditions.")
		}
		for _, c := range s.Conditions {
			checkCondition(c, s.Index, add)
		}
	}
	return out
}

func passRoleAny(s *Statement) bool {
	if s.NotAction || s.NotResource {
		return false
	}
	star := false
	for _, r := range s.Resources {
		if r == "*" {
			star = true
		}
	}
	if !star {
		return false
	}
	for i := range s.actions {
		if s.actions[i].match("iam", "passrole") {
			return true
		}
	}
	return false
}

func publicPrincipal(pr *Principals) bool {
	if pr.Star {
		return true
	}
	for _, v := range pr.Map["AWS"] {
		if v == "*" {
			return true
		}
	}
	return false
}

func checkCondition(c *Condition, stmt int, add func(sev, code string, stmt int, msg string)) {
	bad := func(v, want string) {
		add(SeverityError, "DATA_TYPE_MISMATCH", stmt,
			"The text \""+v+"\" does not match the expected "+want+" format for the "+c.Operator+" operator.")
	}
	for i, v := range c.Values {
		switch c.op.family {
		case opNumeric:
			if math.IsNaN(c.nums[i]) {
				bad(v, "number")
			}
		case opDate:
			if c.dates[i] == math.MinInt64 {
				bad(v, "date")
			}
		case opIP:
			if !c.ips[i].IsValid() {
				bad(v, "IP address")
			}
		case opBool, opNull:
			if b := strings.ToLower(v); b != "true" && b != "false" && !(c.op.family == opBool && strings.Contains(v, "${")) {
				bad(v, "boolean")
			}
		}
	}
	vendor, name, _ := strings.Cut(c.Key, ":")
	if strings.EqualFold(vendor, "aws") && !knownGlobalKey(name) {
		add(SeverityError, "INVALID_GLOBAL_CONDITION_KEY", stmt,
			"The condition key "+c.Key+" is not a valid global condition key.")
	}
	if c.set == setForAll && c.op.family != opNull && singleValuedGlobal(name) && strings.EqualFold(vendor, "aws") {
		add(SeveritySecurityWarning, "FORALLVALUES_WITH_SINGLE_VALUED_KEY", stmt,
			"Using ForAllValues with the single-valued key "+c.Key+" can be overly permissive: it is true when the key is absent.")
	}
}

// globalKeys lists the documented global condition keys
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html),
// lower-cased; tag keys are matched by prefix.
var globalKeys = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`PrincipalArn PrincipalAccount PrincipalOrgID PrincipalOrgPaths
		PrincipalIsAWSService PrincipalServiceName PrincipalServiceNamesList PrincipalType userid username
		FederatedProvider TokenIssueTime MultiFactorAuthAge MultiFactorAuthPresent ChatbotSourceArn
		Ec2InstanceSourceVpc Ec2InstanceSourcePrivateIPv4 SourceIdentity AssumedRoot SourceIp SourceVpc
		SourceVpcArn SourceVpce VpcSourceIp VpceAccount VpceOrgID VpceOrgPaths SourceArn SourceAccount
		SourceOrgID SourceOrgPaths ResourceAccount ResourceOrgID ResourceOrgPaths TagKeys CalledVia
		CalledViaFirst CalledViaLast ViaAWSService CurrentTime EpochTime RequestedRegion SecureTransport
		UserAgent Referer IsMcpServiceAction`) {
		globalKeys[strings.ToLower(k)] = true
	}
}

func knownGlobalKey(name string) bool {
	l := strings.ToLower(name)
	for _, prefix := range []string{"principaltag/", "resourcetag/", "requesttag/"} {
		if strings.HasPrefix(l, prefix) && len(l) > len(prefix) {
			return true
		}
	}
	return globalKeys[l]
}

func singleValuedGlobal(name string) bool {
	switch strings.ToLower(name) {
	case "tagkeys", "principalorgpaths", "resourceorgpaths", "sourceorgpaths", "calledvia", "principalservicenameslist", "vpceorgpaths":
		return false
	}
	return knownGlobalKey(name)
}
