package iam

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// Constraints from the IAM API reference's data types (userNameType,
// roleNameType, groupNameType, policyNameType, pathType, ...). AWS checks them
// before anything else and answers ValidationError.
var (
	namePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern = regexp.MustCompile(`^((/)|(/[\x{21}-\x{7E}]+/))$`)
)

const (
	nameRegex = `[\w+=,.@-]+`
	pathRegex = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
)

// checkName validates an entity name of at most max characters; member is the
// input member's name as AWS writes it in messages ("userName").
func checkName(value, member string, max int) error {
	if n := utf8.RuneCountInString(value); n < 1 {
		return validationError(value, member, "must have length greater than or equal to 1")
	} else if n > max {
		return validationError(value, member, "must have length less than or equal to "+strconv.Itoa(max))
	}
	if !namePattern.MatchString(value) {
		return validationError(value, member, "must satisfy regular expression pattern: "+nameRegex)
	}
	return nil
}

// checkPath validates a path; "" means the default "/".
func checkPath(value *string, member string) (string, error) {
	if value == nil || *value == "" {
		return "/", nil
	}
	p := *value
	if len(p) > 512 {
		return "", validationError(p, member, "must have length less than or equal to 512")
	}
	if !pathPattern.MatchString(p) {
		return "", validationError(p, member, "must satisfy regular expression pattern: "+pathRegex)
	}
	if strings.Contains(p, "//") {
		// The model's pattern allows it; IAM itself refuses empty segments.
		return "", awserr.ValidationError("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	return p, nil
}

// checkPathPrefix validates a List operation's PathPrefix.
func checkPathPrefix(value *string) (string, error) {
	if value == nil || *value == "" {
		return "/", nil
	}
	p := *value
	if len(p) > 512 || !strings.HasPrefix(p, "/") {
		return "", validationError(p, "pathPrefix", `must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return p, nil
}

// checkDescription validates a role or policy description (at most 1000
// characters, no control characters other than tab, newline and CR).
func checkDescription(value *string) error {
	if value == nil {
		return nil
	}
	if utf8.RuneCountInString(*value) > 1000 {
		return validationError(*value, "description", "must have length less than or equal to 1000")
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
