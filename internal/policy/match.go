package policy

import (
	"strings"
	"unicode/utf8"
)

// tokKind is one piece of a compiled wildcard pattern.
type tokKind uint8

const (
	tokLit  tokKind = iota // literal text
	tokStar                // * : any run of characters, possibly empty
	tokOne                 // ? : exactly one character
	tokVar                 // ${key} or ${key, 'default'}: the key's value, literally
)

type token struct {
	kind tokKind
	lit  string // tokLit text; tokVar default value
	key  string // tokVar: context key as written
	def  bool   // tokVar has a default
}

// pattern is a compiled wildcard pattern (Action, Resource, StringLike and Arn*
// values). Policy variables are resolved at match time from the request
// context, so a compiled policy serves every request.
type pattern struct {
	src    string
	toks   []token
	plain  bool   // no wildcard and no variable: compare src directly
	anyAll bool   // exactly "*"
	prefix string // set when the pattern is "prefix*" with a literal prefix
}

// compilePattern splits s into tokens. wild says whether * and ? are
// wildcards (false for StringEquals/ArnEquals-style exact values); vars says
// whether ${...} is a policy variable (only in Version 2012-10-17 policies,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
func compilePattern(s string, wild, vars bool) pattern {
	p := pattern{src: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, token{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	special := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case wild && c == '*':
			flush()
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tokStar {
				p.toks = append(p.toks, token{kind: tokStar})
			}
			special = true
			i++
		case wild && c == '?':
			flush()
			p.toks = append(p.toks, token{kind: tokOne})
			special = true
			i++
		case vars && c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				lit.WriteByte(c)
				i++
				continue
			}
			body := s[i+2 : i+end]
			i += end + 1
			switch strings.TrimSpace(body) {
			case "*", "?", "$":
				// ${*} ${?} ${$}: the character itself, never a wildcard.
				lit.WriteString(strings.TrimSpace(body))
				special = true
				continue
			}
			key, def, hasDef := parseVariable(body)
			if key == "" {
				lit.WriteString("${" + body + "}")
				continue
			}
			flush()
			p.toks = append(p.toks, token{kind: tokVar, key: key, lit: def, def: hasDef})
			special = true
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	p.plain = !special
	p.anyAll = len(p.toks) == 1 && p.toks[0].kind == tokStar
	if len(p.toks) == 2 && p.toks[0].kind == tokLit && p.toks[1].kind == tokStar {
		p.prefix = p.toks[0].lit
	}
	if p.plain {
		p.toks = nil
	}
	return p
}

// parseVariable splits the body of ${...}: "aws:username" or
// "aws:username, 'default'".
func parseVariable(body string) (key, def string, hasDef bool) {
	if k, d, ok := strings.Cut(body, ","); ok {
		d = strings.TrimSpace(d)
		if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
			return strings.TrimSpace(k), d[1 : len(d)-1], true
		}
		return "", "", false
	}
	return strings.TrimSpace(body), "", false
}

// match reports whether s matches. fold makes literal comparison ASCII
// case-insensitive (actions). ctx resolves variables; a variable whose key is
// absent (and has no default) or is multi-valued makes the pattern match
// nothing, as the policy-variables page says an unresolvable variable does.
func (p *pattern) match(s string, fold bool, ctx Context) bool {
	if p.plain {
		if fold {
			return strings.EqualFold(p.src, s)
		}
		return p.src == s
	}
	if p.anyAll {
		return true
	}
	if p.prefix != "" {
		return hasPrefix(s, p.prefix, fold)
	}
	// Greedy matching with backtracking to the last star only: correct
	// because every token other than a star has a fixed length once variables
	// are resolved.
	toks := p.toks
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			case tokLit, tokVar:
				lit := t.lit
				if t.kind == tokVar {
					v, ok := resolveVar(t, ctx)
					if !ok {
						return false
					}
					lit = v
				}
				if hasPrefix(s[si:], lit, fold) {
					si += len(lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last star swallow one more character.
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		ti, si = starTi+1, starSi
	}
}

func resolveVar(t *token, ctx Context) (string, bool) {
	vals, ok := ctx.lookup(t.key)
	if ok && len(vals) == 1 {
		return vals[0], true
	}
	if !ok && t.def {
		return t.lit, true
	}
	return "", false
}

func (p *pattern) hasVars() bool {
	for i := range p.toks {
		if p.toks[i].kind == tokVar {
			return true
		}
	}
	return false
}

func hasPrefix(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return strings.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

// arnPattern matches ARNs segment by segment: each of the six colon-separated
// parts (arn, partition, service, region, account, resource) is matched on its
// own, so a wildcard never spans a colon before the resource part. This is how
// the Arn* condition operators are documented
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN)
// and how the Resource element treats ARNs
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html:
// wildcards work "within the individual segments of an ARN"; "if the *
// wildcard is the last character of a resource ARN segment, it can expand to
// match beyond the colon boundaries"). In the Resource element doppel lets it
// do so from the last segment written: "arn:aws:codepipeline:*", as AWS
// managed policies write it, matches every CodePipeline ARN (see doc.go). A
// value that is not an ARN is compared as a whole.
type arnPattern struct {
	whole pattern
	segs  [6]pattern
	isARN bool
	head  string // when the first five parts are literal: them with their colons
	short bool   // starts with "arn:" but has fewer than six parts
	// open: a short pattern whose last segment ends with *: it matches an
	// ARN whose first parts match its segments, that star taking the rest.
	open  bool
	nseg  int  // segments of a short pattern
	never bool // a wildcard in an IAM or STS ARN's resource type: matches nothing
	vars  bool // holds a policy variable: matching needs the request context
}

// compileARNPattern compiles a Resource value (resource true) or an Arn*
// condition value. Only the Resource element lets a trailing * cross colons
// and refuses wildcards in an IAM resource type: the condition operators
// page checks "each of the six colon-delimited components" separately (see
// doc.go for the two pages' disagreement).
func compileARNPattern(s string, wild, vars, resource bool) arnPattern {
	a := arnPattern{whole: compilePattern(s, wild, vars)}
	a.vars = a.whole.hasVars()
	parts := strings.SplitN(s, ":", 6)
	if len(parts) == 6 && !a.whole.anyAll {
		a.isARN = true
		for i, part := range parts {
			a.segs[i] = compilePattern(part, wild, vars)
		}
		literalHead := true
		for i := 0; i < 5; i++ {
			literalHead = literalHead && a.segs[i].plain
		}
		if literalHead {
			a.head = strings.Join(parts[:5], ":") + ":"
		}
		// "You cannot use a wildcard in the portion of the ARN that
		// specifies the resource type, such as the term user in an IAM ARN"
		// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
		// Applied to IAM and STS, whose ARNs always have a resource type;
		// S3's resource part is a bucket name, where "*/" is usual.
		if resource && wild && (parts[2] == "iam" || parts[2] == "sts") {
			if typ, _, found := strings.Cut(parts[5], "/"); found && strings.ContainsAny(typ, "*?") {
				a.never = true
			}
		}
	} else if len(parts) > 1 && parts[0] == "arn" {
		a.short = true
		if resource && wild && strings.HasSuffix(s, "*") {
			a.open = true
			a.nseg = len(parts)
			for i, part := range parts {
				a.segs[i] = compilePattern(part, wild, vars)
			}
		}
	}
	return a
}

func (a *arnPattern) match(s string, ctx Context) bool {
	if a.never {
		return false
	}
	if !a.isARN {
		if a.open {
			return a.matchOpen(s, ctx)
		}
		if a.short && strings.Count(s, ":") >= 5 {
			return false
		}
		return a.whole.match(s, false, ctx)
	}
	if a.head != "" {
		// The head holds exactly five colons, so what follows it is the
		// resource part.
		return strings.HasPrefix(s, a.head) && a.segs[5].match(s[len(a.head):], false, ctx)
	}
	rest := s
	for i := 0; i < 5; i++ {
		seg, tail, ok := strings.Cut(rest, ":")
		if !ok {
			return false
		}
		if !a.segs[i].match(seg, false, ctx) {
			return false
		}
		rest = tail
	}
	return a.segs[5].match(rest, false, ctx)
}

// matchOpen matches a short pattern ending with *: its segments but the
// last against the ARN's first segments, and the last one against the rest
// of the ARN, colons included.
func (a *arnPattern) matchOpen(s string, ctx Context) bool {
	rest := s
	for i := 0; i < a.nseg-1; i++ {
		seg, tail, ok := strings.Cut(rest, ":")
		if !ok || !a.segs[i].match(seg, false, ctx) {
			return false
		}
		rest = tail
	}
	return a.segs[a.nseg-1].match(rest, false, ctx)
}

// actionPattern is an Action/NotAction value split at its colon, so that
// most statements are rejected by comparing the short service prefix.
type actionPattern struct {
	all     bool // "*"
	service pattern
	name    pattern
}

func compileAction(a string) actionPattern {
	a = strings.ToLower(a)
	if a == "*" {
		return actionPattern{all: true}
	}
	svc, name, _ := strings.Cut(a, ":")
	return actionPattern{service: compilePattern(svc, true, false), name: compilePattern(name, true, false)}
}

// match takes the request action already split at its colon.
func (a *actionPattern) match(svc, name string) bool {
	return a.all || a.service.match(svc, true, nil) && a.name.match(name, true, nil)
}
