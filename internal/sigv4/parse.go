package sigv4

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// queryParams is a decoded query string in wire order. A slice beats
// url.Values here: requests carry few parameters and the canonical query needs
// them all anyway.
type queryParams []kv

type kv struct{ k, v string }

// appendQueryParams appends the parameters of raw to q; Verify hands it a
// stack array, which holds the few parameters of a typical request.
func appendQueryParams(q queryParams, raw string) queryParams {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		q = append(q, kv{unescape(k), unescape(v)})
	}
	return q
}

// unescape decodes a query component; a bad escape is kept as sent, so the
// signature (not a parse error) decides.
func unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

func (q queryParams) get(k string) string {
	for _, p := range q {
		if p.k == k {
			return p.v
		}
	}
	return ""
}

func (q queryParams) count(k string) int {
	n := 0
	for _, p := range q {
		if p.k == k {
			n++
		}
	}
	return n
}

func (q queryParams) has(k string) bool {
	for _, p := range q {
		if p.k == k {
			return true
		}
	}
	return false
}

// parseHeader parses
//
//	AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex
//
// and the request's date.
func parseHeader(h string, hdr http.Header, e errs) (auth, *awserr.Error) {
	var a auth
	rest, found := strings.CutPrefix(h, algorithm+" ")
	if !found {
		if e.s3 {
			if strings.HasPrefix(h, "AWS ") {
				// Signature Version 2: retired for new buckets and regions.
				return a, errSigV2()
			}
			return a, awserr.New(http.StatusBadRequest, "InvalidArgument", "Unsupported Authorization Type").
				With("ArgumentName", "Authorization").With("ArgumentValue", h)
		}
		return a, incomplete(missingMessage(h, hdr, false, false, false))
	}
	var cred string
	var haveCred, haveHeaders, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return a, e.malformedHeader("the authorization header requires three components: Credential, SignedHeaders, and Signature.",
				fmt.Sprintf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, h))
		}
		switch k {
		case "Credential":
			cred, haveCred = val, true
		case "SignedHeaders":
			a.signedHeaders, haveHeaders = val, true
		case "Signature":
			a.signature, haveSig = val, true
		default:
			if e.s3 {
				return a, e.malformedHeader("the authorization header requires three components: Credential, SignedHeaders, and Signature.", "")
			}
		}
	}
	amz := get(hdr, "X-Amz-Date")
	date := get(hdr, "Date")
	if !haveCred || !haveHeaders || !haveSig {
		return a, e.malformedHeader("the authorization header requires three components: Credential, SignedHeaders, and Signature.",
			missingMessage(h, hdr, haveCred, haveHeaders, haveSig))
	}
	if err := a.setCredential(cred, e, false); err != nil {
		return a, err
	}
	if a.signedHeaders == "" {
		return a, e.malformedHeader("the authorization header requires three components: Credential, SignedHeaders, and Signature.",
			missingMessage(h, hdr, true, false, true))
	}
	switch {
	case amz != "":
		t, err := parseISOBasic(amz)
		if err != nil {
			if e.s3 {
				return a, awserr.AccessDenied(msgS3NoDate)
			}
			return a, incomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amz))
		}
		a.t, a.amzDate = t, amz
	case date != "":
		// SigV4 falls back to the Date header; the string to sign still uses
		// the ISO 8601 basic form. The header may hold an HTTP date or the
		// ISO 8601 basic form itself (Signature Version 4 guide, "Elements
		// of an AWS API request signature": "specify the date using either
		// the X-Amz-Date or the Date header ... in the ISO 8601 basic
		// format"; AWS's signing test suite sends HTTP dates).
		t, err := http.ParseTime(date)
		if err != nil {
			t, err = parseISOBasic(date)
		}
		if err != nil {
			if e.s3 {
				return a, awserr.AccessDenied(msgS3NoDate)
			}
			return a, incomplete(missingMessage(h, hdr, true, true, true))
		}
		a.t, a.amzDate = t.UTC(), t.UTC().Format(isoBasic)
	default:
		if e.s3 {
			return a, awserr.AccessDenied(msgS3NoDate)
		}
		return a, incomplete(missingMessage(h, hdr, true, true, true))
	}
	a.token = get(hdr, "X-Amz-Security-Token")
	return a, a.checkDate(e)
}

// missingMessage is IAM's and STS's IncompleteSignature text: one sentence per
// missing part, then the header as sent.
func missingMessage(h string, hdr http.Header, cred, signed, sig bool) string {
	var b strings.Builder
	if !cred {
		fmt.Fprintf(&b, msgIncompleteMissing, "Credential")
	}
	if !sig {
		fmt.Fprintf(&b, msgIncompleteMissing, "Signature")
	}
	if !signed {
		fmt.Fprintf(&b, msgIncompleteMissing, "SignedHeaders")
	}
	if get(hdr, "X-Amz-Date") == "" && get(hdr, "Date") == "" {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	b.WriteString("Authorization=" + h)
	return b.String()
}

// setCredential parses AKID/DATE/REGION/SERVICE/aws4_request into a.
func (a *auth) setCredential(cred string, e errs, query bool) *awserr.Error {
	bad := func(queryMsg string) *awserr.Error {
		if query {
			return e.malformedQuery("Error parsing the X-Amz-Credential parameter; "+msgS3BadCredential, queryMsg)
		}
		return e.malformedHeader(msgS3BadCredential, queryMsg)
	}
	parts, ok := splitFive(cred)
	if !ok {
		return bad(fmt.Sprintf("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred))
	}
	if parts[0] == "" {
		if e.s3 && !query {
			return e.malformedHeader("a non-empty Access Key (AKID) must be provided in the credential.", "")
		}
		return bad(fmt.Sprintf("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred))
	}
	if parts[4] != terminator {
		return bad(fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", parts[4]))
	}
	if parts[2] == "" {
		return bad("Credential should be scoped to a valid region. ")
	}
	if parts[3] == "" {
		return bad("Credential should be scoped to a valid service. ")
	}
	if !isDate(parts[1]) {
		if query && e.s3 {
			return e.malformedQuery(`Error parsing the X-Amz-Credential parameter; incorrect date format. This date in the credential must be in the format "yyyyMMdd".`, "")
		}
		return bad(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s'", parts[1]))
	}
	a.akid, a.date, a.region, a.service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

// checkDate insists that the scope's date is the request's date: the signing
// key is derived from it.
func (a *auth) checkDate(e errs) *awserr.Error {
	if a.amzDate[:8] == a.date {
		return nil
	}
	s3msg := fmt.Sprintf("Invalid credential date %q. This date is not the same as X-Amz-Date: %q.", a.date, a.amzDate[:8])
	queryMsg := fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.date, a.amzDate[:8], a.amzDate)
	if a.presigned {
		return e.malformedQuery("Error parsing the X-Amz-Credential parameter; "+s3msg, queryMsg)
	}
	return e.malformedHeader(s3msg, queryMsg)
}

// parsePresigned reads the X-Amz-* query parameters of a presigned URL. All of
// them are required; a URL with some and not others is malformed.
func parsePresigned(q queryParams, e errs) (auth, *awserr.Error) {
	a := auth{presigned: true}
	for _, name := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires", "X-Amz-Security-Token"} {
		// One value each, as checkRepeated insists for headers: the first of
		// several would be read while the signature covers them all. AWS
		// documents no text for this; it is a malformed parameter.
		if q.count(name) > 1 {
			msg := fmt.Sprintf("%s must be given once.", name)
			return a, e.malformedQuery(msg, msg)
		}
	}
	for _, name := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		// STS and IAM do not insist on X-Amz-Expires (SigV4 makes it optional
		// outside S3); S3 does.
		if !q.has(name) && (e.s3 || name != "X-Amz-Expires") {
			return a, e.malformedQuery(msgS3QueryMissing, fmt.Sprintf("AWS query-string parameters must include '%s'. Re-examine the query-string parameters.", name))
		}
	}
	if alg := q.get("X-Amz-Algorithm"); alg != algorithm {
		return a, e.malformedQuery(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`, fmt.Sprintf("Unsupported AWS 'algorithm': '%s'", alg))
	}
	if err := a.setCredential(q.get("X-Amz-Credential"), e, true); err != nil {
		return a, err
	}
	amz := q.get("X-Amz-Date")
	t, err := parseISOBasic(amz)
	if err != nil {
		return a, e.malformedQuery(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`,
			fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amz))
	}
	a.t, a.amzDate = t, amz
	a.expires = maxExpires
	if s := q.get("X-Amz-Expires"); q.has("X-Amz-Expires") {
		n, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil:
			return a, e.malformedQuery("X-Amz-Expires should be a number", "X-Amz-Expires should be a number")
		case n < 0:
			return a, e.malformedQuery("X-Amz-Expires must be non-negative", "X-Amz-Expires must be non-negative")
		case n > maxExpires:
			// S3 API Reference, "Authenticating Requests: Using Query
			// Parameters": at most 604800 seconds (seven days).
			return a, e.malformedQuery("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds",
				"X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
		}
		a.expires = n
	}
	a.signedHeaders = q.get("X-Amz-SignedHeaders")
	a.signature = q.get("X-Amz-Signature")
	a.token = q.get("X-Amz-Security-Token")
	if a.signedHeaders == "" || a.signature == "" {
		return a, e.malformedQuery(msgS3QueryMissing, "AWS query-string parameters must include 'X-Amz-SignedHeaders' and 'X-Amz-Signature'. Re-examine the query-string parameters.")
	}
	return a, a.checkDate(e)
}

// splitFive splits a credential on '/' into exactly five parts, in one pass.
func splitFive(s string) (p [5]string, ok bool) {
	n, start := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != '/' {
			continue
		}
		if n == 4 {
			return p, false
		}
		p[n] = s[start:i]
		n, start = n+1, i+1
	}
	if n != 4 {
		return p, false
	}
	p[4] = s[start:]
	return p, true
}

// parseISOBasic is time.Parse(isoBasic, s) with a direct path for the
// sixteen-character form clients send; anything else, including what
// time.Parse accepts beyond it (fractional seconds), goes to time.Parse.
func parseISOBasic(s string) (time.Time, error) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Parse(isoBasic, s)
	}
	var d [14]int
	for i, j := 0, 0; i < 15; i++ {
		if i == 8 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return time.Parse(isoBasic, s)
		}
		d[j] = int(c - '0')
		j++
	}
	year := d[0]*1000 + d[1]*100 + d[2]*10 + d[3]
	month, day := d[4]*10+d[5], d[6]*10+d[7]
	hour, minute, sec := d[8]*10+d[9], d[10]*10+d[11], d[12]*10+d[13]
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Parse(isoBasic, s) // for its error
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), nil
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
