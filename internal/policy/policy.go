package policy

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Kind is where a policy is attached; it decides which elements are required
// or forbidden and the size limit.
type Kind int

const (
	Identity Kind = iota // inline or managed policy of a user, group or role
	Resource             // a resource's policy, e.g. an S3 bucket policy
	Trust                // a role's trust policy (the resource policy of sts:AssumeRole)
	Boundary             // a permissions boundary (a managed policy)
	Session              // a session policy passed to AssumeRole/GetFederationToken
	SCP                  // an AWS Organizations service control policy
	RCP                  // an AWS Organizations resource control policy
)

var kindNames = [...]string{"identity", "resource", "trust", "boundary", "session", "scp", "rcp"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind is the inverse of Kind.String (case-insensitive).
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if strings.EqualFold(s, n) {
			return Kind(i), true
		}
	}
	return 0, false
}

// Effect is a statement's effect and an evaluation's outcome.
type Effect int

const (
	ImplicitDeny Effect = iota
	Allow
	ExplicitDeny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Policy is a parsed, validated and compiled policy document. It is
// immutable and safe for concurrent use.
type Policy struct {
	Name       string // for traces: a managed policy ARN, "inline/NAME", ... (optional)
	Kind       Kind
	Version    string // "" when the document has none
	ID         string
	Statements []*Statement

	// Unreadable is why a stored document could not be parsed; the policy
	// then has no statements (see Unreadable).
	Unreadable error

	// byAction memoizes, per request action, the indexes of the statements
	// whose Action/NotAction matches it: the action check is most of the
	// cost of evaluating a statement, and a server asks about few actions.
	byAction    sync.Map // string -> []int32
	byActionLen atomic.Int32
}

// Statement is one compiled statement.
type Statement struct {
	Index  int // position in the policy, from 0
	Sid    string
	Effect Effect // Allow or ExplicitDeny

	// Principal / NotPrincipal: nil when absent. principalStar is "Principal": "*".
	Principal    *Principals
	NotPrincipal *Principals

	Actions     []string // as written
	NotAction   bool     // Actions came from NotAction
	Resources   []string // as written; nil when the statement has neither element (trust policies)
	NotResource bool     // Resources came from NotResource

	Conditions []*Condition

	actions   []actionPattern
	resources []arnPattern
}

// Principals is the content of a Principal or NotPrincipal element.
type Principals struct {
	Star bool                // "Principal": "*"
	Map  map[string][]string // "AWS", "Service", "Federated", "CanonicalUser" -> values
}

// maxActionCache bounds byAction so that a stream of invented action names
// cannot grow a policy without limit.
const maxActionCache = 4096

// statementsFor returns the indexes of the statements whose action element
// matches action (split at its colon into svc and name).
func (p *Policy) statementsFor(action, svc, name string) []int32 {
	if v, ok := p.byAction.Load(action); ok {
		return v.([]int32)
	}
	var idx []int32
	for i, s := range p.Statements {
		if matchAction(s, svc, name) {
			idx = append(idx, int32(i))
		}
	}
	if p.byActionLen.Load() < maxActionCache {
		if _, loaded := p.byAction.LoadOrStore(action, idx); !loaded {
			p.byActionLen.Add(1)
		}
	}
	return idx
}

// Unreadable stands for a stored document of kind k that Parse refuses
// (written by an earlier build that validated less). AWS never stores such
// a document, so there is no AWS behaviour to copy; doppel treats it as a
// policy with no statements, which grants nothing: a resource policy then
// adds no access (the owner account's identity policies still work, so the
// owner can replace it; cross-account callers are denied), and a boundary,
// session policy, SCP or RCP allows nothing. Its Deny statements are lost
// too: they cannot be read.
func Unreadable(k Kind, name string, err error) *Policy {
	return &Policy{Name: name, Kind: k, Unreadable: err}
}
