package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// Messages IAM returns with MalformedPolicyDocument. The texts are AWS's
// (as seen in IAM responses and mirrored by moto/localstack's validators).
const (
	msgSyntax           = "Syntax errors in policy."
	msgNoPrincipalAllow = "Policy document should not specify a principal."
	msgMissingPrincipal = "Missing required field Principal"
	msgMissingEffect    = "Missing required field Effect"
	msgNoActions        = "Policy statement must contain actions."
	msgNoResources      = "Policy statement must contain resources."
	msgTrustResource    = "Has prohibited field Resource"
	msgDupSid           = "Statement IDs (SID) in a single policy must be unique."
	msgSidAlnum         = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgVendor           = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgOneColon         = "Actions/Condition can contain only one colon."
)

// MaxSize is the size quota of a policy of kind k, in characters, white space
// not counted (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html:
// managed policy 6,144; role trust policy 2,048; session policies 2,048;
// SCPs and RCPs 5,120 (Organizations quotas); S3 bucket policies 20 KB).
func MaxSize(k Kind) int {
	switch k {
	case Identity, Boundary:
		return 6144
	case Trust, Session:
		return 2048
	case SCP, RCP:
		return 5120
	case Resource:
		return 20 * 1024
	}
	return 6144
}

// malformed is IAM's MalformedPolicyDocument with msg, carrying what is wrong
// as a *ParseError for services whose API words it differently.
func malformed(p Problem, detail, msg string) *awserr.Error {
	return (&ParseError{Problem: p, Detail: detail, Statement: -1}).iam(msg)
}

func (e *ParseError) iam(msg string) *awserr.Error {
	e.Message = msg
	return awserr.New(http.StatusBadRequest, "MalformedPolicyDocument", msg).Wrap(e)
}

// sizeOf counts the characters IAM counts: everything but white space.
func sizeOf(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// Parse parses, validates and compiles a policy document of the given kind.
// A document AWS would refuse yields an *awserr.Error: MalformedPolicyDocument
// with IAM's message, or LimitExceeded for a document over MaxSize.
// (S3 reports the same problems as MalformedPolicy; its service maps the code.)
func Parse(doc string, kind Kind) (*Policy, error) {
	p, err := parse(doc, kind, false, true)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ParseStored is Parse without the size quota, for documents that were
// accepted when they were stored or that AWS itself publishes: dozens of AWS
// managed policies (ReadOnlyAccess has some 85,000 characters) exceed the
// quota on customer managed policies, and an inline policy's quota is the
// aggregate of its owner's inline policies, which IAM checks.
func ParseStored(doc string, kind Kind) (*Policy, error) {
	p, err := parse(doc, kind, false, false)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// parse is Parse; lenient accepts an empty Statement list, which IAM refuses
// but which is a convenient "no statements" in evaluation files; sized
// applies the kind's size quota. Documents read back from storage (not
// sized) may also name AWS principals by unique ID, which IAM writes in
// place of a deleted user or role (RenamePrincipal); a document submitted
// with one is refused, as AWS refuses it.
func parse(doc string, kind Kind, lenient, sized bool) (*Policy, *awserr.Error) {
	if n, max := sizeOf(doc), MaxSize(kind); sized && n > max {
		quota := "PolicySize"
		if kind == Trust {
			quota = "ACLSizePerRole"
		}
		msg := fmt.Sprintf("Cannot exceed quota for %s: %d", quota, max)
		return nil, awserr.New(http.StatusConflict, "LimitExceeded", msg).
			Wrap(&ParseError{Problem: ProblemSize, Detail: strconv.Itoa(max), Statement: -1, Message: msg})
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, malformed(ProblemJSON, "", msgSyntax)
	}
	if _, err := dec.Token(); err == nil {
		return nil, malformed(ProblemJSON, "", msgSyntax) // trailing data after the document
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, malformed(ProblemNotObject, "", msgSyntax)
	}
	p := &Policy{Kind: kind}
	for k, v := range obj {
		switch k {
		case "Version":
			s, ok := v.(string)
			if !ok || (s != "2012-10-17" && s != "2008-10-17") {
				return nil, malformed(ProblemVersion, fmt.Sprint(v), msgSyntax)
			}
			p.Version = s
		case "Id":
			s, ok := v.(string)
			if !ok {
				return nil, malformed(ProblemSyntax, "", msgSyntax)
			}
			p.ID = s
		case "Statement":
		default:
			return nil, malformed(ProblemSyntax, k, msgSyntax)
		}
	}
	var raws []any
	switch st := obj["Statement"].(type) {
	case map[string]any:
		raws = []any{st}
	case []any:
		raws = st
	default:
		if !has(obj, "Statement") {
			return nil, malformed(ProblemNoStatement, "", msgSyntax)
		}
		return nil, malformed(ProblemSyntax, "Statement", msgSyntax)
	}
	if kind == RCP && p.Version == "" {
		// An RCP must say its Version (RCP syntax page, elements summary).
		return nil, malformed(ProblemKindRule, "Version", msgSyntax)
	}
	if len(raws) == 0 && !lenient {
		return nil, malformed(ProblemEmptyStatement, "", msgSyntax)
	}
	// Variables are only policy variables in Version 2012-10-17; otherwise
	// ${...} is literal text
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html).
	vars := p.Version == "2012-10-17"
	sids := map[string]bool{}
	for i, raw := range raws {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, (&ParseError{Problem: ProblemSyntax, Statement: i}).iam(msgSyntax)
		}
		s, err := parseStatement(m, kind, vars, !sized)
		if err != nil {
			if pe := ProblemOf(err); pe != nil {
				pe.Statement = i
			}
			return nil, err
		}
		s.Index = i
		if s.Sid != "" {
			if sids[s.Sid] {
				return nil, (&ParseError{Problem: ProblemDuplicateSid, Detail: s.Sid, Statement: i}).iam(msgDupSid)
			}
			sids[s.Sid] = true
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

var statementKeys = map[string]bool{"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true,
	"Action": true, "NotAction": true, "Resource": true, "NotResource": true, "Condition": true}

var sidRE = regexp.MustCompile(`^[0-9A-Za-z]*$`)

func parseStatement(m map[string]any, kind Kind, vars, stored bool) (*Statement, *awserr.Error) {
	for k := range m {
		if !statementKeys[k] {
			return nil, malformed(ProblemSyntax, k, msgSyntax)
		}
	}
	if has(m, "Action") && has(m, "NotAction") || has(m, "Resource") && has(m, "NotResource") ||
		has(m, "Principal") && has(m, "NotPrincipal") {
		return nil, malformed(ProblemSyntax, "", msgSyntax)
	}
	s := &Statement{}
	if v, ok := m["Sid"]; ok {
		sid, ok := v.(string)
		if !ok {
			return nil, malformed(ProblemSyntax, "Sid", msgSyntax)
		}
		// IAM insists on alphanumeric Sids in identity policies; resource
		// policies (S3, trust) accept any string.
		if (kind == Identity || kind == Boundary) && !sidRE.MatchString(sid) {
			return nil, malformed(ProblemSid, sid, msgSidAlnum)
		}
		s.Sid = sid
	}
	switch e, ok := m["Effect"]; {
	case !ok:
		return nil, malformed(ProblemMissingEffect, "", msgMissingEffect)
	case e == "Allow":
		s.Effect = Allow
	case e == "Deny":
		s.Effect = ExplicitDeny
	default:
		return nil, malformed(ProblemEffect, fmt.Sprint(m["Effect"]), msgSyntax)
	}

	// Principal: forbidden in identity-side policies, required in resource
	// policies and trust policies.
	pkey := ""
	if has(m, "Principal") {
		pkey = "Principal"
	} else if has(m, "NotPrincipal") {
		pkey = "NotPrincipal"
	}
	switch kind {
	case Identity, Boundary, Session, SCP:
		if pkey != "" {
			return nil, malformed(ProblemPrincipalForbidden, "", msgNoPrincipalAllow)
		}
	default:
		if pkey == "" {
			return nil, malformed(ProblemMissingPrincipal, "", msgMissingPrincipal)
		}
		pr, err := parsePrincipals(m[pkey], stored)
		if err != nil {
			return nil, err
		}
		if pkey == "Principal" {
			s.Principal = pr
		} else {
			s.NotPrincipal = pr
		}
	}

	akey := "Action"
	if has(m, "NotAction") {
		akey, s.NotAction = "NotAction", true
	}
	acts, ok := stringList(m[akey])
	if !ok {
		return nil, malformed(ProblemSyntax, akey, msgSyntax)
	}
	if len(acts) == 0 {
		return nil, malformed(ProblemMissingAction, "", msgNoActions)
	}
	for _, a := range acts {
		if err := checkAction(a); err != nil {
			return nil, err
		}
		s.actions = append(s.actions, compileAction(a))
	}
	s.Actions = acts

	rkey := "Resource"
	if has(m, "NotResource") {
		rkey, s.NotResource = "NotResource", true
	}
	if kind == Trust {
		// A trust policy's resource is the role itself.
		if has(m, rkey) {
			return nil, malformed(ProblemResourceForbidden, "", msgTrustResource)
		}
	} else {
		res, ok := stringList(m[rkey])
		if !ok {
			return nil, malformed(ProblemSyntax, rkey, msgSyntax)
		}
		if len(res) == 0 {
			return nil, malformed(ProblemMissingResource, "", msgNoResources)
		}
		for _, r := range res {
			if err := checkResource(r); err != nil {
				return nil, err
			}
			s.resources = append(s.resources, compileARNPattern(r, true, vars, true))
		}
		s.Resources = res
	}

	if c, ok := m["Condition"]; ok {
		conds, err := parseConditions(c, vars)
		if err != nil {
			return nil, err
		}
		s.Conditions = conds
	}
	if kind == RCP {
		if err := rcpRules(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// rcpRules are the rules of RCP syntax
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html):
// Principal must be "*" (conditions narrow it), NotPrincipal and NotAction
// are not supported, and "the effect of Allow is only supported for the
// RCPFullAWSAccess policy", which allows "*" on "*" without conditions.
func rcpRules(s *Statement) *awserr.Error {
	switch {
	case s.NotPrincipal != nil:
		return malformed(ProblemKindRule, "NotPrincipal", msgSyntax)
	case s.NotAction:
		return malformed(ProblemKindRule, "NotAction", msgSyntax)
	case s.Principal == nil || !s.Principal.Star:
		return malformed(ProblemKindRule, "Principal", msgSyntax)
	case s.Effect == Allow && !(len(s.Actions) == 1 && s.Actions[0] == "*" && !s.NotResource &&
		len(s.Resources) == 1 && s.Resources[0] == "*" && len(s.Conditions) == 0):
		return malformed(ProblemKindRule, "Allow", msgSyntax)
	}
	return nil
}

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// stringList reads a string or an array of strings. An absent element gives
// (nil, true) so the caller reports the element as missing.
func stringList(v any) ([]string, bool) {
	switch t := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

var vendorRE = regexp.MustCompile(`^[a-zA-Z0-9\-.]+$`)

func checkAction(a string) *awserr.Error {
	if a == "*" {
		return nil
	}
	vendor, name, ok := strings.Cut(a, ":")
	if !ok {
		return malformed(ProblemAction, a, msgVendor)
	}
	if strings.Contains(name, ":") {
		return malformed(ProblemAction, a, msgOneColon)
	}
	if vendor != "*" && !vendorRE.MatchString(vendor) {
		return malformed(ProblemAction, a, fmt.Sprintf("Vendor %s is not valid", vendor))
	}
	return nil
}

var (
	accountRE   = regexp.MustCompile(`^\d{12}$`)
	awsARNRE    = regexp.MustCompile(`^arn:aws[a-z-]*:(iam::\d{12}:(root|user/.+|role/.+)|sts::\d{12}:(assumed-role/[^/]+/.+|federated-user/.+))$`)
	canonicalRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// uniqueIDRE is a user's or role's unique ID (IAM User Guide, "IAM
	// identifiers", unique ID prefixes).
	uniqueIDRE = regexp.MustCompile(`^(AIDA|AROA)[A-Z0-9]{12,124}$`)
)

// parsePrincipals reads "*" or {"AWS"|"Service"|"Federated"|"CanonicalUser":
// string or array}. A principal cannot hold partial wildcards
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
func parsePrincipals(v any, stored bool) (*Principals, *awserr.Error) {
	if s, ok := v.(string); ok {
		if s == "*" {
			return &Principals{Star: true}, nil
		}
		return nil, malformed(ProblemPrincipal, s, fmt.Sprintf("Invalid principal in policy: %q", s))
	}
	obj, ok := v.(map[string]any)
	if !ok || len(obj) == 0 {
		return nil, malformed(ProblemPrincipal, "", msgSyntax)
	}
	pr := &Principals{Map: map[string][]string{}}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals, ok := stringList(obj[k])
		if !ok || len(vals) == 0 {
			return nil, malformed(ProblemPrincipal, k, msgSyntax)
		}
		for _, val := range vals {
			if !validPrincipal(k, val) && !(stored && k == "AWS" && uniqueIDRE.MatchString(val)) {
				return nil, malformed(ProblemPrincipal, val, fmt.Sprintf("Invalid principal in policy: %q:%q", k, val))
			}
		}
		pr.Map[k] = vals
	}
	return pr, nil
}

func validPrincipal(typ, v string) bool {
	switch typ {
	case "AWS":
		return v == "*" || accountRE.MatchString(v) || (awsARNRE.MatchString(v) && !strings.ContainsAny(v, "*?"))
	case "Service":
		return v == "*" || (strings.Contains(v, ".") && !strings.ContainsAny(v, "*? "))
	case "Federated":
		return v != "" && !strings.ContainsAny(v, "*? ")
	case "CanonicalUser":
		return canonicalRE.MatchString(v)
	}
	return false
}

// compact re-encodes a JSON value without insignificant white space; used by
// the evaluation file decoder to hand documents to Parse.
func compact(raw []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// partitions are the AWS partitions a resource ARN may name.
var partitions = map[string]bool{"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true,
	"aws-iso-b": true, "aws-iso-e": true, "aws-iso-f": true, "aws-eusc": true, "*": true}

// checkResource applies IAM's checks of a Resource/NotResource value.
func checkResource(r string) *awserr.Error {
	if r == "*" {
		return nil
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 2 || parts[0] != "arn" {
		return malformed(ProblemResource, r, fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r))
	}
	if !partitions[parts[1]] {
		// IAM prints the ARN with its missing parts as "*".
		full := append([]string(nil), parts...)
		for len(full) < 6 {
			full = append(full, "*")
		}
		return malformed(ProblemResource, r, fmt.Sprintf("Partition \"%s\" is not valid for resource \"%s\".", parts[1], strings.Join(full, ":")))
	}
	if len(parts) < 3 || strings.ContainsAny(parts[2], "*?") && parts[2] != "*" {
		return malformed(ProblemResource, r, "Resource vendor must be fully qualified and cannot contain regexes.")
	}
	return nil
}
