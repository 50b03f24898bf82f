package sts

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// The query codec checks the model's constraints before a call reaches the
// Service. STS repeats the few it relies on, in the same words, so a direct
// caller (tests, the console) gets the same answer and nothing downstream
// sees a value the model forbids.

// charset is a pattern of the STS model of the form [\w...]*: ASCII
// letters, digits and underscore (Java's \w, like Go's, is ASCII) plus the
// listed punctuation. Checking it by hand keeps regexp off the hot path.
type charset struct {
	extra string
	word  bool // \w allowed; false for [\d]*
}

func (c *charset) MatchString(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= '0' && b <= '9':
		case c.word && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_'):
		case strings.IndexByte(c.extra, b) >= 0:
		default:
			return false
		}
	}
	return true
}

// matcher is a compiled pattern.
type matcher interface{ MatchString(string) bool }

// Patterns from the STS model. The charsets are pointers so that passing one
// as a matcher does not copy it to the heap on every call.
var (
	namePattern       = &charset{word: true, extra: "+=,.@-"}   // roleSessionName, sourceIdentity, federated user name
	externalIDPattern = &charset{word: true, extra: "+=,.@:/-"} // externalId
	serialPattern     = &charset{word: true, extra: "+=/:,.@-"} // serialNumber
	tokenCodePattern  = &charset{}                              // tokenCode
	accessKeyPattern  = &charset{word: true}                    // accessKeyId
	tagKeyPattern     = tagCharset{nonEmpty: true}
	tagValuePattern   = tagCharset{}
)

// tagCharset is [\p{L}\p{Z}\p{N}_.:/=+\-@]* (or + when nonEmpty), written
// out: the regexp's Unicode tables cost more than half a millisecond of
// start-up to compile, for a check few requests make.
type tagCharset struct{ nonEmpty bool }

func (c tagCharset) MatchString(s string) bool {
	if c.nonEmpty && s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.Is(unicode.Z, r), unicode.IsNumber(r):
		case r < utf8.RuneSelf && strings.IndexByte("_.:/=+-@", byte(r)) >= 0:
		default:
			return false
		}
	}
	return true
}

// Pattern texts as AWS prints them in messages.
const (
	namePatternText       = `[\w+=,.@-]*`
	externalIDPatternText = `[\w+=,.@:\/-]*`
	serialPatternText     = `[\w+=/:,.@-]*`
	tokenCodePatternText  = `[\d]*`
	accessKeyPatternText  = `[\w]*`
	tagKeyPatternText     = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	tagValuePatternText   = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
)

// violations collects model-constraint failures and renders them as AWS's
// ValidationError: "2 validation errors detected: Value 'x' at 'member'
// failed to satisfy constraint: Member must ...; Value ...".
type violations []string

func (v *violations) add(value, member, constraint string) {
	*v = append(*v, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

// str checks a string member: length in characters and pattern.
func (v *violations) str(value, member string, min, max int, re matcher, reText string) {
	n := utf8.RuneCountInString(value)
	if n < min {
		v.add(value, member, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if max > 0 && n > max {
		v.add(value, member, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
	if re != nil && !re.MatchString(value) {
		v.add(value, member, "Member must satisfy regular expression pattern: "+reText)
	}
}

// optStr is str for an optional member.
func (v *violations) optStr(value *string, member string, min, max int, re matcher, reText string) {
	if value != nil {
		v.str(*value, member, min, max, re, reText)
	}
}

// required reports a missing required member.
func (v *violations) required(value, member string) bool {
	if value == "" {
		*v = append(*v, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member))
		return false
	}
	return true
}

// intRange checks an optional integer member.
func (v *violations) intRange(value *int32, member string, min, max int32) {
	if value == nil {
		return
	}
	s := strconv.Itoa(int(*value))
	if *value < min {
		v.add(s, member, "Member must have value greater than or equal to "+strconv.Itoa(int(min)))
	}
	if *value > max {
		v.add(s, member, "Member must have value less than or equal to "+strconv.Itoa(int(max)))
	}
}

// tags checks a Tags list and its members.
func (v *violations) tags(tags []stsapi.Tag) {
	if len(tags) > maxSessionTags {
		*v = append(*v, fmt.Sprintf("Value '%s' at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", tagList(tags), maxSessionTags))
	}
	for i, t := range tags {
		v.str(t.Key, fmt.Sprintf("tags.%d.member.key", i+1), 1, 128, tagKeyPattern, tagKeyPatternText)
		v.str(t.Value, fmt.Sprintf("tags.%d.member.value", i+1), 0, 256, tagValuePattern, tagValuePatternText)
	}
}

// policyARNs checks PolicyArns: each a 20-2048 character ARN.
func (v *violations) policyARNs(arns []stsapi.PolicyDescriptorType) {
	for i, d := range arns {
		if d.Arn != nil {
			v.str(*d.Arn, fmt.Sprintf("policyArns.%d.member.arn", i+1), 20, 2048, nil, "")
		}
	}
}

func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return awserr.ValidationError("1 validation error detected: %s", v[0])
	}
	return awserr.ValidationError("%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

// tagList renders a tag list the way AWS's Java services print it.
func tagList(tags []stsapi.Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = fmt.Sprintf("Tag(Key=%s, Value=%s)", t.Key, t.Value)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// invalidParameter is STS's InvalidParameterValue (400), used for the session
// tag rules.
func invalidParameter(msg string) error {
	return awserr.New(http.StatusBadRequest, "InvalidParameterValue", msg)
}
