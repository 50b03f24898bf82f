package policy

import (
	"encoding/json"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// Context holds a request's condition keys. Key names are case-insensitive
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html);
// a key that is not in the map is absent from the request.
type Context map[string][]string

// lookup finds key case-insensitively without allocating: exact spelling
// first, then a scan.
func (c Context) lookup(key string) ([]string, bool) {
	if v, ok := c[key]; ok {
		return v, true
	}
	for k, v := range c {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

type opFamily uint8

const (
	opString opFamily = iota
	opStringIgnoreCase
	opStringLike
	opNumeric
	opDate
	opBool
	opBinary
	opIP
	opArn
	opNull
)

type cmp uint8

const (
	cmpEq cmp = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type operator struct {
	family  opFamily
	cmp     cmp
	negated bool
}

// operators are the documented condition operators
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
var operators = map[string]operator{
	"StringEquals":              {opString, cmpEq, false},
	"StringNotEquals":           {opString, cmpEq, true},
	"StringEqualsIgnoreCase":    {opStringIgnoreCase, cmpEq, false},
	"StringNotEqualsIgnoreCase": {opStringIgnoreCase, cmpEq, true},
	"StringLike":                {opStringLike, cmpEq, false},
	"StringNotLike":             {opStringLike, cmpEq, true},
	"NumericEquals":             {opNumeric, cmpEq, false},
	"NumericNotEquals":          {opNumeric, cmpEq, true},
	"NumericLessThan":           {opNumeric, cmpLt, false},
	"NumericLessThanEquals":     {opNumeric, cmpLe, false},
	"NumericGreaterThan":        {opNumeric, cmpGt, false},
	"NumericGreaterThanEquals":  {opNumeric, cmpGe, false},
	"DateEquals":                {opDate, cmpEq, false},
	"DateNotEquals":             {opDate, cmpEq, true},
	"DateLessThan":              {opDate, cmpLt, false},
	"DateLessThanEquals":        {opDate, cmpLe, false},
	"DateGreaterThan":           {opDate, cmpGt, false},
	"DateGreaterThanEquals":     {opDate, cmpGe, false},
	"Bool":                      {opBool, cmpEq, false},
	"BinaryEquals":              {opBinary, cmpEq, false},
	"IpAddress":                 {opIP, cmpEq, false},
	"NotIpAddress":              {opIP, cmpEq, true},
	"ArnEquals":                 {opArn, cmpEq, false},
	"ArnLike":                   {opArn, cmpEq, false},
	"ArnNotEquals":              {opArn, cmpEq, true},
	"ArnNotLike":                {opArn, cmpEq, true},
	"Null":                      {opNull, cmpEq, false},
}

type setOp uint8

const (
	setNone setOp = iota
	setForAll
	setForAny
)

// Condition is one operator applied to one key with its values.
type Condition struct {
	Operator string   // as written, e.g. "ForAnyValue:StringLikeIfExists"
	Key      string   // as written
	Values   []string // as written (numbers and booleans as their JSON text)

	op       operator
	set      setOp
	ifExists bool

	strs  []pattern    // string, StringLike and ignore-case (lowered) values
	arns  []arnPattern // Arn* values
	nums  []float64    // NaN marks an unparsable value (never matches)
	dates []int64      // unix nanoseconds; math.MinInt64 marks an unparsable value
	ips   []netip.Prefix
	bools []string // Null: "true"/"false" lowered; other text never matches
}

// parseConditions reads {"Operator": {"key": value|[values]}} and compiles it.
func parseConditions(v any, vars bool) ([]*Condition, *awserr.Error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, malformed(ProblemSyntax, "Condition", msgSyntax)
	}
	ops := make([]string, 0, len(block))
	for k := range block {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	var out []*Condition
	for _, opName := range ops {
		keys, ok := block[opName].(map[string]any)
		if !ok {
			return nil, malformed(ProblemSyntax, opName, msgSyntax)
		}
		op, set, ifExists, ok := parseOperator(opName)
		if !ok {
			return nil, malformed(ProblemConditionOperator, opName, msgSyntax)
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, key := range names {
			vals, ok := conditionValues(keys[key])
			if !ok {
				return nil, malformed(ProblemSyntax, key, msgSyntax)
			}
			if !validConditionKey(key) {
				return nil, malformed(ProblemConditionKey, key, msgVendor)
			}
			c := &Condition{Operator: opName, Key: key, Values: vals, op: op, set: set, ifExists: ifExists}
			c.compile(vars)
			out = append(out, c)
		}
	}
	return out, nil
}

// validConditionKey: a key is "vendor:name" ("aws:SourceIp", "s3:prefix",
// "aws:PrincipalTag/team"); IAM refuses keys without a vendor prefix.
func validConditionKey(k string) bool {
	v, _, ok := strings.Cut(k, ":")
	return ok && v != ""
}

func parseOperator(name string) (op operator, set setOp, ifExists bool, ok bool) {
	base := name
	if b, found := strings.CutPrefix(base, "ForAllValues:"); found {
		base, set = b, setForAll
	} else if b, found := strings.CutPrefix(base, "ForAnyValue:"); found {
		base, set = b, setForAny
	}
	if b, found := strings.CutSuffix(base, "IfExists"); found && b != "Null" {
		base, ifExists = b, true
	}
	op, ok = operators[base]
	return op, set, ifExists, ok
}

// conditionValues reads a condition value: a string, number or boolean, or an
// array of them.
func conditionValues(v any) ([]string, bool) {
	one := func(e any) (string, bool) {
		switch t := e.(type) {
		case string:
			return t, true
		case json.Number:
			return t.String(), true
		case bool:
			return strconv.FormatBool(t), true
		}
		return "", false
	}
	if arr, ok := v.([]any); ok {
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := one(e)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	s, ok := one(v)
	if !ok {
		return nil, false
	}
	return []string{s}, true
}

func (c *Condition) compile(vars bool) {
	for _, v := range c.Values {
		switch c.op.family {
		case opString, opBinary:
			c.strs = append(c.strs, compilePattern(v, false, vars))
		case opStringIgnoreCase:
			c.strs = append(c.strs, compilePattern(v, false, vars))
		case opStringLike:
			c.strs = append(c.strs, compilePattern(v, true, vars))
		case opArn:
			c.arns = append(c.arns, compileARNPattern(v, true, vars, false))
		case opNumeric:
			c.nums = append(c.nums, parseNumber(v))
		case opDate:
			c.dates = append(c.dates, parseDate(v))
		case opIP:
			p, ok := parsePrefix(v)
			if !ok {
				p = netip.Prefix{} // invalid prefix: never contains anything
			}
			c.ips = append(c.ips, p)
		case opBool:
			// Bool takes policy variables, as the string and ARN operators
			// do (condition operators page; see doc.go).
			c.strs = append(c.strs, compilePattern(v, false, vars))
		case opNull:
			c.bools = append(c.bools, strings.ToLower(v))
		}
	}
}

func parseNumber(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// parseDate accepts the W3C/ISO 8601 forms the Date operators document and
// epoch seconds (aws:EpochTime).
func parseDate(s string) int64 {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n * int64(time.Second)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixNano()
		}
	}
	return math.MinInt64
}

func parsePrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// eval applies the condition to the request context. The rules are the
// documented ones:
//   - several values for one key: any may match (OR);
//   - a missing key: false, except IfExists (true) and negated operators
//     (true: "the key doesn't match" holds for an absent key);
//   - ForAllValues: every request value matches some policy value; true for
//     an absent or empty key; ForAnyValue: at least one does; false when absent
//     (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
//   - a negated operator is the negation of its positive form over all values.
func (c *Condition) eval(ctx Context) bool {
	vals, present := ctx.lookup(c.Key)
	if c.op.family == opNull {
		// Null: "true" means the key must be absent.
		want := len(c.bools) > 0 && c.bools[0] == "true"
		for _, b := range c.bools[1:] {
			if (b == "true") != want {
				// Several values: any may match.
				return true
			}
		}
		return want == (!present || len(vals) == 0)
	}
	if (!present || len(vals) == 0) && c.ifExists {
		return true
	}
	switch c.set {
	case setForAll:
		for _, v := range vals {
			if c.matchOne(v, ctx) == c.op.negated {
				return false
			}
		}
		return true
	case setForAny:
		for _, v := range vals {
			if c.matchOne(v, ctx) != c.op.negated {
				return true
			}
		}
		return false
	}
	if !present || len(vals) == 0 {
		return c.op.negated
	}
	// A multi-valued key without a set operator is treated like ForAnyValue
	// for positive operators and, for negated ones, as "no request value
	// matches any policy value". The docs advise against relying on this; it
	// is what their single-valued examples imply when generalised.
	for _, v := range vals {
		if c.matchOne(v, ctx) {
			return !c.op.negated
		}
	}
	return c.op.negated
}

// matchOne reports whether one request value matches any policy value under
// the positive form of the operator.
func (c *Condition) matchOne(v string, ctx Context) bool {
	switch c.op.family {
	case opString, opBinary, opStringLike:
		for i := range c.strs {
			if c.strs[i].match(v, false, ctx) {
				return true
			}
		}
	case opStringIgnoreCase:
		for i := range c.strs {
			if c.strs[i].match(v, true, ctx) {
				return true
			}
		}
	case opArn:
		for i := range c.arns {
			if c.arns[i].match(v, ctx) {
				return true
			}
		}
	case opNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		for _, n := range c.nums {
			if compare(f, n, c.op.cmp) {
				return true
			}
		}
	case opDate:
		d := parseDate(v)
		if d == math.MinInt64 {
			return false
		}
		for _, n := range c.dates {
			if n != math.MinInt64 && compareInt(d, n, c.op.cmp) {
				return true
			}
		}
	case opBool:
		for i := range c.strs {
			if c.strs[i].match(v, true, ctx) {
				return true
			}
		}
	case opIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range c.ips {
			if p.IsValid() && p.Contains(a) {
				return true
			}
		}
	}
	return false
}

func compare(a, b float64, c cmp) bool {
	switch c {
	case cmpLt:
		return a < b
	case cmpLe:
		return a <= b
	case cmpGt:
		return a > b
	case cmpGe:
		return a >= b
	}
	return a == b
}

func compareInt(a, b int64, c cmp) bool {
	switch c {
	case cmpLt:
		return a < b
	case cmpLe:
		return a <= b
	case cmpGt:
		return a > b
	case cmpGe:
		return a >= b
	}
	return a == b
}
